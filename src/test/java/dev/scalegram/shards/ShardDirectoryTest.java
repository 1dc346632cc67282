package dev.scalegram.shards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.testing.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The live shard map: seeded once from the topology, kept in PostgreSQL, and followed by every process. */
class ShardDirectoryTest {

    private static Shards open(Topology t) {
        return new Shards(ShardMap.from(t), t.postgres().servers(), new SimpleMeterRegistry());
    }

    private static List<String> directoryRows(Topology t) throws Exception {
        Topology.PgServer first = t.postgres().servers().getFirst();
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(first.url(), first.user(), first.password());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT shard, server, version FROM scalegram_directory.shard_map ORDER BY shard")) {
            while (rs.next()) {
                rows.add(rs.getInt(1) + ":" + rs.getString(2) + ":" + rs.getLong(3));
            }
        }
        return rows;
    }

    @Test
    void theMapIsSeededFromTheTopologyOnceAndAChangeReachesAnotherProcessByNotify() throws Exception {
        Topology t = TestPostgres.topology(8, TestPostgres.server(), TestPostgres.secondServer());
        try (Shards a = open(t)) {
            assertEquals(1, a.map().version(), "a freshly seeded directory is version 1");
            assertEquals(List.of("0:pg0:1", "1:pg0:1", "2:pg0:1", "3:pg0:1", "4:pg1:1", "5:pg1:1", "6:pg1:1",
                    "7:pg1:1"), directoryRows(t), "seeded from the topology's even spread");

            // A second process whose topology places everything on pg0: the directory, not its file, decides.
            Topology allOnPg0 = t.withPostgres(new Topology.PostgresConfig(t.postgres().servers(),
                    List.of(new Topology.ShardRange(0, 7, "pg0"))));
            try (Shards b = open(allOnPg0)) {
                assertEquals("pg1", b.map().serverOf(7), "the directory was not re-seeded");
                assertEquals(1, b.map().version());

                long v = a.directory().switchShard(3, "pg0", "pg1");
                assertEquals(2, v);
                long deadline = System.currentTimeMillis() + 10_000;
                while (b.map().version() < 2 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(2, b.map().version(), "the other process heard of the switch without asking");
                assertEquals("pg1", b.map().serverOf(3));
                assertEquals("pg0", b.map().serverOf(2), "other shards stay where they were");
                assertEquals(List.of(3), b.map().shardsByServer().get("pg1").subList(0, 1));
                assertTrue(directoryRows(t).contains("3:pg1:2"), directoryRows(t).toString());

                var stale = assertThrows(IllegalStateException.class, () -> a.directory().switchShard(3, "pg0", "pg1"));
                assertTrue(stale.getMessage().contains("changed under this move"), stale.getMessage());
                assertEquals(2, a.refreshMap().version(), "a refused switch bumps nothing");
            }
        }
    }

    @Test
    void aTopologyWithAnotherNumberOfLogicalShardsIsRefused() {
        Topology t = TestPostgres.topology(8, TestPostgres.server());
        try (Shards ignored = open(t)) {
            var e = assertThrows(IllegalStateException.class, () -> open(t.withLogicalShards(16)).close());
            assertTrue(e.getMessage().contains("holds 8 logical shards"), e.getMessage());
        }
    }
}
