package dev.scalegram.bench;

import dev.scalegram.config.Topology;
import dev.scalegram.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A Scalegram server the bench runs as a process of its own, the way {@code ./scalegram serve} runs it: this JVM's
 * {@code java} and class path, {@code --enable-native-access=ALL-UNNAMED -Xmx1g}, {@code serve} on a free port with a
 * topology file the bench writes. A process of its own, so that what is measured (its CPU, its memory, its garbage
 * collector) is the server's alone, and not shared with the load generator's JVM.
 *
 * <p>Its output goes to a log file. {@link #stop()} sends SIGTERM (serve's shutdown hook stops HTTP, the relay, the
 * pools and its embedded PostgreSQL in order), waits, and kills it only if it is still there; a shutdown hook does the
 * same when the bench itself is stopped with Ctrl-C.
 */
final class ChildServer implements AutoCloseable {

    /** The launcher's flags (see ./scalegram). */
    static final List<String> JVM_FLAGS = List.of("--enable-native-access=ALL-UNNAMED", "-Xmx1g");
    /**
     * Extra JVM flags for the server under test, split on spaces: to profile it while a scenario loads it, e.g.
     * {@code -XX:StartFlightRecording=filename=/tmp/server.jfr,settings=profile}.
     */
    static final String EXTRA_FLAGS_ENV = "SCALEGRAM_BENCH_SERVER_JAVA_OPTS";
    static final String PEAK_RSS = "process_memory_peak_rss_bytes";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final URI base;
    private final Path dataDir;
    private final Path logFile;
    private final Thread hook;
    private Boolean stoppedCleanly;

