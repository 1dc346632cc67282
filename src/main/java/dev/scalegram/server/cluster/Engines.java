package dev.scalegram.server.cluster;

import dev.scalegram.server.cluster.ClusterState.Kind;
import dev.scalegram.server.cluster.ClusterState.Part;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How each kind of part is started and stopped. Every start records the part through {@code record} as soon as its pid
 * is known, before waiting for it to be healthy, so that a start that fails half-way still leaves something
 * {@code cluster down} can stop.
 */
final class Engines {

    private static final Path MEMCACHED = Path.of("/usr/bin/memcached");
    private static final Path RABBITMQ_SERVER = Path.of("/usr/sbin/rabbitmq-server");
    private static final Pattern SQL_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final Cluster.Options options;
    private final Consumer<String> progress;
    private final Consumer<Part> record;

    Engines(Cluster.Options options, Consumer<String> progress, Consumer<Part> record) {
        this.options = options;
        this.progress = progress;
        this.record = record;
    }

    private Path logs() {
        return options.dataDir().resolve("logs");
    }

    private static void requireFree(String host, int port, String what) {
        if (Processes.answers(host, port)) {
            throw new ClusterException(host + ":" + port + " is in use by a process this cluster did not start; stop"
                    + " it or give " + what + " another port in the topology");
        }
    }

    // ---------------------------------------------------------------------------------------------- PostgreSQL

    /**
     * A standalone PostgreSQL 18 from zonky's binaries. zonky starts it through {@code pg_ctl}, which daemonizes the
     * postmaster in a session of its own, so it outlives this JVM: the {@link EmbeddedPostgres} is deliberately never
     * closed (closing would stop the server).
     */
    Part startPostgres(String name, String host, int port, String database, String user, String password,
                       int maxConnections) {
        Path data = options.dataDir().resolve("pg").resolve(name);
        Path log = logs().resolve("pg-" + name + ".log");
        OptionalLong running = postmasterPid(data);
        if (running.isPresent() && Processes.answers(host, port)) {
            // Our data dir's server, started by an `up` that was interrupted before it recorded it.
            Part part = postgresPart(name, host, port, running.getAsLong(), data, log);
            record.accept(part);
            ensureDatabase(port, database, user, password);
            return part;
        }
        requireFree(host, port, "postgres server " + name);
        Processes.createDirectories(data);
        Processes.createDirectories(logs());
        removeStalePid(data);
        try {
            EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(options.dataDir().resolve("pg-runtime").toFile())
                    .setPort(port)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setRegisterShutdownHook(false)
                    // Server output goes to a file, not a pipe into this JVM, which exits long before the server.
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    // zonky turns durability off for tests; nothing acknowledged may be lost here.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("max_connections", Integer.toString(maxConnections))
                    .setServerConfig("shared_buffers", "128MB")
                    // Logical replication: ShardMove's copy of a shard, and the regions' change streams.
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_wal_senders", "20")
                    .setServerConfig("max_replication_slots", "20")
                    .setServerConfig("listen_addresses", host.equals("localhost") ? "127.0.0.1" : host)
                    .start();
        } catch (IOException | RuntimeException e) {
            // It may have started and then failed a check: record it anyway so that `down` stops it.
            postmasterPid(data).ifPresent(pid -> record.accept(postgresPart(name, host, port, pid, data, log)));
            throw new ClusterException("PostgreSQL " + name + " did not start: " + e.getMessage() + "\n"
                    + Processes.tail(log, 30), e);
        }
        long pid = postmasterPid(data).orElseThrow(() -> new ClusterException("PostgreSQL " + name
                + " started but " + data.resolve("postmaster.pid") + " names no live process"));
        Part part = postgresPart(name, host, port, pid, data, log);
        record.accept(part);
        ensureDatabase(port, database, user, password);
        return part;
    }

    private static Part postgresPart(String name, String host, int port, long pid, Path data, Path log) {
        // The postmaster's command line carries its data directory: "postgres -D <data> ...".
        return new Part(Kind.POSTGRES, name, host + ":" + port, pid, true, "-D " + data + " ", log.toString());
    }

