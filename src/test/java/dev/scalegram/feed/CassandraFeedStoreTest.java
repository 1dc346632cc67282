package dev.scalegram.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import dev.scalegram.ids.Page;
import dev.scalegram.testing.TestCassandra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The feed contract on a real Cassandra 5 node, plus what only Cassandra has: the schema created on start, and the
 * consistency levels each statement carries (read back from the driver, and enforced by the node: "write 2" cannot
 * succeed with a single replica).
 */
class CassandraFeedStoreTest extends FeedStoreContract {

    private static final RecordingTracker TRACKER = new RecordingTracker();
    private static CassandraSession session;

    @BeforeAll
    static void open() {
        session = openFresh(TRACKER);
    }

    @AfterAll
    static void close() {
        dropAndClose(session);
    }

    /** A session on a new keyspace (RF 1, the default levels) of the test node. */
    static CassandraSession openFresh(RecordingTracker tracker) {
        String keyspace = "t_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        return CassandraSession.open(config(keyspace), tracker);
    }

    static CassandraFeedConfig config(String keyspace) {
        return CassandraFeedConfig.of(List.of(TestCassandra.address()), TestCassandra.DC, keyspace, 1);
    }

    static void dropAndClose(CassandraSession s) {
        if (s != null) {
            // Schema changes flush and sync the schema tables: on a busy 2-core machine, more than a request timeout.
            s.cql().execute(SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS " + s.config().keyspace())
                    .setTimeout(Duration.ofSeconds(60)));
            s.close();
        }
    }

    @Override
    protected FeedStore store(int cap) {
        return new CassandraFeedStore(session, cap);
    }

    @Test
    void schemaIsCreatedOnStartAndReopeningKeepsIt() {
        String ks = session.config().keyspace();
        List<String> tables = new ArrayList<>();
        for (Row r : session.cql().execute(
                "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", ks)) {
            tables.add(r.getString(0));
        }
        assertEquals(List.of("activity", "activity_key", "home_feed"), tables.stream().sorted().toList());
        Row replication = session.cql().execute(
                "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?", ks).one();
        Map<String, String> rf = replication.getMap(0, String.class, String.class);
        assertTrue(rf.get("class").endsWith("NetworkTopologyStrategy"), rf.toString());
        assertEquals("1", rf.get(TestCassandra.DC), rf.toString());
        Row order = session.cql().execute("SELECT clustering_order FROM system_schema.columns WHERE keyspace_name = ?"
                + " AND table_name = 'home_feed' AND column_name = 'status_id'", ks).one();
        assertEquals("desc", order.getString(0));

        long reader = id();
        long s = id();
        store(10).addToFeeds(List.of(reader), s, reader);
        // A second process starting on the existing schema: creation is skipped, the data is there.
        try (CassandraSession again = CassandraSession.open(config(ks))) {
            assertEquals(List.of(new FeedItem(s, reader)),
                    new CassandraFeedStore(again, 10).page(reader, Page.newest(5)));
        }
    }

    @Test
    void everyStatementCarriesTheConfiguredLevel() throws InterruptedException {
        FeedStore f = store(3);
        long reader = id();
        long author = id();
        TRACKER.drain();
        f.addToFeeds(List.of(reader, id()), id(), author);
        f.addToFeed(reader, List.of(id(), id(), id(), id()), author);
        f.removeFromFeeds(List.of(reader), id());
        f.page(reader, Page.newest(5));
        f.page(reader, new Page(0, 0, 1, 5));
        f.removeAuthor(reader, author);
        // Writes: 2 inserts, the backfill batch, its trim's range delete, the removal, the author's removal. Reads: the
        // trim's cut-off, 2 pages, and the author's items (a cleanup, read at the write level to see every write).
        List<RecordingTracker.Sent> sent = TRACKER.drainWhen(l -> l.stream().filter(s -> !s.isRead()).count() >= 6
                && l.stream().filter(s -> s.isRead()).count() >= 4);
        List<RecordingTracker.Sent> writes = sent.stream().filter(s -> !s.isRead()).toList();
        List<RecordingTracker.Sent> reads = sent.stream().filter(RecordingTracker.Sent::isRead).toList();
        assertTrue(writes.size() >= 6 && reads.size() >= 4, sent.toString());
        assertTrue(writes.stream().anyMatch(RecordingTracker.Sent::batch), "the backfill is one batch: " + sent);
        assertTrue(writes.stream().anyMatch(s -> s.cql().contains("status_id <")), "the backfill trims: " + sent);
        assertTrue(reads.stream().anyMatch(s -> s.cql().contains("ALLOW FILTERING")), sent.toString());
        writes.forEach(s -> assertEquals(DefaultConsistencyLevel.LOCAL_QUORUM, s.level(), s.toString()));
        reads.forEach(s -> assertEquals(s.cql().contains("ALLOW FILTERING") ? DefaultConsistencyLevel.LOCAL_QUORUM
                : DefaultConsistencyLevel.LOCAL_ONE, s.level(), s.toString()));
    }

