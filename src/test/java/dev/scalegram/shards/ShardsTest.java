package dev.scalegram.shards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.testing.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ShardsTest {

    @Test
    void everyShardGeneratesIdsThatNameItAndAreTimeOrdered() {
        Topology t = TestPostgres.topology(64);
        try (Shards shards = new Shards(ShardMap.from(t), t.postgres().servers(), new SimpleMeterRegistry())) {
            assertEquals(64, ShardMigrations.migrateAll(shards));
            assertEquals(0, ShardMigrations.migrateAll(shards), "a second start migrates nothing");
            for (int shard : new int[] {0, 1, 17, 63}) {
                long before = System.currentTimeMillis();
                long[] ids = shards.read(shard, (c, sql) -> {
                    long[] out = new long[3];
                    try (var st = c.createStatement();
                         ResultSet rs = st.executeQuery(sql.of("SELECT {s}.next_id() FROM generate_series(1,3)"))) {
                        for (int i = 0; rs.next(); i++) {
                            out[i] = rs.getLong(1);
                        }
                    }
                    return out;
                });
                Set<Long> distinct = new HashSet<>();
                for (long id : ids) {
                    assertEquals(shard, ScalegramId.shard(id));
                    long created = ScalegramId.createdAt(id).toEpochMilli();
                    assertTrue(Math.abs(created - before) < 5_000, "id time is now: " + created + " vs " + before);
                    distinct.add(id);
                }
                assertEquals(3, distinct.size());
                assertTrue(ids[0] < ids[1] && ids[1] < ids[2], "ids increase");
            }
        }
    }

    @Test
    void migrationVersionConstantMatchesTheNewestFile() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/shard"))) {
            int newest = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__"))))
                    .max().orElseThrow();
            assertEquals(Integer.toString(newest), ShardMigrations.LATEST_VERSION);
        }
    }

    @Test
    void shardMapSpreadsShardsEvenlyAndRejectsGaps() {
        Topology.PgServer a = new Topology.PgServer("a", "r", "u", "p", "", 4, false);
        Topology.PgServer b = new Topology.PgServer("b", "r", "u", "p", "", 4, false);
        Topology t = Topology.embedded().withLogicalShards(4096)
                .withPostgres(new Topology.PostgresConfig(java.util.List.of(a, b), java.util.List.of()));
        ShardMap map = ShardMap.from(t);
        assertEquals("a", map.serverOf(0));
        assertEquals("a", map.serverOf(2047));
        assertEquals("b", map.serverOf(2048));
        assertEquals(2048, map.shardsByServer().get("b").size());
        Topology gap = t.withPostgres(new Topology.PostgresConfig(java.util.List.of(a, b),
                java.util.List.of(new Topology.ShardRange(0, 100, "a"), new Topology.ShardRange(102, 4095, "b"))));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ShardMap.from(gap));
        assertTrue(e.getMessage().contains("101"), e.getMessage());
    }
}
