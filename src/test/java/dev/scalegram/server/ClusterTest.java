package dev.scalegram.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.scalegram.api.ApiWalk;
import dev.scalegram.server.cluster.Cluster;
import dev.scalegram.server.cluster.ClusterState;
import dev.scalegram.server.cluster.ClusterState.Kind;
import dev.scalegram.server.cluster.ClusterState.Part;
import dev.scalegram.testing.ApiClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * {@code cluster up} through the Java API with a topology of its own (free ports, files under the build dir, small
 * heaps): two PostgreSQL servers, two memcached servers and a gutter, a Cassandra node, the machine's RabbitMQ (reused,
 * in a virtual host of this run's), and two app servers. The whole API walk runs against it with requests alternating
 * between the two app servers; then home feeds are checked in Cassandra (and absent from PostgreSQL), and
 * {@code cluster down} must leave nothing running.
 *
 * <p>The app servers are other processes, so "the asynchronous work is done" is read from the engines themselves:
 * no outbox row on any shard and no message ready or unacknowledged (a handler running) in the run's queues, seen
 * twice in a row.
 */
class ClusterTest extends ApiWalk {

    private static final String RABBIT = "127.0.0.1:5672";
    private static final String KEYSPACE = "scalegram_cluster_test";
    private static final String VHOST_PREFIX = "scalegram-cluster-test-";

    private Path dataDir;
    private String vhost;
    private ClusterState state;
    private final List<Connection> databases = new ArrayList<>();
    private int cassandraPort;
    private List<Integer> appPorts;

    @Override
    protected Deployment deploy(Path tempDir) {
        // Under the build dir, at a fixed place: a run that was killed left its processes recorded there, and this
        // run stops them before starting over. The last run's logs stay for reading.
        Path dir = Path.of(System.getProperty("scalegram.test.dir", "target")).toAbsolutePath().resolve("cluster-test");
        dataDir = dir.resolve("data");
        Cluster.down(dataDir, System.out::println);
        deleteTree(dir);
        if (!answers("127.0.0.1", 5672)) {
            fail("ClusterTest reuses the RabbitMQ on " + RABBIT + " (./scalegram test starts one); nothing answers");
        }
        try {
            Files.createDirectories(dir);
            deleteStaleVhosts();
            vhost = VHOST_PREFIX + ProcessHandle.current().pid();
            rabbitmqctl("add_vhost", vhost);
            rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
            up(dir);
        } catch (IOException | RuntimeException | SQLException e) {
            tearDown(); // whatever did start
            throw new AssertionError("cluster up failed: " + e.getMessage(), e);
        }
        ApiClient client = ApiClient.alternating(appPorts.stream()
                .map(p -> URI.create("http://127.0.0.1:" + p + "/")).toList());
        return new Deployment() {
            @Override
            public ApiClient api() {
                return client;
            }

            @Override
            public void awaitTasks() {
                awaitQuiet(Duration.ofSeconds(20));
            }

            @Override
            public void close() {
                tearDown();
            }
        };
    }

