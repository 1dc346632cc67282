package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.config.TopologyFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The server the bench runs as a process of its own: its topology file, its memory, and that it stops entirely. */
class ChildServerTest {

    @Test
    void theTopologyFileReadsBackAsTheSameTopology() {
        Topology embedded = BenchServer.forBench(Topology.embedded());
        assertEquals(embedded, TopologyFile.parse("t", ChildServer.topologyYaml(embedded)));
        assertEquals(0, TopologyFile.parse("t", ChildServer.topologyYaml(embedded)).limits().requestsPer5Min());

        Topology cluster = BenchServer.forBench(TopologyFile.load(Path.of("docs/cluster.default.yaml")));
        assertEquals(cluster, TopologyFile.parse("t", ChildServer.topologyYaml(cluster)));

        // A shard map, and strings YAML would otherwise read as something else.
        Topology odd = cluster.withPostgres(new Topology.PostgresConfig(List.of(
                new Topology.PgServer("a", "local", "jdbc:postgresql://h:1/db", "u", "p\"a: #ss\\", 7, false),
                new Topology.PgServer("b", "local", "jdbc:postgresql://h:2/db", "yes", "", 9, false)),
                List.of(new Topology.ShardRange(0, 9, "b"), new Topology.ShardRange(10, 63, "a"))));
        assertEquals(odd, TopologyFile.parse("t", ChildServer.topologyYaml(odd)));
    }

    @Test
    void aChildServerAnswersReportsItsMemoryAndStopsWithItsPostgres() throws Exception {
        Path tmp = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        Path work = Files.createTempDirectory(tmp, "child-server");
        Path dataDir = work.resolve("data");
        Topology t = BenchServer.forBench(Topology.embedded().withLogicalShards(4));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        long pid;
        ProcessHandle postmaster;
        try (ChildServer child = ChildServer.start(t, dataDir, work.resolve("server.log"),
                new PrintStream(log, true, StandardCharsets.UTF_8))) {
            pid = child.pid();
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("child process pid " + pid));
            try (HttpClient http = HttpClient.newHttpClient()) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(child.base().resolve("plaintext")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals("Hello, World!", r.body());
            }
            long rss = child.peakRssBytes();
            assertTrue(rss > 20L * 1024 * 1024, "a server JVM holds tens of MB at least: " + rss);

            // Its embedded PostgreSQL is reachable from here, at the address storage() names.
            Topology storage = child.storage(t);
            Topology.PgServer pg = storage.postgres().servers().getFirst();
            assertFalse(pg.embedded());
            try (Connection c = DriverManager.getConnection(pg.url(), pg.user(), pg.password());
                 ResultSet rs = c.createStatement().executeQuery(
                         "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'shard_%'")) {
                rs.next();
                assertEquals(4, rs.getInt(1), "the child migrated its 4 logical shards");
            }
            postmaster = ChildServer.postmaster(dataDir.resolve("pg").resolve(pg.name())).orElseThrow();

            assertTrue(child.stop(), "it stops by itself on SIGTERM:\n" + ChildServer.tail(child.logFile(), 20));
            assertFalse(child.isAlive());
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the server process is gone");
        assertFalse(ChildServer.running(postmaster), "its PostgreSQL is gone too");
        BenchServer.deleteTree(work);
    }
}
