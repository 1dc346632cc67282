package dev.scalegram.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.ids.Page;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.testing.TestStack;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The TAO contract over real PostgreSQL shards and the lease cache. */
class GraphTest {

    static TestStack stack;
    static Graph graph;

    @BeforeAll
    static void start() {
        stack = new TestStack(8, Topology.TasksConfig.defaults());
        stack.startRelay();
        graph = stack.graph;
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static long newAccount(int shard, String name) {
        return graph.write(shard, tx -> tx.objAdd(ObjectType.ACCOUNT, Map.of("username", name)));
    }

    @Test
    void objectsLiveOnTheirShardAndReadsSeeEveryCommittedWrite() {
        long id = newAccount(3, "ann");
        assertEquals(3, ScalegramId.shard(id));
        assertEquals("ann", graph.objGet(id).orElseThrow().as(Map.class).get("username"));
        graph.write(3, tx -> tx.objUpdate(id, Map.of("username", "anne")));
        GraphObject updated = graph.objGet(id).orElseThrow();
        assertEquals("anne", updated.as(Map.class).get("username"), "the update invalidated the cached object");
        assertEquals(2, updated.version());
        graph.write(3, tx -> tx.objDelete(id));
        assertTrue(graph.objGet(id).isEmpty(), "the delete invalidated the cached object");
    }

    @Test
    void aWriteOnTheWrongShardIsRefused() {
        long id = newAccount(1, "wrong");
        var e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> graph.write(2, tx -> tx.objUpdate(id, Map.of())));
        assertTrue(String.valueOf(e.getMessage()).contains("shard"), e.getMessage());
        assertEquals("wrong", graph.objGet(id).orElseThrow().as(Map.class).get("username"));
    }

    @Test
    void assocAddIsIdempotentAndCountsMoveInTheSameTransaction() {
        long status = graph.write(5, tx -> tx.objAdd(ObjectType.STATUS, Map.of("text", "hi")));
        long liker = newAccount(2, "liker");
        assertTrue((boolean) graph.write(5, tx -> tx.assocAdd(status, Relation.LIKED_BY, liker)));
        assertFalse((boolean) graph.write(5, tx -> tx.assocAdd(status, Relation.LIKED_BY, liker)), "a repeated like adds nothing");
        assertEquals(1, graph.assocCount(status, Relation.LIKED_BY));
        assertTrue(graph.assocExists(status, Relation.LIKED_BY, liker));
        assertTrue((boolean) graph.write(5, tx -> tx.assocDelete(status, Relation.LIKED_BY, liker)));
        assertFalse((boolean) graph.write(5, tx -> tx.assocDelete(status, Relation.LIKED_BY, liker)));
        assertEquals(0, graph.assocCount(status, Relation.LIKED_BY));
        assertFalse(graph.assocExists(status, Relation.LIKED_BY, liker));
    }

    @Test
    void rangesAreNewestFirstAndPageWithoutGapsOrRepeats() {
        long author = newAccount(4, "author");
        List<Long> posted = new ArrayList<>();
        for (int i = 0; i < 130; i++) {
            posted.add(graph.write(4, tx -> {
                long s = tx.nextId();
                tx.objAdd(s, ObjectType.STATUS, Map.of("n", 1));
                tx.assocAdd(author, Relation.POSTED, s, s, null);
                return s;
            }));
        }
        assertEquals(130, graph.assocCount(author, Relation.POSTED));
        List<Long> seen = new ArrayList<>();
        long maxId = 0;
        while (true) {
            List<Assoc> page = graph.assocRange(author, Relation.POSTED, new Page(maxId, 0, 0, 40));
            if (page.isEmpty()) {
                break;
            }
            page.forEach(a -> seen.add(a.id2()));
            maxId = page.getLast().pos();
        }
        assertEquals(posted.reversed(), seen, "every post once, newest first, across the cached head and beyond");
        List<Assoc> newer = graph.assocRange(author, Relation.POSTED, new Page(0, 0, posted.get(9), 5));
        assertEquals(posted.subList(10, 15).reversed(), newer.stream().map(Assoc::id2).toList(),
                "min_id gives the five immediately newer, newest first");
        List<Assoc> since = graph.assocRange(author, Relation.POSTED, new Page(0, posted.get(124), 0, 40));
        assertEquals(posted.subList(125, 130).reversed(), since.stream().map(Assoc::id2).toList());
        Instant from = ScalegramId.createdAt(posted.get(20));
        List<Assoc> window = graph.assocTimeRange(author, Relation.POSTED, Instant.now().plusSeconds(1), from, 200);
        Set<Long> inWindow = new HashSet<>(window.stream().map(Assoc::id2).toList());
        assertTrue(inWindow.containsAll(posted.subList(20, 130)));
        assertFalse(inWindow.contains(posted.get(0)) && ScalegramId.createdAt(posted.get(0)).isBefore(from));
    }