    private ChildServer(Process process, URI base, Path dataDir, Path logFile) {
        this.process = process;
        this.base = base;
        this.dataDir = dataDir;
        this.logFile = logFile;
        // Stopped by Ctrl-C of the bench: nothing will read the data any more either.
        this.hook = new Thread(() -> {
            stop();
            BenchServer.deleteTree(dataDir);
        }, "bench-child-server-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts {@code serve} on {@code topology} with {@code dataDir} as its data dir (which an embedded topology's
     * PostgreSQL is already in, when the bench seeded it) and returns once {@code /health} answers.
     */
    static ChildServer start(Topology topology, Path dataDir, Path logFile, PrintStream log) {
        try {
            Files.createDirectories(dataDir);
            Path config = dataDir.resolve("bench-topology.yaml");
            Files.writeString(config, topologyYaml(topology));
            int port = freePort();
            List<String> cmd = new ArrayList<>();
            // A session of its own: a Ctrl-C in the terminal reaches only the bench, whose shutdown hook then stops
            // the server in order, instead of both at once.
            if (Files.isExecutable(SETSID)) {
                cmd.add(SETSID.toString());
            }
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(JVM_FLAGS);
            String extra = System.getenv(EXTRA_FLAGS_ENV);
            if (extra != null && !extra.isBlank()) {
                cmd.addAll(List.of(extra.strip().split("\\s+")));
                log.println("  server JVM flags from " + EXTRA_FLAGS_ENV + ": " + extra.strip());
            }
            cmd.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
            cmd.addAll(List.of("-cp", classPath(), "dev.scalegram.server.Main", "serve", "--port",
                    Integer.toString(port), "--data-dir", dataDir.toAbsolutePath().toString(), "--config",
                    config.toAbsolutePath().toString()));
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            Files.writeString(logFile, "# " + cmd.stream().map(a -> a.length() > 200 ? "<class path>" : a)
                    .collect(Collectors.joining(" ")) + "\n");
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            ChildServer child = new ChildServer(p, URI.create("http://127.0.0.1:" + port + "/"), dataDir, logFile);
            try {
                child.awaitHealthy(t0);
            } catch (RuntimeException e) {
                child.stop();
                throw e;
            }
            log.printf("  server: child process pid %d on port %d, up in %d ms (log %s)%n", p.pid(), port,
                    (System.nanoTime() - t0) / 1_000_000, logFile);
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the server process: " + e.getMessage(), e);
        }
    }

    private void awaitHealthy(long t0) {
        while (!healthy()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the server process exited with status " + process.exitValue()
                        + " before it answered /health; the end of its log (" + logFile + "):\n" + tail(logFile, 30));
            }
            if (System.nanoTime() - t0 > START_TIMEOUT.toNanos()) {
                throw new IllegalStateException("the server process did not answer /health within "
                        + START_TIMEOUT.toSeconds() + " s; the end of its log (" + logFile + "):\n"
                        + tail(logFile, 30));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the server", e);
            }
        }
    }

    private boolean healthy() {
        try {
            return HTTP.send(HttpRequest.newBuilder(base.resolve("health")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    URI base() {
        return base;
    }

    long pid() {
        return process.pid();
    }

    Path logFile() {
        return logFile;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The server's peak RSS so far, from its /metrics; -1 if it does not say. */
    long peakRssBytes() {
        return peakRssBytes(base);
    }

    /** Any server's peak RSS so far ({@code process_memory_peak_rss_bytes} in its /metrics); -1 if it does not say. */
    static long peakRssBytes(URI base) {
        OptionalDouble v = gauge(metrics(base), PEAK_RSS);
        return v.isPresent() && v.getAsDouble() > 0 ? (long) v.getAsDouble() : -1;
    }

    /** Any server's /metrics text now; empty if it does not answer. */
    static String metrics(URI base) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve("metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** The value of an untagged gauge in Prometheus text. */
    static OptionalDouble gauge(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})?\\s+(\\S+)\\s*$").matcher(metrics);
        if (!m.find()) {
            return OptionalDouble.empty();
        }
        try {
            return OptionalDouble.of(Double.parseDouble(m.group(1)));
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }

    /**
     * {@code topology} with each embedded PostgreSQL replaced by the address the running server's instance listens on
     * (from its {@code postmaster.pid}), so that the bench can reach the same databases directly while this server
     * runs.
     */
    Topology storage(Topology topology) {
        List<Topology.PgServer> servers = new ArrayList<>();
        for (Topology.PgServer s : topology.postgres().servers()) {
            if (!s.embedded()) {
                servers.add(s);
                continue;
            }
            int port = postmasterPort(dataDir.resolve("pg").resolve(s.name()))
                    .orElseThrow(() -> new IllegalStateException("no running PostgreSQL for " + s.name() + " under "
                            + dataDir));
            servers.add(new Topology.PgServer(s.name(), s.region(), "jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                    s.user(), s.password(), s.poolSize(), false));
        }
        return topology.withPostgres(new Topology.PostgresConfig(servers, topology.postgres().shardMap()));
    }

    /** The port in a PostgreSQL data dir's postmaster.pid (its 4th line), if the file is there. */
    static Optional<Integer> postmasterPort(Path pgData) {
        try {
            List<String> lines = Files.readAllLines(pgData.resolve("postmaster.pid"));
            return lines.size() >= 4 ? Optional.of(Integer.parseInt(lines.get(3).trim())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The postmaster pid in a PostgreSQL data dir's postmaster.pid (its 1st line), if it is alive. */
    static Optional<ProcessHandle> postmaster(Path pgData) {
        try {
            List<String> lines = Files.readAllLines(pgData.resolve("postmaster.pid"));
            // A stale file's pid may name another program by now: only a live postgres counts.
            return lines.isEmpty() ? Optional.empty()
                    : ProcessHandle.of(Long.parseLong(lines.getFirst().trim())).filter(ProcessHandle::isAlive)
                            .filter(h -> h.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Stops the server: SIGTERM, then SIGKILL if it is still there after a minute. Returns once its embedded
     * PostgreSQL is down too: serve's shutdown hook stops it, but its postmaster runs detached, so a server that had
     * to be killed leaves it running; then it gets SIGTERM here, and nothing is left behind.
     *
     * @return whether the server stopped by itself after SIGTERM
     */
    synchronized boolean stop() {
        if (stoppedCleanly != null) {
            return stoppedCleanly;
        }
        List<ProcessHandle> postmasters = postmasters(); // before: a clean stop removes their postmaster.pid
        boolean clean;
        process.destroy();
        try {
            clean = process.waitFor(STOP_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            if (!clean) {
                process.destroyForcibly();
                process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            clean = false;
        }
        // 143 is 128 + SIGTERM: the JVM ran its shutdown hooks and exited.
        clean = clean && !process.isAlive() && (process.exitValue() == 0 || process.exitValue() == 143);
        for (ProcessHandle pm : postmasters) {
            if (!awaitGone(pm, Duration.ofSeconds(30))) {
                pm.destroy(); // SIGTERM: PostgreSQL's smart shutdown; its clients are gone
                awaitGone(pm, Duration.ofSeconds(30));
            }
        }
        stoppedCleanly = clean;
        return clean;
    }

    private List<ProcessHandle> postmasters() {
        Path pg = dataDir.resolve("pg");
        if (!Files.isDirectory(pg)) {
            return List.of();
        }
        try (var dirs = Files.list(pg)) {
            return dirs.map(ChildServer::postmaster).flatMap(Optional::stream).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Alive and not a zombie. A detached postmaster that exited stays a zombie until whoever adopted it reaps it,
     * which can take a while; {@link ProcessHandle#isAlive} still counts it, but it is done.
     */
    static boolean running(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            String rest = stat.substring(stat.lastIndexOf(')') + 1).trim(); // comm may hold spaces and parentheses
            return !rest.startsWith("Z") && !rest.startsWith("X");
        } catch (IOException | RuntimeException e) {
            return false; // its /proc entry went away between the two checks
        }
    }

    private static boolean awaitGone(ProcessHandle h, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (running(h)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: nothing left to do
        }
    }

    /**
     * This program's class path, absolute: the jar alone when run with {@code -jar} (the launcher), else every entry
     * (tests, IDEs).
     */
    static String classPath() {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!e.isBlank()) {
                entries.add(Path.of(e).toAbsolutePath().toString());
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = List.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log at " + file + ")";
        }
    }

    /**
     * {@code t} as a topology file that {@link dev.scalegram.config.TopologyFile} reads back into an equal topology:
     * every key written, strings quoted. This is how a child server gets the bench's settings (no request limit, no
     * repair scan) for any topology, embedded included.
     */
    static String topologyYaml(Topology t) {
        StringBuilder y = new StringBuilder("# written by scalegram bench for the server it starts\n");
        y.append("region: ").append(q(t.region())).append('\n');
        y.append("logical_shards: ").append(t.logicalShards()).append('\n');
        y.append("postgres:\n  servers:\n");
        for (Topology.PgServer s : t.postgres().servers()) {
            y.append("    - name: ").append(q(s.name())).append('\n');
            y.append("      region: ").append(q(s.region())).append('\n');
            if (!s.embedded()) {
                y.append("      url: ").append(q(s.url())).append('\n');
            }
            y.append("      user: ").append(q(s.user())).append('\n');
            y.append("      password: ").append(q(s.password())).append('\n');
            y.append("      pool_size: ").append(s.poolSize()).append('\n');
            y.append("      embedded: ").append(s.embedded()).append('\n');
        }
        y.append("  shard_map:").append(t.postgres().shardMap().isEmpty() ? " []\n" : "\n");
        for (Topology.ShardRange r : t.postgres().shardMap()) {
            y.append("    - shards: ").append(q(r.from() + "-" + r.to())).append('\n');
            y.append("      server: ").append(q(r.server())).append('\n');
        }
        Topology.CacheConfig c = t.cache();
        y.append("cache:\n");
        y.append("  leases: ").append(c.leases()).append('\n');
        y.append("  ttl_seconds: ").append(c.ttlSeconds()).append('\n');
        y.append("  lease_ttl_millis: ").append(c.leaseTtlMillis()).append('\n');
        y.append("  stale_ttl_seconds: ").append(c.staleTtlSeconds()).append('\n');
        y.append("  max_wait_millis: ").append(c.maxWaitMillis()).append('\n');
        y.append("  max_entries: ").append(c.maxEntries()).append('\n');
        Topology.FeedConfig f = t.feed();
        y.append("feed:\n");
        y.append("  fanout_threshold: ").append(f.fanoutThreshold()).append('\n');
        y.append("  cap: ").append(f.cap()).append('\n');
        y.append("  fanout_batch: ").append(f.fanoutBatch()).append('\n');
        Topology.LimitsConfig l = t.limits();
        y.append("limits:\n");
        y.append("  max_status_chars: ").append(l.maxStatusChars()).append('\n');
        y.append("  max_media_bytes: ").append(l.maxMediaBytes()).append('\n');
        y.append("  max_media_per_status: ").append(l.maxMediaPerStatus()).append('\n');
        y.append("  max_page_size: ").append(l.maxPageSize()).append('\n');
        y.append("  requests_per_5min: ").append(l.requestsPer5Min()).append('\n');
        Topology.AdmissionConfig a = t.admission();
        y.append("admission:\n");
        y.append("  max_in_flight: ").append(a.maxInFlight()).append('\n');
        y.append("  queue_timeout_ms: ").append(a.queueTimeoutMillis()).append('\n');
        y.append("  congested_timeout_ms: ").append(a.congestedTimeoutMillis()).append('\n');
        Topology.TasksConfig k = t.tasks();
        y.append("tasks:\n");
        y.append("  max_attempts: ").append(k.maxAttempts()).append('\n');
        y.append("  poll_millis: ").append(k.pollMillis()).append('\n');
        y.append("  visibility_millis: ").append(k.visibilityMillis()).append('\n');
        y.append("  base_backoff_millis: ").append(k.baseBackoffMillis()).append('\n');
        y.append("  concurrency: ").append(k.concurrency()).append('\n');
        y.append("  repair_interval_seconds: ").append(k.repairIntervalSeconds()).append('\n');
        Topology.MediaConfig m = t.media();
        y.append("media:\n");
        y.append("  max_pixels: ").append(m.maxPixels()).append('\n');
        y.append("  task_above_pixels: ").append(m.taskAbovePixels()).append('\n');
        y.append("  processor: ").append(q(m.processor())).append('\n');
        if (m.cdnBaseUrl() != null) {
            y.append("  cdn_base_url: ").append(q(m.cdnBaseUrl())).append('\n');
        }
        if (!t.regions().isEmpty()) {
            y.append("regions:\n");
            for (Topology.RegionConfig r : t.regions()) {
                y.append("  ").append(q(r.name())).append(":\n");
                y.append("    app_ports: ").append(r.appPorts()).append('\n');
                if (r.memcached() != null) {
                    y.append("    memcached:\n");
                    y.append("      servers: ").append(hostPorts(r.memcached().servers())).append('\n');
                    y.append("      gutter: ").append(hostPorts(r.memcached().gutter())).append('\n');
                }
                if (r.rabbitmqUri() != null) {
                    y.append("    rabbitmq: ").append(q(r.rabbitmqUri())).append('\n');
                }
                Topology.CassandraConfig cs = r.cassandra();
                if (cs != null) {
                    y.append("    cassandra:\n");
                    y.append("      contact_points: ").append(hostPorts(cs.contactPoints())).append('\n');
                    y.append("      local_dc: ").append(q(cs.localDc())).append('\n');
                    y.append("      keyspace: ").append(q(cs.keyspace())).append('\n');
                    y.append("      replication_factor: ").append(cs.replicationFactor()).append('\n');
                    y.append("      write_consistency: ").append(q(cs.writeConsistency())).append('\n');
                    y.append("      read_consistency: ").append(q(cs.readConsistency())).append('\n');
                }
            }
        }
        return y.toString();
    }

    private static String hostPorts(List<Topology.HostPort> l) {
        return l.stream().map(h -> q(h.toString())).collect(Collectors.joining(", ", "[", "]"));
    }

    /** A double-quoted YAML scalar: JSON's string syntax is a subset of it. */
    private static String q(String s) {
        return Json.string(s == null ? "" : s);
    }
}
