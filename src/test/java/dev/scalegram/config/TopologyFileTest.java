package dev.scalegram.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.shards.ShardMap;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The topology file: the documented sample loads, and every mistake is reported with its line and field. */
class TopologyFileTest {

    @Test
    void theDocumentedSampleLoads() {
        Topology t = TopologyFile.load(Path.of("docs/topology.sample.yaml"));
        assertEquals(4096, t.logicalShards());
        assertEquals(2, t.postgres().servers().size());
        ShardMap map = ShardMap.from(t);
        assertEquals("pg-a", map.serverOf(2047));
        assertEquals("pg-b", map.serverOf(2048));
    }

    @Test
    void mediaSettingsAreTypedAndChecked() {
        Topology t = TopologyFile.parse("t.yaml", """
                media:
                  max_pixels: 1000000
                  processor: java
                  cdn_base_url: https://cdn.example.com/
                """);
        assertEquals(new Topology.MediaConfig(1_000_000, 4_000_000, "java", "https://cdn.example.com"), t.media());
        assertEquals(Topology.MediaConfig.defaults(), TopologyFile.parse("t.yaml", "").media());
        assertThrows(TopologyException.class, () -> TopologyFile.parse("t.yaml", "media:\n  processor: gpu\n"));
        assertThrows(TopologyException.class, () -> TopologyFile.parse("t.yaml", "media:\n  cdn_base_url: cdn\n"));
        assertThrows(TopologyException.class, () -> TopologyFile.parse("t.yaml", "media:\n  max_pixels: 0\n"));
    }

    @Test
    void admissionSettingsAreTypedAndChecked() {
        Topology t = TopologyFile.parse("t.yaml", """
                admission:
                  max_in_flight: 200
                  congested_timeout_ms: 10
                """);
        assertEquals(new Topology.AdmissionConfig(200, 100, 10), t.admission());
        assertEquals(Topology.AdmissionConfig.defaults(), TopologyFile.parse("t.yaml", "").admission());
        assertThrows(TopologyException.class, () -> TopologyFile.parse("t.yaml", "admission:\n  max_in_flight: -1\n"));
        assertThrows(TopologyException.class, () -> TopologyFile.parse("t.yaml", "admission:\n  queue_ms: 5\n"));
    }

    @Test
    void anEmptyFileIsTheEmbeddedDefault() {
        assertEquals(Topology.embedded(), TopologyFile.parse("t.yaml", ""));
        assertEquals(Topology.embedded(), TopologyFile.parse("t.yaml", "# nothing but a comment\n"));
    }

    @Test
    void regionsCarryTheirEngines() {
        Topology t = TopologyFile.parse("t.yaml", """
                region: us
                regions:
                  us:
                    app_ports: [8081, 8082]
                    memcached:
                      servers: [127.0.0.1:11311, 127.0.0.1:11312]
                      gutter: [127.0.0.1:11313]
                    rabbitmq: amqp://guest:guest@127.0.0.1:5672/%2F
                    cassandra:
                      contact_points: [127.0.0.1:9042]
                      write_consistency: two
                      read_consistency: one
                """);
        Topology.RegionConfig us = t.localRegion().orElseThrow();
        assertEquals(java.util.List.of(8081, 8082), us.appPorts());
        assertEquals(11312, us.memcached().servers().get(1).port());
        assertEquals("127.0.0.1:11313", us.memcached().gutter().getFirst().toString());
        assertEquals("us", us.cassandra().localDc(), "the local DC defaults to the region's name");
        assertEquals("TWO", us.cassandra().writeConsistency());
    }

    private static String error(String yaml) {
        return assertThrows(TopologyException.class, () -> TopologyFile.parse("t.yaml", yaml)).getMessage();
    }

    @Test
    void mistakesNameTheLineAndTheField() {
        assertEquals("t.yaml:3: cache.ttl_secs: unknown setting (expected one of lease_ttl_millis, leases, "
                        + "max_entries, max_wait_millis, stale_ttl_seconds, ttl_seconds)",
                error("logical_shards: 8\ncache:\n  ttl_secs: 5\n"));
        assertEquals("t.yaml:1: logical_shards: expected a whole number, got 'many'", error("logical_shards: many\n"));
        assertEquals("t.yaml:1: logical_shards: must be between 1 and 8192, got 9000", error("logical_shards: 9000\n"));
        String missingUrl = error("""
                postgres:
                  servers:
                    - name: a
                      url: jdbc:postgresql://h/db
                    - name: b
                """);
        assertEquals("t.yaml:5: postgres.servers[1].url: is required", missingUrl);
        String badRef = error("""
                logical_shards: 4
                postgres:
                  servers:
                    - name: a
                      url: jdbc:postgresql://h/db
                  shard_map:
                    - shards: 0-3
                      server: b
                """);
        assertEquals("t.yaml:8: postgres.shard_map[0].server: no server named 'b' in postgres.servers", badRef);
        assertTrue(error("regions:\n  us:\n    memcached:\n      servers: [localhost]\n")
                .startsWith("t.yaml:4: regions.us.memcached.servers[0]: expected host:port"));
        assertTrue(error("region: eu\nregions:\n  us:\n    app_ports: [1]\n").contains("region 'eu' is not one of"));
        assertTrue(error("cache: [1, 2\n").startsWith("t.yaml:"), "YAML syntax errors carry a line too");
    }
}