    /** The postmaster's pid from the first line of postmaster.pid, when that process is alive. */
    static OptionalLong postmasterPid(Path data) {
        try {
            long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).getFirst().trim());
            return Processes.live(pid, "-D " + data + " ").isPresent() ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** A postmaster.pid left by a killed server makes pg_ctl refuse to start; it is stale when its pid is gone. */
    private static void removeStalePid(Path data) {
        Path f = data.resolve("postmaster.pid");
        if (Files.exists(f) && postmasterPid(data).isEmpty()) {
            try {
                Files.delete(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Creates the topology's database (and its user, when not postgres) if they are missing. */
    private static void ensureDatabase(int port, String database, String user, String password) {
        if (!SQL_NAME.matcher(database).matches() || !SQL_NAME.matcher(user).matches()) {
            throw new ClusterException("database and user names must be plain identifiers, got '" + database
                    + "' and '" + user + "'");
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                "postgres", "");
             Statement st = c.createStatement()) {
            if (!user.equals("postgres") && !exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", user)) {
                // Superuser: the app creates schemas, and shard moves need replication rights.
                st.execute("CREATE ROLE \"" + user + "\" LOGIN SUPERUSER PASSWORD '" + password.replace("'", "''")
                        + "'");
            }
            if (!database.equals("postgres") && !exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
                st.execute("CREATE DATABASE \"" + database + "\" OWNER \"" + user + "\"");
            }
        } catch (SQLException e) {
            throw new ClusterException("creating database " + database + " on port " + port + ": " + e.getMessage(), e);
        }
    }

    private static boolean exists(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** PostgreSQL's fast shutdown (SIGINT): open transactions are rolled back, nothing committed is lost. */
    static void stopPostgres(ProcessHandle h) {
        Processes.stop(h, "INT", Duration.ofSeconds(60));
    }

    // ---------------------------------------------------------------------------------------------- memcached

    Part startMemcached(String name, String host, int port) {
        if (!Files.isExecutable(MEMCACHED)) {
            Processes.aptInstall("memcached", progress);
        }
        Path pidFile = options.dataDir().resolve("memcached").resolve(port + ".pid");
        OptionalLong running = readPid(pidFile);
        if (running.isPresent() && Processes.live(running.getAsLong(), "-P " + pidFile).isPresent()
                && Processes.answers(host, port)) {
            // Ours, from an `up` that was interrupted before it recorded it.
            Part part = new Part(Kind.MEMCACHED, name, host + ":" + port, running.getAsLong(), true, "-P " + pidFile,
                    null);
            record.accept(part);
            return part;
        }
        requireFree(host, port, "memcached " + name);
        Processes.createDirectories(pidFile.getParent());
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>(List.of(MEMCACHED.toString(), "-d", "-l", host, "-p",
                Integer.toString(port), "-m", "64", "-U", "0", "-P", pidFile.toString()));
        if (Processes.isRoot()) {
            cmd.addAll(List.of("-u", "root")); // memcached refuses to run as root unless told which user to be
        }
        // -d: memcached forks a daemon (its own session) and the command returns.
        Processes.Result r = Processes.run(cmd, Duration.ofSeconds(10));
        if (!r.ok()) {
            throw new ClusterException("memcached " + name + " (" + String.join(" ", cmd) + ") failed:\n" + r.output());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Part part = null;
        while (true) {
            OptionalLong pid = readPid(pidFile);
            if (part == null && pid.isPresent()) {
                // The marker: this pid file's path is on the daemon's command line.
                part = new Part(Kind.MEMCACHED, name, host + ":" + port, pid.getAsLong(), true, "-P " + pidFile, null);
                record.accept(part);
            }
            if (part != null && Processes.answers(host, port)) {
                return part;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new ClusterException("memcached " + name + " did not listen on " + host + ":" + port
                        + " within 10 s (" + String.join(" ", cmd) + ")\n" + r.output());
            }
            Processes.sleep(50);
        }
    }

    private static OptionalLong readPid(Path file) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(file).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    // ---------------------------------------------------------------------------------------------- Cassandra

    /**
     * A Cassandra node for a region, from the cassandra-all jars on JDK 17 (fetched and installed when missing). The
     * storage (gossip) port is the CQL port + 1; JMX listens on the CQL port + 2 (+ 10 per further region, whose node
     * may share the CQL port on another loopback address but not the JMX port, which binds 127.0.0.1).
     */
    Part startCassandra(String region, String host, int port, String dc, String seeds, int index) {
        Path lib = options.cassandraLib();
        ensureCassandraJars(lib);
        Path jdk = CassandraNode.findJdk17().orElseGet(() -> {
            Processes.aptInstall("openjdk-17-jre-headless", progress);
            return CassandraNode.findJdk17().orElseThrow(() -> new ClusterException(
                    "installed openjdk-17-jre-headless but found no JDK 17 under /usr/lib/jvm"));
        });
        Path dir = options.dataDir().resolve("cassandra").resolve(region);
        int storage = port + 1;
        int jmx = port + 2 + 10 * index;
        // A node of our data dir that is still starting holds these ports; CassandraNode waits for it.
        if (CassandraNode.livePid(dir.toAbsolutePath()).isEmpty() && !Processes.answers(host, port)) {
            requireFree(host, storage, "cassandra " + region + " (storage port = CQL port + 1)");
            requireFree("127.0.0.1", jmx, "cassandra " + region + " (JMX port = CQL port + 2)");
        }
        CassandraNode.Options o = CassandraNode.Options.of(lib, dir).withAddress(host).withPorts(port, storage, jmx)
                .withDc(dc).withSeeds(seeds).withHeapMb(options.cassandraHeapMb()).withJavaHome(jdk);
        CassandraNode node;
        try {
            node = CassandraNode.start(o, line -> {
                if (line.contains("waiting")) {
                    progress.accept("  " + line);
                }
            });
        } catch (IllegalStateException | UncheckedIOException e) {
            throw new ClusterException("Cassandra " + region + " did not start: " + e.getMessage(), e);
        }
        // A node that was already answering is ours only when it runs on our data dir (an interrupted `up`'s).
        boolean ours = !node.reused() || node.pid() > 0;
        Part part = new Part(Kind.CASSANDRA, region, host + ":" + port, node.pid(), ours,
                "-Dcassandra.storagedir=" + dir.toAbsolutePath(), dir.resolve("logs/system.log").toString());
        record.accept(part);
        return part;
    }

    private void ensureCassandraJars(Path lib) {
        try (Stream<Path> jars = Files.isDirectory(lib) ? Files.list(lib) : Stream.empty()) {
            if (jars.anyMatch(j -> j.getFileName().toString().startsWith("cassandra-all-"))) {
                return;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path repo = Path.of("").toAbsolutePath();
        if (!Files.isExecutable(repo.resolve("mvnw")) || !Files.isRegularFile(repo.resolve(".ci/cassandra/pom.xml"))) {
            throw new ClusterException("no cassandra-all jar in " + lib + " and no ./mvnw with .ci/cassandra/pom.xml"
                    + " here to fetch them: run ./scalegram cluster up from the repository");
        }
        progress.accept("  fetching Cassandra's jars (cassandra-all 5.0, about 66 MB) into " + lib + "...");
        // Into a temp dir first, so that an interrupted download is never taken for a complete one.
        Path tmp = lib.resolveSibling(lib.getFileName() + ".tmp");
        Processes.Result r = Processes.run(List.of("./mvnw", "-q", "-B", "-f", ".ci/cassandra/pom.xml",
                "dependency:copy-dependencies", "-DoutputDirectory=" + tmp.toAbsolutePath(), "-DincludeScope=runtime"),
                Duration.ofMinutes(15), Map.of("JAVA_HOME", System.getProperty("java.home")));
        if (!r.ok()) {
            throw new ClusterException("fetching Cassandra's jars failed:\n" + Processes.lastLines(r.output(), 30));
        }
        try {
            deleteTree(lib);
            Files.move(tmp, lib);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static void stopCassandra(ProcessHandle h) {
        // Cassandra flushes its memtables on SIGTERM; a clean stop takes a few seconds.
        Processes.stop(h, "TERM", Duration.ofSeconds(60));
    }

    // ---------------------------------------------------------------------------------------------- RabbitMQ

    /**
     * Reuses a broker that answers on the URI's port (recorded as not ours: {@code down} leaves it running). Else it
     * starts a node of its own, {@code scalegram-<port>@localhost}, with its files under the data dir and a config that
     * listens on that port only, so that it never touches the machine's own node.
     *
     * @return the parts recorded: the broker, and epmd when starting the node also started it
     */
    List<Part> startRabbit(String name, String host, int port) {
        Path dir = options.dataDir().resolve("rabbitmq-" + port).toAbsolutePath();
        Path pidFile = dir.resolve("rabbitmq.pid");
        Path log = dir.resolve("log");
        OptionalLong running = readPid(pidFile);
        if (running.isPresent() && Processes.live(running.getAsLong(), "beam.smp").isPresent()
                && Processes.answers(host, port)) {
            // The node an interrupted `up` started: ours to stop.
            Part part = new Part(Kind.RABBITMQ, name, host + ":" + port, running.getAsLong(), true, "beam.smp",
                    log.resolve(nodeName(port) + ".log").toString());
            record.accept(part);
            return List.of(part);
        }
        if (Processes.answers(host, port)) {
            Part part = new Part(Kind.RABBITMQ, name, host + ":" + port, -1, false, null, null);
            record.accept(part);
            return List.of(part);
        }
        if (!Files.isExecutable(RABBITMQ_SERVER)) {
            Processes.aptInstall("rabbitmq-server", progress);
            if (Processes.answers(host, port)) { // the package's service started on this port
                Part part = new Part(Kind.RABBITMQ, name, host + ":" + port, -1, false, null, null);
                record.accept(part);
                return List.of(part);
            }
        }
        boolean epmdRan = Processes.answers("127.0.0.1", 4369);
        try {
            Files.createDirectories(dir.resolve("mnesia"));
            Files.createDirectories(log);
            Files.deleteIfExists(pidFile);
            Files.writeString(dir.resolve("rabbitmq.conf"), "# Written by scalegram cluster up.\nlisteners.tcp.local = "
                    + (host.equals("localhost") ? "127.0.0.1" : host) + ":" + port + "\n");
            Files.writeString(dir.resolve("enabled_plugins"), "[].\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (Processes.isRoot()) {
            // Debian's wrapper runs the broker as the rabbitmq user, who must own its files.
            Processes.run(List.of("chown", "-R", "rabbitmq:rabbitmq", dir.toString()), Duration.ofSeconds(30));
        }
        Map<String, String> env = rabbitEnv(port, dir);
        Processes.Result r = Processes.run(List.of(RABBITMQ_SERVER.toString(), "-detached"), Duration.ofSeconds(60), env);
        if (!r.ok()) {
            throw new ClusterException("rabbitmq-server -detached failed:\n" + r.output());
        }
        long t0 = System.nanoTime();
        long nextReport = t0 + Duration.ofSeconds(10).toNanos();
        boolean recorded = false;
        List<Part> parts = new ArrayList<>();
        while (true) {
            OptionalLong pid = readPid(pidFile);
            if (pid.isPresent() && !recorded) {
                Part part = new Part(Kind.RABBITMQ, name, host + ":" + port, pid.getAsLong(), true, "beam.smp",
                        log.resolve(nodeName(port) + ".log").toString());
                record.accept(part);
                parts.add(part);
                recorded = true;
            }
            if (recorded && Processes.answers(host, port)) {
                break;
            }
            long now = System.nanoTime();
            if (now - t0 > Duration.ofSeconds(120).toNanos()) {
                throw new ClusterException("RabbitMQ did not listen on " + host + ":" + port + " within 120 s\n"
                        + Processes.tail(log.resolve(nodeName(port) + ".log"), 30));
            }
            if (now - nextReport > 0) {
                progress.accept("  rabbitmq: waiting for " + host + ":" + port + " ("
                        + Duration.ofNanos(now - t0).toSeconds() + " s)...");
                nextReport += Duration.ofSeconds(10).toNanos();
            }
            Processes.sleep(200);
        }
        if (!epmdRan) {
            // Starting a node starts Erlang's port mapper too, and it outlives the node: ours to stop on down.
            ProcessHandle.allProcesses().filter(h -> Processes.commandLine(h.pid()).contains("epmd -daemon"))
                    .findFirst().ifPresent(h -> {
                        Part epmd = new Part(Kind.EPMD, "epmd", "127.0.0.1:4369", h.pid(), true, "epmd", null);
                        record.accept(epmd);
                        parts.add(epmd);
                    });
        }
        return parts;
    }

    private static String nodeName(int port) {
        return "scalegram-" + port + "@localhost";
    }

    private static Map<String, String> rabbitEnv(int port, Path dir) {
        return Map.of("RABBITMQ_NODENAME", nodeName(port),
                "RABBITMQ_NODE_PORT", Integer.toString(port),
                "RABBITMQ_DIST_PORT", Integer.toString(port + 20000),
                "RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString(),
                "RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString(),
                "RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString(),
                "RABBITMQ_LOG_BASE", dir.resolve("log").toString(),
                "RABBITMQ_PID_FILE", dir.resolve("rabbitmq.pid").toString());
    }

    /** {@code rabbitmqctl stop} for the node {@code up} started; signals only if that does not end it. */
    static void stopRabbit(Part part, ProcessHandle h) {
        Processes.run(List.of("rabbitmqctl", "-n", nodeName(part.port()), "stop"), Duration.ofSeconds(60));
        if (!Processes.awaitExit(h, Duration.ofSeconds(30))) {
            Processes.stop(h, "TERM", Duration.ofSeconds(30));
        }
    }

    /** Stops epmd only when no other Erlang node (the machine's own broker, say) is registered with it. */
    static boolean stopEpmd(ProcessHandle h) {
        Processes.Result names = Processes.run(List.of("epmd", "-names"), Duration.ofSeconds(10));
        if (names.output().lines().anyMatch(l -> l.startsWith("name "))) {
            return false;
        }
        Processes.run(List.of("epmd", "-kill"), Duration.ofSeconds(10));
        if (!Processes.awaitExit(h, Duration.ofSeconds(10))) {
            Processes.stop(h, "TERM", Duration.ofSeconds(10));
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------- app servers

    /**
     * One app server: this JVM's java and class path running {@code serve}, detached, output in
     * {@code logs/app-<port>.log}; healthy once {@code GET /ready} answers 200.
     */
    Part startApp(int port, Path topology) {
        requireFree("127.0.0.1", port, "app server " + port);
        Path log = logs().resolve("app-" + port + ".log");
        Path appData = options.dataDir().resolve("app");
        Processes.createDirectories(appData);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xmx" + options.appHeapMb() + "m");
        cmd.addAll(classPath());
        cmd.addAll(List.of("serve", "--port", Integer.toString(port), "--config", topology.toString(),
                "--data-dir", appData.toString()));
        Process p = Processes.launchDetached(cmd, log, Path.of("").toAbsolutePath(), Map.of());
        Part part = new Part(Kind.APP, "app-" + port, "127.0.0.1:" + port, p.pid(), true,
                "serve --port " + port + " ", log.toString());
        record.accept(part);
        long t0 = System.nanoTime();
        long nextReport = t0 + Duration.ofSeconds(10).toNanos();
        while (!ready(port)) {
            long now = System.nanoTime();
            if (!p.isAlive()) {
                throw new ClusterException("app server on port " + port + " exited with status " + p.exitValue()
                        + "\n" + Processes.tail(log, 30));
            }
            if (now - t0 > options.startTimeout().toNanos()) {
                throw new ClusterException("app server on port " + port + " was not ready within "
                        + options.startTimeout().toSeconds() + " s\n" + Processes.tail(log, 30));
            }
            if (now - nextReport > 0) {
                progress.accept("  app-" + port + ": waiting for /ready (" + Duration.ofNanos(now - t0).toSeconds()
                        + " s)...");
                nextReport += Duration.ofSeconds(10).toNanos();
            }
            Processes.sleep(200);
        }
        return part;
    }

    /**
     * How to run this program again: {@code -jar} when it runs from its jar (the launcher's case), else its class path
     * and main class (tests, IDEs).
     */
    private static List<String> classPath() {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!e.isBlank()) {
                entries.add(Path.of(e).toAbsolutePath().toString());
            }
        }
        if (entries.size() == 1 && entries.getFirst().endsWith(".jar")) {
            return List.of("-jar", entries.getFirst());
        }
        return List.of("-cp", String.join(java.io.File.pathSeparator, entries), "dev.scalegram.server.Main");
    }

    static boolean ready(int port) {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted", e);
        }
    }

    static void stopApp(ProcessHandle h) {
        // SIGTERM runs serve's shutdown hook: HTTP, relay, consumers, pools, in order.
        Processes.stop(h, "TERM", Duration.ofSeconds(30));
    }
}
