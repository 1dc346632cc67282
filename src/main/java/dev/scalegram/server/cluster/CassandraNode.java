package dev.scalegram.server.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One real Cassandra 5 node, run as a child process from the cassandra-all jars (Cassandra is not packaged for Debian)
 * on a JDK 17 (Cassandra 5 runs on 11 and 17, not on the JDK 25 Scalegram uses). Everything the node needs is written
 * under its data directory: {@code conf/} (cassandra.yaml, cassandra-rackdc.properties, logback.xml), the data, the
 * commit log, {@code logs/} and {@code cassandra.pid}.
 *
 * <p>{@link #start} returns once the CQL port accepts connections. A node that already answers on that port (left by
 * an earlier run, or started by another process) is reused rather than started twice; {@link #reused()} says which.
 */
public final class CassandraNode {

    /** The heap a node gets unless told otherwise: enough for tests and a small cluster on a 2-core machine. */
    public static final int DEFAULT_HEAP_MB = 768;
    /** Nodes share small machines with PostgreSQL, memcached and the app: never more than this. */
    public static final int MAX_HEAP_MB = 1024;

    private static final String PID_FILE = "cassandra.pid";
    private static final String DAEMON = "org.apache.cassandra.service.CassandraDaemon";

    /**
     * Where and how a node runs.
     *
     * @param libDir the cassandra-all jar and its runtime dependencies
     * @param dataDir everything of this node: config, data, commit log, logs, pid file
     * @param javaHome a JDK 17; null to find one under /usr/lib/jvm
     * @param seeds the seed list ({@code host:storagePort,...}); null for the node itself
     */
    public record Options(Path libDir, Path dataDir, Path javaHome, String address, int nativePort, int storagePort,
                          int jmxPort, String clusterName, String dc, String rack, String seeds, int heapMb,
                          Duration startTimeout) {

        public Options {
            libDir = libDir.toAbsolutePath();
            dataDir = dataDir.toAbsolutePath();
            if (heapMb < 256 || heapMb > MAX_HEAP_MB) {
                throw new IllegalArgumentException("heap must be 256.." + MAX_HEAP_MB + " MB, got " + heapMb);
            }
        }

        /** A single-node cluster "scalegram" on 127.0.0.1 with Cassandra's default ports, DC "dc1". */
        public static Options of(Path libDir, Path dataDir) {
            return new Options(libDir, dataDir, null, "127.0.0.1", 9042, 7000, 7199, "scalegram", "dc1", "rack1",
                    null, DEFAULT_HEAP_MB, Duration.ofMinutes(3));
        }

        public Options withPorts(int nativePort, int storagePort, int jmxPort) {
            return new Options(libDir, dataDir, javaHome, address, nativePort, storagePort, jmxPort, clusterName, dc,
                    rack, seeds, heapMb, startTimeout);
        }

        public Options withAddress(String address) {
            return new Options(libDir, dataDir, javaHome, address, nativePort, storagePort, jmxPort, clusterName, dc,
                    rack, seeds, heapMb, startTimeout);
        }

        public Options withDc(String dc) {
            return new Options(libDir, dataDir, javaHome, address, nativePort, storagePort, jmxPort, clusterName, dc,
                    rack, seeds, heapMb, startTimeout);
        }

        public Options withSeeds(String seeds) {
            return new Options(libDir, dataDir, javaHome, address, nativePort, storagePort, jmxPort, clusterName, dc,
                    rack, seeds, heapMb, startTimeout);
        }

        public Options withHeapMb(int heapMb) {
            return new Options(libDir, dataDir, javaHome, address, nativePort, storagePort, jmxPort, clusterName, dc,
                    rack, seeds, heapMb, startTimeout);
        }

        public Options withJavaHome(Path javaHome) {
            return new Options(libDir, dataDir, javaHome, address, nativePort, storagePort, jmxPort, clusterName, dc,
                    rack, seeds, heapMb, startTimeout);
        }

        public Options withStartTimeout(Duration startTimeout) {
            return new Options(libDir, dataDir, javaHome, address, nativePort, storagePort, jmxPort, clusterName, dc,
                    rack, seeds, heapMb, startTimeout);
        }

        public InetSocketAddress nativeAddress() {
            return new InetSocketAddress(address, nativePort);
        }
    }

    private final Options options;
    private final boolean reused;
    private final long pid;
    private final Duration startTime;

    private CassandraNode(Options options, boolean reused, long pid, Duration startTime) {
        this.options = options;
        this.reused = reused;
        this.pid = pid;
        this.startTime = startTime;
    }

    /**
     * Starts the node and waits until its CQL port accepts connections, or reuses the node already answering there.
     *
     * @param progress one-line messages while waiting (every 10 s) and when up
     * @throws IllegalStateException when the jars or a JDK 17 are missing, or the node exits or does not come up in
     *     time (the message carries the tail of its logs)
     */
    public static CassandraNode start(Options o, Consumer<String> progress) {
        long t0 = System.nanoTime();
        if (answers(o.nativeAddress())) {
            progress.accept("cassandra: reusing the node already on " + hostPort(o));
            return new CassandraNode(o, true, livePid(o.dataDir()).orElse(-1), Duration.ZERO);
        }
        // A node of this data dir still starting (e.g. an interrupted run's): wait for it instead of starting a second
        // one, which would only fail on its ports.
        OptionalLong startingPid = livePid(o.dataDir());
        Optional<ProcessHandle> starting = startingPid.isPresent() ? ProcessHandle.of(startingPid.getAsLong())
                : Optional.empty();
        if (starting.isPresent()) {
            ProcessHandle h = starting.get();
            progress.accept("cassandra: a node of " + o.dataDir() + " is starting (pid " + h.pid() + "); waiting");
            awaitUp(o, h, t0, progress);
            return new CassandraNode(o, true, h.pid(), Duration.ofNanos(System.nanoTime() - t0));
        }
        requireJars(o.libDir());
        Path java = javaHome(o).resolve("bin/java");
        writeConfig(o);
        Path logs = o.dataDir().resolve("logs");
        List<String> cmd = command(o, java);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(o.dataDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true)
                // JVM crashes and anything printed before logback starts; logback itself writes logs/system.log.
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("console.log").toFile()));
        Process p;
        try {
            p = pb.start();
            Files.writeString(o.dataDir().resolve(PID_FILE), Long.toString(p.pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("starting Cassandra: " + String.join(" ", cmd), e);
        }
        progress.accept("cassandra: starting a node on " + hostPort(o) + " (dc " + o.dc() + ", heap " + o.heapMb()
                + " MB, pid " + p.pid() + ", data " + o.dataDir() + ")");
        try {
            awaitUp(o, p.toHandle(), t0, progress);
        } catch (RuntimeException e) {
            kill(p.toHandle(), Duration.ofSeconds(10));
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        progress.accept(String.format(Locale.ROOT, "cassandra: up on %s in %.1f s", hostPort(o),
                took.toMillis() / 1000.0));
        return new CassandraNode(o, false, p.pid(), took);
    }

    /** True when this process found the node already running instead of starting it. */
    public boolean reused() {
        return reused;
    }

    /** How long the start took (zero for a reused node). */
    public Duration startTime() {
        return startTime;
    }

    public Options options() {
        return options;
    }

    public InetSocketAddress nativeAddress() {
        return options.nativeAddress();
    }

    /** The node's pid, or -1 when it was reused and its pid file names no live node of this data dir. */
    public long pid() {
        return pid;
    }

    /** Stops the node (SIGTERM: Cassandra flushes and exits; SIGKILL after the timeout). */
    public void stop(Duration timeout) {
        stop(options.dataDir(), timeout);
    }

    /**
     * Stops the node whose pid file is in {@code dataDir}, if it is running; for {@code cluster down}, which did not
     * start the node in this process.
     *
     * @return true when a node was running
     */
    public static boolean stop(Path dataDir, Duration timeout) {
        OptionalLong pid = livePid(dataDir.toAbsolutePath());
        boolean running = false;
        if (pid.isPresent()) {
            Optional<ProcessHandle> h = ProcessHandle.of(pid.getAsLong());
            if (h.isPresent()) {
                running = true;
                kill(h.get(), timeout);
            }
        }
        try {
            Files.deleteIfExists(dataDir.toAbsolutePath().resolve(PID_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return running;
    }

    /** The JDK 17 to run Cassandra on: Debian's when present, else any JDK 17 under /usr/lib/jvm. */
    public static Optional<Path> findJdk17() {
        Path debian = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
        if (isJdk17(debian)) {
            return Optional.of(debian);
        }
        try (Stream<Path> dirs = Files.list(Path.of("/usr/lib/jvm"))) {
            return dirs.filter(CassandraNode::isJdk17).sorted().findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean isJdk17(Path home) {
        Path release = home.resolve("release");
        if (!Files.isExecutable(home.resolve("bin/java")) || !Files.isRegularFile(release)) {
            return false;
        }
        try {
            return Files.readAllLines(release).stream().anyMatch(l -> l.startsWith("JAVA_VERSION=\"17"));
        } catch (IOException e) {
            return false;
        }
    }

    private static Path javaHome(Options o) {
        if (o.javaHome() != null) {
            if (!isJdk17(o.javaHome())) {
                throw new IllegalStateException(o.javaHome() + " is not a JDK 17 (Cassandra 5 runs on 11 or 17)");
            }
            return o.javaHome();
        }
        return findJdk17().orElseThrow(() -> new IllegalStateException(
                "Cassandra 5 needs a JDK 17 and none is under /usr/lib/jvm"
                        + " (apt-get install -y openjdk-17-jre-headless)"));
    }

    private static void requireJars(Path libDir) {
        boolean present;
        try (Stream<Path> jars = Files.isDirectory(libDir) ? Files.list(libDir) : Stream.empty()) {
            present = jars.anyMatch(j -> j.getFileName().toString().startsWith("cassandra-all-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!present) {
            throw new IllegalStateException("no cassandra-all jar in " + libDir + ": run ./scalegram test, which copies"
                    + " Cassandra's jars there (mvnw -f .ci/cassandra/pom.xml dependency:copy-dependencies)");
        }
    }

    private static List<String> command(Options o, Path java) {
        Path conf = o.dataDir().resolve("conf");
        List<String> cmd = new ArrayList<>();
        // A session of its own (setsid execs in place, so the pid stays the JVM's): a node that `cluster up` leaves
        // running must not get the Ctrl-C of the terminal that started it.
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(java.toString());
        // A small initial heap keeps the resident size down on small machines; the maximum sizes the memtables.
        cmd.add("-Xms" + Math.min(256, o.heapMb()) + "m");
        cmd.add("-Xmx" + o.heapMb() + "m");
        cmd.add("-XX:+UseG1GC");
        cmd.add("-XX:+ParallelRefProcEnabled");
        cmd.add("-XX:MaxGCPauseMillis=300");
        cmd.add("-XX:+PerfDisableSharedMem");
        // A node that ran out of heap may have half-applied writes in memory: better dead (and restarted) than wrong.
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-Djava.net.preferIPv4Stack=true");
        cmd.add("-Dcassandra.config=" + conf.resolve("cassandra.yaml").toUri());
        cmd.add("-Dcassandra-foreground=yes");
        cmd.add("-Dcassandra.storagedir=" + o.dataDir());
        cmd.add("-Dcassandra.logdir=" + o.dataDir().resolve("logs"));
        cmd.add("-Dcassandra.jmx.local.port=" + o.jmxPort());
        cmd.add("-Dcassandra.triggers_dir=" + o.dataDir().resolve("triggers"));
        // Without these a single node spends ~30 s waiting for a gossip ring that will never have anyone else in it.
        cmd.add("-Dcassandra.ring_delay_ms=1000");
        cmd.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
        cmd.add("-Dio.netty.tryReflectionSetAccessible=true");
        cmd.addAll(JPMS_FLAGS);
        cmd.add("-cp");
        cmd.add(conf + ":" + o.libDir() + "/*");
        cmd.add(DAEMON);
        return cmd;
    }

    /**
     * What Cassandra's own {@code conf/jvm17-server.options} opens up: without it the node dies at start on
     * {@code sun.nio.ch.DirectBuffer.cleaner} and friends.
     */
    private static final List<String> JPMS_FLAGS = List.of(
            "-Djdk.attach.allowAttachSelf=true",
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
            "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
            "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
            "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.io=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/java.util=ALL-UNNAMED");

    private static void writeConfig(Options o) {
        Path d = o.dataDir();
        Path conf = d.resolve("conf");
        String seeds = o.seeds() != null ? o.seeds() : o.address() + ":" + o.storagePort();
        String yaml = """
                # Written by Scalegram's CassandraNode on every start; edits are overwritten.
                cluster_name: '%s'
                num_tokens: 16
                partitioner: org.apache.cassandra.dht.Murmur3Partitioner
                endpoint_snitch: GossipingPropertyFileSnitch
                seed_provider:
                  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
                    parameters:
                      - seeds: "%s"
                listen_address: %s
                rpc_address: %s
                storage_port: %d
                native_transport_port: %d
                start_native_transport: true
                data_file_directories:
                  - %s
                commitlog_directory: %s
                saved_caches_directory: %s
                hints_directory: %s
                cdc_raw_directory: %s
                # Periodic fsync (Cassandra's default): a write is durable on a node within 10 s, and durable at once
                # only through its replicas. Batch mode would fsync every write, too slow for a shared VM.
                commitlog_sync: periodic
                commitlog_sync_period: 10000ms
                # A 2-core machine shared with the rest of the stack: few threads, small caches and memtables.
                concurrent_reads: 8
                concurrent_writes: 16
                concurrent_counter_writes: 4
                concurrent_materialized_view_writes: 2
                concurrent_compactors: 1
                memtable_flush_writers: 1
                memtable_heap_space: 128MiB
                memtable_offheap_space: 128MiB
                key_cache_size: 16MiB
                file_cache_size: 64MiB
                networking_cache_size: 16MiB
                native_transport_max_threads: 32
                compaction_throughput: 64MiB/s
                # Tests drop and truncate freely; snapshots of them would only fill the disk.
                auto_snapshot: false
                """.formatted(o.clusterName(), seeds, o.address(), o.address(), o.storagePort(), o.nativePort(),
                d.resolve("data"), d.resolve("commitlog"), d.resolve("saved_caches"), d.resolve("hints"),
                d.resolve("cdc_raw"));
        String rackdc = "dc=" + o.dc() + "\nrack=" + o.rack() + "\n";
        String logback = """
                <configuration>
                  <!-- Quiet: warnings and errors only, plus the few lines that tell how a start went. -->
                  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
                    <file>%s</file>
                    <encoder><pattern>%%d{ISO8601} %%-5level [%%thread] %%logger{1} - %%msg%%n</pattern></encoder>
                  </appender>
                  <logger name="org.apache.cassandra.service.CassandraDaemon" level="INFO"/>
                  <logger name="org.apache.cassandra.service.StorageService" level="INFO"/>
                  <root level="WARN"><appender-ref ref="FILE"/></root>
                </configuration>
                """.formatted(d.resolve("logs").resolve("system.log"));
        try {
            for (String dir : List.of("conf", "data", "commitlog", "saved_caches", "hints", "cdc_raw", "logs",
                    "triggers")) {
                Files.createDirectories(d.resolve(dir));
            }
            Files.writeString(conf.resolve("cassandra.yaml"), yaml);
            Files.writeString(conf.resolve("cassandra-rackdc.properties"), rackdc);
            Files.writeString(conf.resolve("logback.xml"), logback);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the node's config under " + conf, e);
        }
    }

    private static void awaitUp(Options o, ProcessHandle h, long t0, Consumer<String> progress) {
        long deadline = t0 + o.startTimeout().toNanos();
        long nextReport = t0 + TimeUnit.SECONDS.toNanos(10);
        while (!answers(o.nativeAddress())) {
            long now = System.nanoTime();
            if (!h.isAlive()) {
                throw new IllegalStateException("Cassandra (pid " + h.pid() + ") exited before listening on "
                        + hostPort(o) + "\n" + logTail(o.dataDir()));
            }
            if (now - deadline > 0) {
                throw new IllegalStateException("Cassandra (pid " + h.pid() + ") did not listen on " + hostPort(o)
                        + " within " + o.startTimeout().toSeconds() + " s\n" + logTail(o.dataDir()));
            }
            if (now - nextReport > 0) {
                progress.accept("cassandra: waiting for " + hostPort(o) + " ("
                        + TimeUnit.NANOSECONDS.toSeconds(now - t0) + " s)...");
                nextReport += TimeUnit.SECONDS.toNanos(10);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Cassandra", e);
            }
        }
    }

    private static boolean answers(InetSocketAddress a) {
        try (Socket s = new Socket()) {
            s.connect(a, 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The pid in the data dir's pid file, when that process is alive and really is a node of this data dir. */
    static OptionalLong livePid(Path dataDir) {
        Path file = dataDir.resolve(PID_FILE);
        long pid;
        try {
            pid = Long.parseLong(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        // Pids are recycled: only a process running Cassandra on this very data dir counts.
        String marker = "-Dcassandra.storagedir=" + dataDir;
        boolean ours = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .flatMap(h -> h.info().arguments())
                .map(args -> List.of(args).contains(marker) && List.of(args).contains(DAEMON))
                .orElse(false);
        return ours ? OptionalLong.of(pid) : OptionalLong.empty();
    }

    private static void kill(ProcessHandle h, Duration timeout) {
        h.destroy();
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            h.destroyForcibly();
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // Reported by the caller's next start, which would find the port still taken.
            }
        } catch (InterruptedException e) {
            h.destroyForcibly();
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String logTail(Path dataDir) {
        StringBuilder sb = new StringBuilder();
        for (String name : List.of("console.log", "system.log")) {
            Path f = dataDir.resolve("logs").resolve(name);
            sb.append("--- ").append(f).append(" (last lines) ---\n");
            try {
                // Decoded leniently: a crash can leave half a character at the end of the file.
                List<String> lines = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).lines().toList();
                lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(l -> sb.append(l).append('\n'));
            } catch (IOException e) {
                sb.append("(none: ").append(e.getMessage()).append(")\n");
            }
        }
        return sb.toString();
    }

    private static String hostPort(Options o) {
        return o.address() + ":" + o.nativePort();
    }
}
