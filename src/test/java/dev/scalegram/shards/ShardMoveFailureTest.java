package dev.scalegram.shards;

import static dev.scalegram.shards.ShardMoveTest.column;
import static dev.scalegram.shards.ShardMoveTest.connect;
import static dev.scalegram.shards.ShardMoveTest.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.testing.TestPostgres;
import dev.scalegram.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A move that fails before its switch changes nothing: the map stays, the source keeps serving, nothing is left over. */
class ShardMoveFailureTest {

    private static final int SHARD = 1;

    private static Shards tool(Topology t) {
        return new Shards(ShardMap.from(t), t.postgres().servers(), new SimpleMeterRegistry());
    }

    /** What a move leaves on the servers: slots and publications on the source, subscriptions and schema on the target. */
    private static void assertNothingLeft(Topology t, boolean targetReachable) throws Exception {
        try (Connection pg0 = connect(t, "pg0")) {
            assertEquals(List.of("0"), column(pg0,
                    "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"), "no slot left");
            assertEquals(List.of("0"), column(pg0, "SELECT count(*) FROM pg_publication"), "no publication left");
            assertEquals(List.of("shard_0001"), column(pg0,
                    "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'shard\\_0001%'"), "the source schema kept its name");
        }
        if (targetReachable) {
            try (Connection pg1 = connect(t, "pg1")) {
                assertEquals(List.of("0"), column(pg1, "SELECT count(*) FROM pg_subscription"), "no subscription left");
                assertEquals(List.of(), column(pg1,
                        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'shard\\_0001%'"), "no half-made copy left");
            }
        }
    }

    @Test
    void aMoveAbortedDuringTheFreezeReleasesTheWritersAndChangesNothing() throws Exception {
        Topology t = TestPostgres.topology(8, TestPostgres.server(), TestPostgres.secondServer())
                .withTasks(ShardMoveTest.FAST);
        try (TestStack app = new TestStack(t, null)) {
            app.startRelay();
            long hub = app.graph.write(SHARD, tx -> tx.objAdd(ObjectType.STATUS, Map.of()));
            long followed = app.graph.write(2, tx -> tx.objAdd(ObjectType.ACCOUNT, Map.of()));
            AtomicBoolean stop = new AtomicBoolean();
            ShardMoveTest.Writer writer = new ShardMoveTest.Writer(app.graph, SHARD, hub, followed, stop);
            Thread thread = Thread.ofVirtual().start(writer);
            Thread.sleep(300);

            int[] ackedWhileFrozen = new int[2];
            try (Shards tool = tool(t)) {
                var e = assertThrows(IllegalStateException.class, () -> new ShardMove(tool).hook(step -> {
                    if (step == ShardMove.Step.FROZEN) {
                        sleep(50); // a write that committed just before the lock may still be on its way to acked
                        ackedWhileFrozen[0] = writer.acked.size();
                        sleep(300);
                        ackedWhileFrozen[1] = writer.acked.size();
                        throw new IllegalStateException("injected failure during the freeze");
                    }
                }).run(SHARD, "pg1"));
                assertTrue(e.getMessage().contains("injected"), e.getMessage());
            }
            assertEquals(ackedWhileFrozen[0], ackedWhileFrozen[1], "the freeze did stop this shard's writes");
            assertEquals(1, app.shards.refreshMap().version(), "the map is unchanged");
            assertEquals("pg0", app.shards.map().serverOf(SHARD));

            int before = writer.acked.size();
            Thread.sleep(300);
            assertTrue(writer.acked.size() > before, "the source serves writes again once the freeze is rolled back");
            stop.set(true);
            thread.join(10_000);
            assertTrue(writer.failures.isEmpty(), "no write failed: " + writer.failures);
            assertEquals(writer.acked.size(), count(app, SHARD, "SELECT count(*) FROM {s}.objects WHERE id = ANY(?)",
                    List.copyOf(writer.acked)));
            assertNothingLeft(t, true);

            // And the shard can still be moved, with everything written meanwhile.
            try (Shards tool = tool(t)) {
                new ShardMove(tool).run(SHARD, "pg1");
            }
            assertTrue(app.relay().awaitIdle(30_000));
            assertEquals(writer.acked.size(), count(app, SHARD, "SELECT count(*) FROM {s}.objects WHERE id = ANY(?)",
                    List.copyOf(writer.acked)), "every acknowledged write is on the new server");
            assertEquals(writer.acked.size(), count(app, SHARD,
                    "SELECT n FROM {s}.counts WHERE id1 = ? AND type = ?", hub, (short) Relation.LIKED_BY.code()));
        }
    }

    @Test
    void aMoveWhoseTargetServerDiesMidCopyLeavesTheMapAndTheSourceAlone() throws Exception {
        var doomed = dev.scalegram.shards.EmbeddedPostgresServer.start(TestPostgres.dir("doomed-"));
        boolean[] stopped = new boolean[1];
        try {
            Topology t = TestPostgres.topology(8, TestPostgres.server(), doomed);
            try (TestStack app = new TestStack(t, null)) {
                // Enough rows that the copy is still running when the target goes away.
                app.shards.transaction(SHARD, (c, sql) -> {
                    try (var st = c.createStatement()) {
                        st.execute(sql.of("INSERT INTO {s}.objects (type, data) "
                                + "SELECT 1, jsonb_build_object('n', n, 'pad', repeat('x', 200)) FROM generate_series(1, 50000) n"));
                    }
                    return null;
                });
                long rows = count(app, SHARD, "SELECT count(*) FROM {s}.objects");
                try (Shards tool = tool(t)) {
                    var e = assertThrows(RuntimeException.class, () -> new ShardMove(tool).hook(step -> {
                        if (step == ShardMove.Step.COPYING) {
                            doomed.close();
                            stopped[0] = true;
                        }
                    }).run(SHARD, "pg1"));
                    System.out.println("move with a dying target failed as it should: " + e);
                }
                assertEquals(1, app.shards.refreshMap().version(), "the map is unchanged");
                assertEquals("pg0", app.shards.map().serverOf(SHARD));
                long id = app.graph.write(SHARD, tx -> tx.objAdd(ObjectType.ACCOUNT, Map.of("after", true)));
                assertTrue(app.graph.objGet(id).isPresent(), "the source keeps serving reads and writes");
                assertEquals(rows + 1, count(app, SHARD, "SELECT count(*) FROM {s}.objects"));
                assertNothingLeft(t, false);
            }
        } finally {
            if (!stopped[0]) {
                doomed.close();
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
