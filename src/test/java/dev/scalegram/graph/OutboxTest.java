package dev.scalegram.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.tasks.InProcessTransport;
import java.sql.ResultSet;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The outbox's promises: nothing committed is lost, failures are retried, and what failed for good is repaired. */
class OutboxTest {

    private static final Topology.TasksConfig FAST = new Topology.TasksConfig(3, 200, 2_000, 20, 16, 0);

    private static long account(TestStackHolder h, int shard) {
        return h.graph().write(shard, tx -> tx.objAdd(ObjectType.ACCOUNT, Map.of()));
    }

    private record TestStackHolder(dev.scalegram.testing.TestStack stack) {
        Graph graph() {
            return stack.graph;
        }
    }

    private static long rows(dev.scalegram.testing.TestStack s, int shard, String table) {
        return s.shards.read(shard, (c, sql) -> {
            try (var st = c.createStatement(); ResultSet rs = st.executeQuery(sql.of("SELECT count(*) FROM {s}." + table))) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aTaskCommittedWhileNoRelayRunsIsDeliveredByTheNextRelay() throws Exception {
        try (var s = new dev.scalegram.testing.TestStack(4, FAST)) {
            var h = new TestStackHolder(s);
            long a = account(h, 0);
            long b = account(h, 1);
            // No relay is running: the process "crashed" after the commit and before any dispatch.
            s.graph.write(1, tx -> tx.assocAdd(b, Relation.FOLLOWS, a));
            assertEquals(1, rows(s, 1, "outbox"), "the task was committed with the write");
            assertFalse(s.graph.assocExists(a, Relation.FOLLOWED_BY, b));

            s.startRelay();
            assertTrue(s.relay().awaitIdle(10_000));
            assertTrue(s.graph.assocExists(a, Relation.FOLLOWED_BY, b), "the restarted relay delivered it");
            assertEquals(0, rows(s, 1, "outbox"));
        }
    }

    @Test
    void aRolledBackWriteLeavesNoTask() {
        try (var s = new dev.scalegram.testing.TestStack(4, FAST)) {
            var h = new TestStackHolder(s);
            long a = account(h, 0);
            long b = account(h, 1);
            try {
                s.graph.write(1, tx -> {
                    tx.assocAdd(b, Relation.FOLLOWS, a);
                    throw new IllegalStateException("the use case failed after writing");
                });
            } catch (IllegalStateException expected) {
                // rolled back
            }
            assertEquals(0, rows(s, 1, "outbox"));
            assertFalse(s.graph.assocExists(b, Relation.FOLLOWS, a));
        }
    }

    @Test
    void aFailingInverseWriteIsRetriedUntilItSucceeds() throws Exception {
        try (var s = new dev.scalegram.testing.TestStack(4, FAST)) {
            var h = new TestStackHolder(s);
            AtomicInteger attempts = new AtomicInteger();
            s.transport.faults(task -> {
                if (attempts.incrementAndGet() <= 2) {
                    throw new IllegalStateException("injected failure " + attempts.get());
                }
            });
            s.startRelay();
            long a = account(h, 2);
            long b = account(h, 3);
            s.graph.write(3, tx -> tx.assocAdd(b, Relation.FOLLOWS, a));
            eventually(() -> s.graph.assocExists(a, Relation.FOLLOWED_BY, b), "the inverse after retries");
            assertEquals(3, attempts.get(), "two failures, then the success");
            assertEquals(1, s.graph.assocCount(a, Relation.FOLLOWED_BY));
            eventually(() -> rows(s, 3, "outbox") == 0, "the outbox row removed after success");
            assertEquals(0, rows(s, 3, "dead_tasks"));
        }
    }

    @Test
    void anInverseThatFailedForGoodIsDeadLetteredAndThenRepaired() throws Exception {
        try (var s = new dev.scalegram.testing.TestStack(4, FAST)) {
            var h = new TestStackHolder(s);
            s.transport.faults(task -> {
                throw new IllegalStateException("the other shard is unreachable");
            });
            s.startRelay();
            long a = account(h, 0);
            long b = account(h, 2);
            s.graph.write(2, tx -> tx.assocAdd(b, Relation.FOLLOWS, a));
            eventually(() -> rows(s, 2, "dead_tasks") == 1, "the task dead-lettered after max attempts");
            assertEquals(0, rows(s, 2, "outbox"));
            assertFalse(s.graph.assocExists(a, Relation.FOLLOWED_BY, b), "the inverse is hanging");

            s.transport.faults(InProcessTransport.FaultInjector.NONE);
            InverseRepair.Report report = new InverseRepair(s.graph).repairAll();
            assertEquals(1, report.inversesAdded());
            assertTrue(s.graph.assocExists(a, Relation.FOLLOWED_BY, b));
            assertEquals(1, s.graph.assocCount(a, Relation.FOLLOWED_BY));
            assertEquals(0, new InverseRepair(s.graph).repairAll().inversesAdded(), "a second pass finds nothing");
        }
    }

    @Test
    void anOrphanedInverseIsRemovedByTheRepair() {
        try (var s = new dev.scalegram.testing.TestStack(4, FAST)) {
            var h = new TestStackHolder(s);
            long a = account(h, 1);
            long b = account(h, 3);
            // The inverse end alone, as if an unfollow's inverse removal had been lost.
            s.graph.write(ScalegramId.shard(a), tx -> tx.insertEdge(a, Relation.FOLLOWED_BY, b, tx.nextId(), null));
            assertEquals(1, s.graph.assocCount(a, Relation.FOLLOWED_BY));
            InverseRepair.Report report = new InverseRepair(s.graph).repairAll();
            assertEquals(1, report.orphansRemoved());
            assertFalse(s.graph.assocExists(a, Relation.FOLLOWED_BY, b));
            assertEquals(0, s.graph.assocCount(a, Relation.FOLLOWED_BY));
        }
    }
}
