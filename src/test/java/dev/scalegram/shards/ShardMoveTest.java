package dev.scalegram.shards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.server.ShardsCommand;
import dev.scalegram.testing.TestPostgres;
import dev.scalegram.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Moving a logical shard between two real PostgreSQL 18 servers while it and its neighbours are being written. */
class ShardMoveTest {

    static final Topology.TasksConfig FAST = new Topology.TasksConfig(8, 200, 5_000, 20, 32, 0);
    private static final int MOVING = 1;
    /** Shards 0-3 start on pg0 and 4-7 on pg1; writers hit the moving shard and neighbours on both servers. */
    private static final int[] WRITER_SHARDS = {0, MOVING, 2, 5, 6};
    private static final int WRITERS_PER_SHARD = 2;

    /**
     * Writes in a loop on one shard; each unit is one transaction: a new object, an edge to it from the writer's hub
     * (counted, inverse by task on the same shard) and an edge from it to an account on the next shard (counted,
     * inverse by task on that shard). Remembers every id it was acknowledged and every failure.
     */
    static final class Writer implements Runnable {
        final int shard;
        final long hub;
        final long followed;
        final Graph graph;
        final AtomicBoolean stop;
        final List<Long> acked = Collections.synchronizedList(new ArrayList<>());
        final List<Long> ackedAt = Collections.synchronizedList(new ArrayList<>());
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());

        Writer(Graph graph, int shard, long hub, long followed, AtomicBoolean stop) {
            this.graph = graph;
            this.shard = shard;
            this.hub = hub;
            this.followed = followed;
            this.stop = stop;
        }