    @Test
    void countsAndRangeHeadsAreServedFromTheCache() {
        long a = newAccount(6, "popular");
        long b = newAccount(7, "fan");
        graph.write(7, tx -> tx.assocAdd(b, Relation.FOLLOWS, a));
        assertTrue(stack.relay().awaitIdle(10_000));
        assertEquals(1, graph.assocCount(b, Relation.FOLLOWS));
        graph.assocRange(b, Relation.FOLLOWS, Page.newest(20));
        graph.assocExists(b, Relation.FOLLOWS, a);
        double before = stack.cacheLoads();
        for (int i = 0; i < 50; i++) {
            assertEquals(1, graph.assocCount(b, Relation.FOLLOWS));
            assertEquals(a, graph.assocRange(b, Relation.FOLLOWS, Page.newest(20)).getFirst().id2());
            assertTrue(graph.assocExists(b, Relation.FOLLOWS, a));
        }
        assertEquals(before, stack.cacheLoads(), "no read went to the database");
    }

    @Test
    void countsOfSeveralRelationsComeInOneReadAndFollowEveryWrite() {
        long author = newAccount(1, "counted");
        long fan = newAccount(2, "counter-fan");
        long s1 = graph.write(1, tx -> tx.objAdd(ObjectType.STATUS, Map.of("text", "one")));
        long s2 = graph.write(1, tx -> tx.objAdd(ObjectType.STATUS, Map.of("text", "two")));
        graph.write(1, tx -> tx.assocAdd(s1, Relation.LIKED_BY, fan));
        graph.write(1, tx -> tx.assocAdd(s1, Relation.LIKED_BY, author));
        graph.write(1, tx -> tx.assocAdd(s2, Relation.HAS_COMMENT, fan));
        graph.write(2, tx -> tx.assocAdd(fan, Relation.FOLLOWS, author));
        graph.write(1, tx -> tx.assocAdd(author, Relation.POSTED, s1));
        assertTrue(stack.relay().awaitIdle(10_000));
        Map<Relation, List<Long>> wanted = new java.util.LinkedHashMap<>();
        wanted.put(Relation.LIKED_BY, List.of(s1, s2));
        wanted.put(Relation.HAS_COMMENT, List.of(s1, s2));
        wanted.put(Relation.FOLLOWED_BY, List.of(author, fan));
        wanted.put(Relation.POSTED, List.of(author));

        Map<Relation, Map<Long, Long>> counts = graph.assocCounts(wanted);
        assertEquals(Map.of(s1, 2L, s2, 0L), counts.get(Relation.LIKED_BY));
        assertEquals(Map.of(s1, 0L, s2, 1L), counts.get(Relation.HAS_COMMENT));
        assertEquals(Map.of(author, 1L, fan, 0L), counts.get(Relation.FOLLOWED_BY));
        assertEquals(Map.of(author, 1L), counts.get(Relation.POSTED));
        assertEquals(counts.get(Relation.LIKED_BY), graph.assocCountMany(List.of(s1, s2), Relation.LIKED_BY),
                "the one-relation read agrees");

        double before = stack.cacheLoads();
        assertEquals(counts, graph.assocCounts(wanted));
        assertEquals(before, stack.cacheLoads(), "the second read came from the cache");

        graph.write(1, tx -> tx.assocDelete(s1, Relation.LIKED_BY, author));
        graph.write(1, tx -> tx.assocAdd(s2, Relation.LIKED_BY, author));
        counts = graph.assocCounts(wanted);
        assertEquals(Map.of(s1, 1L, s2, 1L), counts.get(Relation.LIKED_BY), "each write invalidated its count");
        assertEquals(Map.of(author, 1L, fan, 0L), counts.get(Relation.FOLLOWED_BY));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> graph.assocCounts(Map.of(Relation.PULLS, List.of(author))), "an uncounted relation is refused");
    }

    @Test
    void theInverseArrivesOnTheOtherShardThroughTheOutbox() {
        long a = newAccount(0, "star");
        long b = newAccount(1, "follower");
        graph.write(1, tx -> tx.assocAdd(b, Relation.FOLLOWS, a));
        assertTrue(stack.relay().awaitIdle(10_000));
        assertTrue(graph.assocExists(a, Relation.FOLLOWED_BY, b));
        assertEquals(1, graph.assocCount(a, Relation.FOLLOWED_BY));
        Assoc forward = graph.assocGet(b, Relation.FOLLOWS, a).orElseThrow();
        Assoc inverse = graph.assocGet(a, Relation.FOLLOWED_BY, b).orElseThrow();
        assertEquals(forward.pos(), inverse.pos(), "both ends share one position");
        graph.write(1, tx -> tx.assocDelete(b, Relation.FOLLOWS, a));
        assertTrue(stack.relay().awaitIdle(10_000));
        assertFalse(graph.assocExists(a, Relation.FOLLOWED_BY, b));
        assertEquals(0, graph.assocCount(a, Relation.FOLLOWED_BY));
    }

    @Test
    void uniqueNamesAreClaimedOnce() {
        int shard = graph.shardForName("username", "zed");
        long id = newAccount(shard, "zed");
        assertTrue((boolean) graph.write(shard, tx -> tx.nameClaim("username", "zed", id)));
        assertFalse((boolean) graph.write(shard, tx -> tx.nameClaim("username", "zed", id + 1)));
        assertEquals(id, graph.nameLookup("username", "zed").orElseThrow());
        graph.write(shard, tx -> tx.nameRelease("username", "zed"));
        assertTrue(graph.nameLookup("username", "zed").isEmpty());
    }
}
