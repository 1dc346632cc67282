package dev.scalegram.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.scalegram.config.Topology;
import dev.scalegram.config.TopologyFile;
import dev.scalegram.server.cluster.Cluster;
import dev.scalegram.shards.ShardMap;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The topology `cluster up` runs by default: it loads, says what the README promises, and the doc copy matches. */
class DefaultClusterTopologyTest {

    @Test
    void theDefaultTopologyLoadsAndMatchesItsDocumentedCopy() throws IOException {
        String text;
        try (InputStream in = Cluster.class.getResourceAsStream(Cluster.DEFAULT_TOPOLOGY)) {
            assertNotNull(in, Cluster.DEFAULT_TOPOLOGY + " is on the class path");
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Topology t = TopologyFile.parse("default-topology.yaml", text);
        assertEquals(64, t.logicalShards());
        assertEquals(List.of("pg1", "pg2"), t.postgres().servers().stream().map(Topology.PgServer::name).toList());
        ShardMap map = ShardMap.from(t);
        assertEquals("pg1", map.serverOf(31));
        assertEquals("pg2", map.serverOf(32));
        Topology.RegionConfig local = t.localRegion().orElseThrow();
        assertEquals(List.of(8081, 8082), local.appPorts());
        assertEquals(2, local.memcached().servers().size());
        assertEquals(1, local.memcached().gutter().size());
        assertEquals("amqp://guest:guest@127.0.0.1:5672/%2F", local.rabbitmqUri());
        assertEquals(List.of(new Topology.HostPort("127.0.0.1", 9042)), local.cassandra().contactPoints());

        assertEquals(t, TopologyFile.load(Path.of("docs/cluster.default.yaml")),
                "docs/cluster.default.yaml says the same as the built-in default");
    }
}