    @Test
    void otherLevelsAreHonouredToo() throws InterruptedException {
        RecordingTracker tracker = new RecordingTracker();
        CassandraFeedConfig c = config(session.config().keyspace())
                .withConsistency(DefaultConsistencyLevel.ONE, DefaultConsistencyLevel.ALL);
        try (CassandraSession s = CassandraSession.open(c, tracker)) {
            FeedStore f = new CassandraFeedStore(s, 10);
            long reader = id();
            tracker.drain();
            f.addToFeeds(List.of(reader), id(), id());
            assertEquals(1, f.page(reader, Page.newest(5)).size());
            List<RecordingTracker.Sent> sent = tracker.drainWhen(l -> l.stream().anyMatch(x -> x.isRead())
                    && l.stream().anyMatch(x -> !x.isRead()));
            assertTrue(sent.stream().anyMatch(x -> !x.isRead() && x.level() == DefaultConsistencyLevel.ONE),
                    sent.toString());
            assertTrue(sent.stream().anyMatch(x -> x.isRead() && x.level() == DefaultConsistencyLevel.ALL),
                    sent.toString());
        }
    }

    @Test
    void writeTwoReadOneCannotWriteWithOneReplicaAndSaysWhy() {
        FeedStore strong = store(10);
        long reader = id();
        long author = id();
        long kept = id();
        strong.addToFeeds(List.of(reader), kept, author);

        CassandraFeedConfig c = config(session.config().keyspace()).withProfile(CassandraFeedConfig.WRITE2READ1);
        assertEquals(DefaultConsistencyLevel.TWO, c.write());
        assertEquals(DefaultConsistencyLevel.ONE, c.read());
        try (CassandraSession s = CassandraSession.open(c)) {
            FeedStore w2r1 = new CassandraFeedStore(s, 10);
            List<Long> readers = List.of(reader, id(), id());
            RuntimeException e = assertThrows(RuntimeException.class, () -> w2r1.addToFeeds(readers, id(), author));
            UnavailableException u = unavailable(e);
            assertEquals(DefaultConsistencyLevel.TWO, u.getConsistencyLevel(), e.toString());
            assertEquals(2, u.getRequired());
            assertEquals(1, u.getAlive());
            // Reads at ONE work, and the refused write left nothing behind.
            assertEquals(List.of(new FeedItem(kept, author)), w2r1.page(reader, Page.newest(5)));
            assertFalse(w2r1.page(readers.get(1), Page.newest(5)).iterator().hasNext());
        }
    }

    /** The node's refusal, whether the driver rethrew it as is or after trying the other nodes of its plan. */
    static UnavailableException unavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnavailableException u) {
                return u;
            }
            if (t instanceof AllNodesFailedException all) {
                for (List<Throwable> errors : all.getAllErrors().values()) {
                    for (Throwable inner : errors) {
                        if (inner instanceof UnavailableException u) {
                            return u;
                        }
                    }
                }
            }
        }
        throw new AssertionError("expected the node to refuse for want of replicas, got " + e, e);
    }
}