        @Override
        public void run() {
            for (int i = 0; !stop.get(); i++) {
                int n = i;
                try {
                    long id = graph.write(shard, tx -> {
                        long o = tx.objAdd(ObjectType.ACCOUNT, Map.of("writer", hub, "i", n));
                        tx.assocAdd(hub, Relation.LIKED_BY, o);
                        tx.assocAdd(o, Relation.FOLLOWS, followed);
                        return o;
                    });
                    acked.add(id);
                    ackedAt.add(System.nanoTime());
                } catch (RuntimeException e) {
                    failures.add(e);
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        long ackedBetween(long from, long to) {
            synchronized (ackedAt) {
                return ackedAt.stream().filter(t -> t - from >= 0 && to - t >= 0).count();
            }
        }
    }

    static long count(TestStack s, int shard, String sqlTemplate, Object... params) {
        return s.shards.read(shard, (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(sql.of(sqlTemplate))) {
                bind(c, ps, params);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    static void bind(Connection c, PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            if (params[i] instanceof List<?> l) {
                ps.setArray(i + 1, c.createArrayOf("bigint", l.toArray()));
            } else {
                ps.setObject(i + 1, params[i]);
            }
        }
    }

    static Connection connect(Topology t, String server) throws SQLException {
        Topology.PgServer s = t.postgres().servers().stream().filter(x -> x.name().equals(server)).findFirst()
                .orElseThrow();
        return DriverManager.getConnection(s.url(), s.user(), s.password());
    }

    static List<String> column(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (var st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void aShardMovesUnderWriteLoadWithNothingLostOrDuplicated() throws Exception {
        Topology t = TestPostgres.topology(8, TestPostgres.server(), TestPostgres.secondServer()).withTasks(FAST);
        try (TestStack app = new TestStack(t, null)) {
            assertEquals("pg0", app.shards.map().serverOf(MOVING));
            app.startRelay();
            long[] accounts = new long[8];
            for (int s = 0; s < 8; s++) {
                int shard = s;
                accounts[s] = app.graph.write(s, tx -> tx.objAdd(ObjectType.ACCOUNT, Map.of("name", "a" + shard)));
            }
            AtomicBoolean stop = new AtomicBoolean();
            List<Writer> writers = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int shard : WRITER_SHARDS) {
                for (int w = 0; w < WRITERS_PER_SHARD; w++) {
                    long hub = app.graph.write(shard, tx -> tx.objAdd(ObjectType.STATUS, Map.of()));
                    Writer writer = new Writer(app.graph, shard, hub, accounts[(shard + 1) % 8], stop);
                    writers.add(writer);
                    threads.add(Thread.ofVirtual().name("writer-" + shard + "-" + w).start(writer));
                }
            }
            Thread.sleep(1000);

            // The move runs as the CLI would: a process of its own, with its own router.
            List<String> progress = Collections.synchronizedList(new ArrayList<>());
            long moveStart = System.nanoTime();
            ShardMove.Result result;
            try (Shards tool = new Shards(ShardMap.from(t), t.postgres().servers(), new SimpleMeterRegistry())) {
                result = new ShardMove(tool).progress(line -> {
                    progress.add(line);
                    System.out.println("shard move: " + line);
                }).run(MOVING, "pg1");
            }
            long moveEnd = System.nanoTime();
            Thread.sleep(1000); // writes keep landing on the new server
            stop.set(true);
            for (Thread th : threads) {
                th.join(30_000);
            }
            System.out.printf("shard move under load: writes frozen for %d ms; %d writes acknowledged; "
                            + "%.0f units of work re-routed to the new server%n", result.freezeMillis(),
                    writers.stream().mapToInt(w -> w.acked.size()).sum(),
                    app.registry.find("scalegram.shards.rerouted").counter().count());

            // Nothing failed, on the moving shard or elsewhere, and every shard kept taking writes during the move.
            for (Writer w : writers) {
                assertTrue(w.failures.isEmpty(), "writer on shard " + w.shard + " saw " + w.failures.size()
                        + " failures, first: " + (w.failures.isEmpty() ? "" : w.failures.getFirst()));
                assertTrue(w.acked.size() > 10, "writer on shard " + w.shard + " made progress");
                if (w.shard != MOVING) {
                    assertTrue(w.ackedBetween(moveStart, moveEnd) > 0, "shard " + w.shard + " took writes during the move");
                }
            }

            // The map switched, everywhere.
            assertEquals(new ShardMove.Result(MOVING, "pg0", "pg1", 2, result.freezeMillis(), result.oldSchema(),
                    false, result.rows()), result);
            assertEquals("pg1", app.shards.map().serverOf(MOVING), "the app's router follows the move");
            assertEquals(2, app.shards.map().version());
            assertTrue(result.rows().get("objects") > 0, result.rows().toString());
            for (String step : List.of("copying", "catching up", "frozen for", "switched to map version 2", "verified")) {
                assertTrue(progress.stream().anyMatch(l -> l.startsWith(step)), "progress says '" + step + "': " + progress);
            }

            assertTrue(app.relay().awaitIdle(60_000), "every outbox task was delivered");

            for (Writer w : writers) {
                List<Long> acked = List.copyOf(w.acked);
                assertEquals(acked.size(), new HashSet<>(acked).size(), "no id acknowledged twice");
                assertEquals(acked.size(), count(app, w.shard, "SELECT count(*) FROM {s}.objects WHERE id = ANY(?)", acked),
                        "every acknowledged object exists on shard " + w.shard);
                assertEquals(acked.size(), count(app, w.shard,
                                "SELECT count(*) FROM {s}.objects WHERE (data->>'writer')::bigint = ?", w.hub),
                        "and nothing was committed twice (a retried unit of work ran once)");
                assertEquals(acked.size(), count(app, w.shard,
                                "SELECT count(*) FROM {s}.assocs WHERE id1 = ? AND type = ? AND id2 = ANY(?)", w.hub,
                                (short) Relation.LIKED_BY.code(), acked), "every acknowledged edge exists");
                assertEquals(acked.size(), count(app, w.shard,
                                "SELECT coalesce(max(n), 0) FROM {s}.counts WHERE id1 = ? AND type = ?", w.hub,
                                (short) Relation.LIKED_BY.code()), "the hub's count is its number of edges");
                assertEquals(acked.size(), count(app, w.shard,
                                "SELECT count(*) FROM {s}.assocs WHERE type = ? AND id2 = ? AND id1 = ANY(?)",
                                (short) Relation.LIKES.code(), w.hub, acked), "every inverse LIKES was written");
                assertEquals(acked.size(), count(app, ScalegramId.shard(w.followed),
                                "SELECT count(*) FROM {s}.assocs WHERE id1 = ? AND type = ? AND id2 = ANY(?)", w.followed,
                                (short) Relation.FOLLOWED_BY.code(), acked), "every inverse FOLLOWED_BY was written");
            }
            for (int shard = 0; shard < 8; shard++) {
                assertEquals(0, count(app, shard, """
                        SELECT count(*) FROM {s}.counts c
                        WHERE c.n <> (SELECT count(*) FROM {s}.assocs a WHERE a.id1 = c.id1 AND a.type = c.type)"""),
                        "every count on shard " + shard + " equals its number of edges");
                assertEquals(0, count(app, shard, "SELECT count(*) FROM {s}.outbox"), "outbox of " + shard + " empty");
                assertEquals(0, count(app, shard, "SELECT count(*) FROM {s}.dead_tasks"), "nothing dead-lettered");
            }

            // Physically: the shard is on pg1, its old copy renamed on pg0 and nothing in it missing from pg1.
            List<Long> movedAcked = writers.stream().filter(w -> w.shard == MOVING).flatMap(w -> w.acked.stream()).toList();
            try (Connection pg0 = connect(t, "pg0"); Connection pg1 = connect(t, "pg1")) {
                String schema = ShardMap.schema(MOVING);
                assertEquals(List.of(result.oldSchema()), column(pg0,
                        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'shard\\_0001%'"), "only the renamed copy is left");
                assertTrue(result.oldSchema().startsWith("shard_0001_moved_"), result.oldSchema());
                try (PreparedStatement ps = pg1.prepareStatement("SELECT count(*) FROM " + schema + ".objects WHERE id = ANY(?)")) {
                    bind(pg1, ps, movedAcked);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertEquals(movedAcked.size(), rs.getLong(1), "every acknowledged write is on the new server");
                    }
                }
                for (String table : List.of("objects", "assocs", "counts", "names", "activity", "feed_items")) {
                    Set<String> before = new HashSet<>(column(pg0, "SELECT t::text FROM " + result.oldSchema() + "." + table + " t"));
                    Set<String> after = new HashSet<>(column(pg1, "SELECT t::text FROM " + schema + "." + table + " t"));
                    if (table.equals("counts")) {
                        // Counts kept changing on the new server; their keys must all be there.
                        before = new HashSet<>(column(pg0, "SELECT (id1, type)::text FROM " + result.oldSchema() + ".counts"));
                        after = new HashSet<>(column(pg1, "SELECT (id1, type)::text FROM " + schema + ".counts"));
                    }
                    before.removeAll(after);
                    assertTrue(before.isEmpty(), table + " rows on the old copy missing from the new: " + before);
                }
                List<String> history = column(pg1, "SELECT t::text FROM " + schema + ".flyway_schema_history t ORDER BY installed_rank");
                assertTrue(history.stream().anyMatch(h -> h.contains(",1,")), history.toString());
                assertEquals(column(pg0, "SELECT t::text FROM " + result.oldSchema() + ".flyway_schema_history t ORDER BY installed_rank"),
                        history, "the shard's own migration history moved with it");
                assertEquals(List.of("0"), column(pg0, "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'scalegram\\_move%'"),
                        "no replication slot is left to hold WAL");
                assertEquals(List.of("0"), column(pg1, "SELECT count(*) FROM pg_subscription"), "no subscription is left");
                assertEquals(List.of("0"), column(pg0, "SELECT count(*) FROM pg_publication"), "no publication is left");
            }
            assertEquals(0, ShardMigrations.migrateAll(app.shards), "start-up migrations see the moved shard as current");

            // New ids on the moved shard still name it and do not collide with copied ones.
            long fresh = app.graph.write(MOVING, tx -> tx.objAdd(ObjectType.STATUS, Map.of()));
            assertEquals(MOVING, ScalegramId.shard(fresh));
            assertFalse(movedAcked.contains(fresh));
            assertTrue(fresh > Collections.max(movedAcked), "ids stay time-ordered across the move");
        }
    }

    @Test
    void theFreezeWaitsForATargetThatLagsBehind() throws Exception {
        Topology t = TestPostgres.topology(8, TestPostgres.server(), TestPostgres.secondServer()).withTasks(FAST);
        try (TestStack app = new TestStack(t, null)) {
            long hub = app.graph.write(MOVING, tx -> tx.objAdd(ObjectType.STATUS, Map.of()));
            long followed = app.graph.write(MOVING, tx -> tx.objAdd(ObjectType.ACCOUNT, Map.of()));
            AtomicBoolean stop = new AtomicBoolean();
            Writer writer = new Writer(app.graph, MOVING, hub, followed, stop);
            Thread thread = Thread.ofVirtual().start(writer);
            Thread.sleep(300);
            ShardMove.Result result;
            try (Shards tool = new Shards(ShardMap.from(t), t.postgres().servers(), new SimpleMeterRegistry());
                 Connection pg1 = connect(t, "pg1")) {
                result = new ShardMove(tool).hook(step -> {
                    if (step == ShardMove.Step.CAUGHT_UP) {
                        // The target's apply worker stalls on this lock while the source keeps committing, so the
                        // last writes before the freeze are not on the target yet when the freeze begins.
                        try {
                            pg1.setAutoCommit(false);
                            try (var st = pg1.createStatement()) {
                                st.execute("LOCK TABLE shard_0001.objects IN ACCESS EXCLUSIVE MODE");
                            }
                            Thread.ofVirtual().start(() -> {
                                try {
                                    Thread.sleep(500);
                                    pg1.commit();
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            });
                            int before = writer.acked.size();
                            Thread.sleep(150); // the writer commits on the source meanwhile; none of it is applied
                            assertTrue(writer.acked.size() > before, "writes are pending on the target");
                        } catch (SQLException | InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }).run(MOVING, "pg1");
            }
            Thread.sleep(200);
            stop.set(true);
            thread.join(10_000);
            System.out.println("move with a lagging target: writes frozen for " + result.freezeMillis() + " ms");
            assertTrue(writer.failures.isEmpty(), "no write failed: " + writer.failures);
            List<Long> acked = List.copyOf(writer.acked);
            assertEquals(acked.size(), count(app, MOVING, "SELECT count(*) FROM {s}.objects WHERE id = ANY(?)", acked),
                    "every acknowledged write reached the new server");
            assertEquals(acked.size(), count(app, MOVING,
                    "SELECT count(*) FROM {s}.objects WHERE (data->>'writer')::bigint = ?", hub), "none twice");
            assertEquals(acked.size(), count(app, MOVING,
                    "SELECT n FROM {s}.counts WHERE id1 = ? AND type = ?", hub, (short) Relation.LIKED_BY.code()));
        }
    }

    @Test
    void aShardMovesBetweenTwoDatabasesOfOneCluster() throws Exception {
        Topology t = TestPostgres.topology(4, TestPostgres.server(), TestPostgres.server());
        try (TestStack app = new TestStack(t, null)) {
            long a = app.graph.write(0, tx -> tx.objAdd(ObjectType.ACCOUNT, Map.of()));
            long b = app.graph.write(3, tx -> tx.objAdd(ObjectType.ACCOUNT, Map.of()));
            app.graph.write(0, tx -> tx.assocAdd(a, Relation.FOLLOWS, b));
            ShardMove.Result r = new ShardMove(app.shards).dropSource(true).run(0, "pg1");
            assertEquals(2, r.mapVersion());
            assertEquals("pg1", app.shards.map().serverOf(0));
            assertEquals(1, count(app, 0, "SELECT count(*) FROM {s}.assocs WHERE id1 = ?", a));
            assertEquals(1L, r.rows().get("assocs"));
            app.startRelay();
            assertTrue(app.relay().awaitIdle(30_000));
            assertTrue(app.graph.assocExists(b, Relation.FOLLOWED_BY, a), "the moved shard's outbox task was delivered");
        }
    }

    @Test
    void theCommandLineListsAndMovesAShard(@TempDir Path dir) throws Exception {
        Topology t = TestPostgres.topology(4, TestPostgres.server(), TestPostgres.secondServer());
        Path yaml = dir.resolve("topology.yaml");
        StringBuilder y = new StringBuilder("logical_shards: 4\npostgres:\n  servers:\n");
        for (Topology.PgServer s : t.postgres().servers()) {
            y.append("    - name: ").append(s.name()).append("\n      url: ").append(s.url())
                    .append("\n      pool_size: 4\n");
        }
        Files.writeString(yaml, y.toString());
        try (TestStack app = new TestStack(t, null)) {
            long id = app.graph.write(1, tx -> tx.objAdd(ObjectType.ACCOUNT, Map.of("name", "cli")));

            StringWriter out = new StringWriter();
            assertEquals(0, ShardsCommand.execute(new PrintWriter(out), new PrintWriter(System.err), "list",
                    "--config", yaml.toString()));
            assertTrue(out.toString().contains("shard map version 1: 4 logical shards on 2 servers"), out.toString());
            assertTrue(out.toString().matches("(?s).*pg0\\s+2\\s+0-1.*pg1\\s+2\\s+2-3.*"), out.toString());

            out = new StringWriter();
            assertEquals(0, ShardsCommand.execute(new PrintWriter(out), new PrintWriter(System.err), "move", "1",
                    "--to", "pg1", "--config", yaml.toString(), "--drop-source"));
            System.out.print(out);
            for (String step : List.of("copying", "catching up", "frozen for", "switched to map version 2",
                    "verified", "dropped shard_0001_moved_")) {
                assertTrue(out.toString().contains(step), "says '" + step + "': " + out);
            }

            out = new StringWriter();
            ShardsCommand.execute(new PrintWriter(out), new PrintWriter(System.err), "list", "--config", yaml.toString());
            assertTrue(out.toString().matches("(?s).*pg0\\s+1\\s+0\\n.*pg1\\s+3\\s+1-3.*"), out.toString());

            assertEquals("cli", app.graph.objGet(id).orElseThrow().as(Map.class).get("name"),
                    "the running app reads the moved row from its new server");
            assertEquals("pg1", app.shards.map().serverOf(1));
            try (Connection pg0 = connect(t, "pg0")) {
                assertEquals(List.of(), column(pg0, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'shard\\_0001%'"),
                        "--drop-source dropped the old copy");
            }

            StringWriter err = new StringWriter();
            assertEquals(1, ShardsCommand.execute(new PrintWriter(out), new PrintWriter(err), "move", "1", "--to",
                    "pg1", "--config", yaml.toString()));
            assertTrue(err.toString().contains("already on pg1"), err.toString());
        }
    }
}