    /** Writes the test's topology (free ports) and brings the cluster up. */
    private void up(Path dir) throws SQLException {
        List<Integer> pg = freePorts(2);
        List<Integer> mc = freePorts(3);
        appPorts = freePorts(2);
        cassandraPort = freeRun(3); // CQL, storage (CQL + 1), JMX (CQL + 2)
        Path topology = dir.resolve("topology.yaml");
        write(topology, """
                # Written by ClusterTest: free ports, small pools, a RabbitMQ virtual host of this run's.
                region: local
                logical_shards: 16
                postgres:
                  servers:
                    - name: pg1
                      url: jdbc:postgresql://127.0.0.1:%d/scalegram
                      pool_size: 8
                    - name: pg2
                      url: jdbc:postgresql://127.0.0.1:%d/scalegram
                      pool_size: 8
                regions:
                  local:
                    app_ports: [%d, %d]
                    memcached:
                      servers: [127.0.0.1:%d, 127.0.0.1:%d]
                      gutter: [127.0.0.1:%d]
                    rabbitmq: amqp://guest:guest@%s/%s
                    cassandra:
                      contact_points: [127.0.0.1:%d]
                      local_dc: local
                      keyspace: %s
                """.formatted(pg.get(0), pg.get(1), appPorts.get(0), appPorts.get(1), mc.get(0), mc.get(1), mc.get(2),
                RABBIT, vhost, cassandraPort, KEYSPACE));
        Path repo = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        Cluster.Options options = new Cluster.Options(dataDir, topology, repo.resolve("target/cassandra/lib"), 512, 512,
                Duration.ofMinutes(2));
        state = Cluster.up(options, System.out::println);
        for (int port : pg) {
            databases.add(DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/scalegram",
                    "postgres", ""));
        }
    }

    // ---------------------------------------------------------------------------------------- after the walk

    @Test
    @Order(300)
    void upStartedEveryPartAndReusedTheBroker() {
        Map<Kind, Integer> byKind = new LinkedHashMap<>();
        for (Part p : state.parts()) {
            byKind.merge(p.kind(), 1, Integer::sum);
        }
        assertEquals(Map.of(Kind.POSTGRES, 2, Kind.MEMCACHED, 3, Kind.CASSANDRA, 1, Kind.RABBITMQ, 1, Kind.APP, 2),
                byKind, "parts: " + state.parts());
        for (Part p : state.parts()) {
            assertEquals(p.kind() != Kind.RABBITMQ, p.startedByUs(), "started by up: " + p);
        }
        StringWriter out = new StringWriter();
        int code = ClusterCommand.execute(new PrintWriter(out), new PrintWriter(new StringWriter()), "status",
                "--data-dir", dataDir.toString());
        assertEquals(0, code, "cluster status exit code; it printed:\n" + out);
        assertEquals(9, out.toString().lines().filter(l -> l.endsWith(" up") || l.contains("not ours (answers)"))
                .count(), "every part up:\n" + out);
    }

    @Test
    @Order(310)
    void requestsAlternatedBetweenTheAppServers() {
        List<Long> served = new ArrayList<>();
        for (int port : appPorts) {
            served.add(apiRequests(port));
        }
        // Alternating gives each server half of the walk's requests (a few hundred), give or take the few that no
        // API route matched (404s), which the metric does not count as API requests.
        long total = served.stream().mapToLong(Long::longValue).sum();
        assertTrue(total > 200, "API requests served per app server: " + served);
        for (long n : served) {
            assertTrue(Math.abs(n - total / 2.0) < total * 0.05, "each app server served about half: " + served);
        }
    }

    @Test
    @Order(320)
    void homeFeedsAreInCassandraNotPostgres() throws SQLException {
        List<String> carolsHome = newestFirst(alicePosts, bobPosts, carolPosts);
        try (CqlSession cql = CqlSession.builder().addContactPoint(new InetSocketAddress("127.0.0.1", cassandraPort))
                .withLocalDatacenter("local")
                // As the app does: the driver's native clock needs jnr-posix, which the build leaves out.
                .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                        .withBoolean(DefaultDriverOption.TIMESTAMP_GENERATOR_FORCE_JAVA_CLOCK, true).build())
                .build()) {
            Set<String> stored = new HashSet<>();
            for (Row r : cql.execute("SELECT status_id FROM " + KEYSPACE + ".home_feed WHERE reader_id = ?",
                    Long.parseLong(carol.id()))) {
                stored.add(Long.toString(r.getLong("status_id")));
            }
            assertTrue(stored.containsAll(carolsHome), "carol's home timeline is in Cassandra's home_feed: "
                    + carolsHome.size() + " expected, " + stored.size() + " stored");
        }
        assertEquals(0, sumOverShards("feed_items"), "no home feed rows in PostgreSQL in cluster mode");
        assertEquals(0, sumOverShards("activity"), "no notifications in PostgreSQL in cluster mode");
    }

    @Test
    @Order(900)
    void downStopsExactlyWhatUpStarted() {
        closeDatabases();
        List<String> lines = new ArrayList<>();
        Cluster.down(dataDir, lines::add);
        lines.forEach(System.out::println);
        for (Part p : state.parts()) {
            if (p.startedByUs()) {
                assertFalse(running(p.pid()), "still running after down: " + p);
                assertFalse(answers(p.host(), p.port()), "still listening after down: " + p);
            } else {
                assertTrue(answers(p.host(), p.port()), "down must leave a reused part running: " + p);
            }
        }
        assertFalse(answers("127.0.0.1", cassandraPort + 1), "Cassandra's storage port still open");
        assertEquals(List.of(), Cluster.status(dataDir), "nothing recorded after down");
        assertFalse(Files.exists(dataDir.resolve("cluster-state.json")), "state file removed");
        List<String> again = new ArrayList<>();
        Cluster.down(dataDir, again::add);
        assertTrue(again.getFirst().contains("nothing to stop"), "down is idempotent: " + again);
    }

    // ---------------------------------------------------------------------------------------- helpers

    /**
     * Waits until no outbox row is left on any shard and no message of this run's queues is ready or being handled
     * (unacknowledged), twice in a row: a task moves from the outbox to the broker (row deleted after the publish is
     * confirmed) and from a handler back to the outbox (rows committed before the ack), so between two looks it can
     * hide from one check but not from a repeated pair.
     */
    private void awaitQuiet(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int clean = 0;
        long outbox = 0;
        Map<String, Long> queued = Map.of();
        while (clean < 2) {
            if (System.nanoTime() - deadline > 0) {
                fail("async tasks did not drain in " + timeout.toSeconds() + " s: " + outbox + " outbox rows, queues "
                        + queued);
            }
            outbox = sumOverShards("outbox");
            queued = outbox == 0 ? queuedMessages() : Map.of();
            boolean quiet = outbox == 0 && queued.values().stream().allMatch(n -> n == 0)
                    && (outbox = sumOverShards("outbox")) == 0;
            if (quiet) {
                clean++;
            } else {
                clean = 0;
                sleep(30);
            }
        }
    }

    /** Rows of {@code table} over every shard schema on both PostgreSQL servers. */
    private long sumOverShards(String table) {
        long sum = 0;
        for (Connection c : databases) {
            try (Statement st = c.createStatement()) {
                List<String> schemas = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT table_schema FROM information_schema.tables"
                        + " WHERE table_name = '" + table + "' AND table_schema LIKE 'shard\\_%'")) {
                    while (rs.next()) {
                        schemas.add(rs.getString(1));
                    }
                }
                if (schemas.isEmpty()) {
                    continue;
                }
                String sql = String.join(" UNION ALL ", schemas.stream()
                        .map(s -> "SELECT count(*) AS n FROM " + s + "." + table).toList());
                try (ResultSet rs = st.executeQuery("SELECT sum(n) FROM (" + sql + ") t")) {
                    rs.next();
                    sum += rs.getLong(1);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        return sum;
    }

    /** Ready plus unacknowledged messages per queue of this run's virtual host; the dead-letter queue is left out. */
    private Map<String, Long> queuedMessages() {
        String out = rabbitmqctl("list_queues", "-q", "-p", vhost, "name", "messages");
        Map<String, Long> queues = new LinkedHashMap<>();
        for (String line : out.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && f[1].matches("\\d+") && !f[0].endsWith(".dead")) {
                queues.put(f[0], Long.parseLong(f[1]));
            }
        }
        return queues;
    }

    private static final Pattern REQUESTS = Pattern.compile(
            "^scalegram_http_requests_seconds_count\\{([^}]*)\\}\\s+([0-9.eE+]+)$", Pattern.MULTILINE);

    /** API and OAuth requests an app server has served, from its /metrics. */
    private static long apiRequests(int port) {
        String metrics;
        try {
            metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        long n = 0;
        Matcher m = REQUESTS.matcher(metrics);
        while (m.find()) {
            if (m.group(1).contains("route=\"/api/") || m.group(1).contains("route=\"/oauth/")) {
                n += (long) Double.parseDouble(m.group(2));
            }
        }
        return n;
    }

    private void closeDatabases() {
        for (Connection c : databases) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        databases.clear();
    }

    private void tearDown() {
        try {
            closeDatabases();
            if (dataDir != null) {
                Cluster.down(dataDir, System.out::println);
            }
        } finally {
            if (vhost != null) {
                rabbitmqctl("delete_vhost", vhost);
                vhost = null;
            }
        }
    }

    /** Virtual hosts of earlier runs whose JVM is gone (killed before its teardown). */
    private static void deleteStaleVhosts() {
        for (String name : rabbitmqctl("list_vhosts", "-q").lines().map(String::trim).toList()) {
            if (name.startsWith(VHOST_PREFIX) && name.substring(VHOST_PREFIX.length()).matches("\\d+")
                    && ProcessHandle.of(Long.parseLong(name.substring(VHOST_PREFIX.length()))).isEmpty()) {
                rabbitmqctl("delete_vhost", name);
            }
        }
    }

    private static String rabbitmqctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("rabbitmqctl"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Alive and not a zombie (an exited daemon waits for init to reap it, which can take a second or two). */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String state = stat.substring(stat.lastIndexOf(')') + 1).trim();
            return !state.startsWith("Z") && !state.startsWith("X");
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean answers(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Integer> freePorts(int n) {
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < n) {
            int p = freeRun(1);
            if (!ports.contains(p)) {
                ports.add(p);
            }
        }
        return ports;
    }

    /**
     * The first of {@code n} consecutive ports free to listen on. Drawn below Linux's ephemeral range (32768-60999),
     * where no outbound connection takes one between this check and the engine's start, and checked by binding: a
     * port held as the local end of an outbound connection answers no connect but cannot be listened on.
     */
    private static int freeRun(int n) {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int first = 20_000 + random.nextInt(12_000 - n);
            boolean free = true;
            for (int p = first; free && p < first + n; p++) {
                free = bindable(p);
            }
            if (free) {
                return first;
            }
        }
        throw new IllegalStateException("no run of " + n + " free ports in 20000-32000");
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path f, String text) {
        try {
            Files.writeString(f, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
