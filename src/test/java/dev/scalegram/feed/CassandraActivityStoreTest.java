package dev.scalegram.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import dev.scalegram.feed.Activity.Type;
import dev.scalegram.ids.Page;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The activity contract on a real Cassandra 5 node, plus the levels its statements carry. */
class CassandraActivityStoreTest extends ActivityStoreContract {

    private static final RecordingTracker TRACKER = new RecordingTracker();
    private static CassandraSession session;

    @BeforeAll
    static void open() {
        session = CassandraFeedStoreTest.openFresh(TRACKER);
    }

    @AfterAll
    static void close() {
        CassandraFeedStoreTest.dropAndClose(session);
    }

    @Override
    protected ActivityStore store() {
        return new CassandraActivityStore(session);
    }

    @Test
    void writesAtTheWriteLevelKeysUnderPaxosAndReadsAtTheReadLevel() throws InterruptedException {
        ActivityStore s = store();
        long user = TestIds.next();
        TRACKER.drain();
        s.add(user, Type.FOLLOW, TestIds.next(), 0);
        long id = s.page(user, Page.newest(5), Set.of()).getFirst().id();
        s.get(user, id);
        s.dismiss(user, id);
        // Claim + row on add, the page, the get, dismiss's read, row delete and release.
        List<RecordingTracker.Sent> sent = TRACKER.drainWhen(l -> l.size() >= 7);
        List<RecordingTracker.Sent> keyWrites = sent.stream()
                .filter(x -> !x.isRead() && x.cql().contains("activity_key")).toList();
        assertTrue(keyWrites.stream().anyMatch(x -> x.cql().startsWith("INSERT")), "the claim on add: " + sent);
        assertTrue(keyWrites.stream().anyMatch(x -> x.cql().startsWith("DELETE")), "the release on dismiss: " + sent);
        keyWrites.forEach(x -> {
            assertEquals(DefaultConsistencyLevel.LOCAL_QUORUM, x.level(), x.toString());
            assertEquals(DefaultConsistencyLevel.LOCAL_SERIAL, x.serialLevel(), x.toString());
        });
        sent.stream().filter(x -> !x.isRead()).forEach(
                x -> assertEquals(DefaultConsistencyLevel.LOCAL_QUORUM, x.level(), x.toString()));
        assertTrue(sent.stream().anyMatch(x -> x.isRead() && x.level() == DefaultConsistencyLevel.LOCAL_ONE),
                "pages and gets read at LOCAL_ONE: " + sent);
    }

    @Test
    void writeTwoReadOneCannotAddWithOneReplica() {
        CassandraFeedConfig c = CassandraFeedStoreTest.config(session.config().keyspace())
                .withProfile(CassandraFeedConfig.WRITE2READ1);
        try (CassandraSession s = CassandraSession.open(c)) {
            ActivityStore w2r1 = new CassandraActivityStore(s);
            long user = TestIds.next();
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> w2r1.add(user, Type.FOLLOW, TestIds.next(), 0));
            assertEquals(DefaultConsistencyLevel.TWO, CassandraFeedStoreTest.unavailable(e).getConsistencyLevel());
            assertEquals(List.of(), w2r1.page(user, Page.newest(5), Set.of()));
        }
    }
}
