package dev.scalegram.bench;

import dev.scalegram.config.Topology;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a scenario runs with: where servers keep their data, what to measure ({@code --target}, {@code --topology}),
 * its parameters and a log. It also starts the servers a scenario measures over HTTP ({@link #serve}), and remembers
 * what they were and how much memory they used, for the result.
 */
final class BenchContext {

    private final Path workDir;
    private final URI target;
    private final Topology topology;
    private final Path topologyFile;
    private final Params params;
    private final PrintStream log;
    private final List<String> served = new ArrayList<>();
    private long serverPeakRss = -1;

    /**
     * @param workDir where servers the bench starts keep their data; removed after each server stops
     * @param target a server to measure that the bench did not start, or null (only for scenarios that support it)
     * @param topology the topology the bench's own servers start from: the embedded one unless {@code --topology}
     * @param topologyFile the file {@code topology} was read from, or null for the embedded one
     * @param params the scenario's parameters; notes added while running go into the result
     * @param log progress and diagnostics, for a human watching
     */
    BenchContext(Path workDir, URI target, Topology topology, Path topologyFile, Params params, PrintStream log) {
        this.workDir = workDir;
        this.target = target;
        this.topology = topology;
        this.topologyFile = topologyFile;
        this.params = params;
        this.log = log;
    }

    BenchContext(Path workDir, URI target, Topology topology, Params params, PrintStream log) {
        this(workDir, target, topology, null, params, log);
    }

    Path workDir() {
        return workDir;
    }

    URI target() {
        return target;
    }

    Topology topology() {
        return topology;
    }

    Path topologyFile() {
        return topologyFile;
    }

    Params params() {
        return params;
    }

    PrintStream log() {
        return log;
    }

    /**
     * Starts a server of the bench's own on {@code t} in this JVM, with a data dir under {@link #workDir()} named
     * after {@code name}: for scenarios that time in-process paths too.
     */
    BenchServer startServer(String name, Topology t) {
        return BenchServer.start(t, dataDir(name), log);
    }

    /**
     * What the cache of {@code t} is, for a result's params: the in-process cache, or the memcached pool of its
     * region.
     */
    static String describeCache(Topology t) {
        return t.localRegion().map(Topology.RegionConfig::memcached)
                .map(m -> "memcached " + m.servers().stream().map(h -> h.host() + ":" + h.port()).toList()
                        + " (meta protocol: leases by mg N, invalidation by md I)")
                .orElse("the in-process lease cache");
    }

    /**
     * A username for an account a scenario makes, unique per run: on a topology's databases, which outlive the run,
     * the previous run's account still holds the plain name.
     */
    String username(String base) {
        return topologyFile == null ? base
                : base + "_" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
    }

    private Path dataDir(String name) {
        return workDir.resolve(name + "-" + ProcessHandle.current().pid());
    }

    /** Writes a dataset into a server's storage before the server serves; returns what the scenario needs of it. */
    @FunctionalInterface
    interface Seeder<T> {
        T seed(dev.scalegram.server.Scalegram storage) throws Exception;
    }

    /** A dataset and the server that serves it. Closing stops the server (if the bench started it). */
    record Served<T>(T data, ServerUnderTest server) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
        }
    }

    /**
     * Seeds {@code t}'s storage with {@code seeder}, then starts a server on it (or, with {@code --target}, uses that
     * one) for the scenario to measure over HTTP. The server runs with {@link BenchServer#forBench} settings.
     *
     * <ul>
     *   <li>No {@code --target}: the seeder runs on a server in this JVM, which then stops; the server measured is a
     *       child process ({@link ChildServer}) on the same data dir, so it finds what was seeded (an embedded
     *       PostgreSQL's files are in that dir) and has its CPU and memory to itself.
     *   <li>{@code --target URL}: the seeder writes through {@code --topology}, which must be the topology the target
     *       runs on (its databases, caches and feed store); then the target is measured as it is.
     * </ul>
     */
    <T> Served<T> serve(String name, Topology t, Seeder<T> seeder) throws Exception {
        Topology bench = BenchServer.forBench(t);
        if (target != null) {
            if (topologyFile == null) {
                throw new IllegalArgumentException("--target needs --topology FILE, the topology the target runs on: "
                        + "the scenario writes its dataset into the target's storage first (for example --target "
                        + "http://localhost:8081 --topology docs/cluster.default.yaml after ./scalegram cluster up)");
            }
            if (bench.postgres().servers().stream().anyMatch(Topology.PgServer::embedded)) {
                throw new IllegalArgumentException("--target with a topology whose PostgreSQL is embedded: that "
                        + "database lives inside the target's process, out of the bench's reach; give the topology "
                        + "of servers both can reach (e.g. docs/cluster.default.yaml after ./scalegram cluster up)");
            }
        }
        Path dataDir = dataDir(name);
        Path logFile = workDir.resolve(name + "-" + ProcessHandle.current().pid() + ".log");
        T data;
        long t0 = System.nanoTime();
        try (BenchServer seeding = BenchServer.start(bench, dataDir, log, true)) {
            data = seeder.seed(seeding.app());
        } catch (Exception | Error e) {
            BenchServer.deleteTree(dataDir);
            throw e;
        }
        log.printf("  seeded in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        if (target != null) {
            URI base = target.toString().endsWith("/") ? target : URI.create(target + "/");
            String what = base + " (seeded through " + topologyFile + ")";
            served.add(what);
            return new Served<>(data, new ServerUnderTest() {
                private boolean closed;

                @Override
                public URI base() {
                    return base;
                }

                @Override
                public long peakRssBytes() {
                    return ChildServer.peakRssBytes(base);
                }

                @Override
                public String describe() {
                    return what;
                }

                @Override
                public Topology storage() {
                    return bench;
                }

                @Override
                public synchronized void close() {
                    if (!closed) {
                        closed = true;
                        recordPeakRss(peakRssBytes());
                        BenchServer.deleteTree(dataDir); // what the seeding server kept locally (media)
                    }
                }
            });
        }
        ChildServer child;
        try {
            child = ChildServer.start(bench, dataDir, logFile, log);
        } catch (RuntimeException e) {
            BenchServer.deleteTree(dataDir);
            throw e;
        }
        String what = (topologyFile == null ? "embedded" : "topology " + topologyFile) + ", child process pid "
                + child.pid() + " (java " + String.join(" ", ChildServer.JVM_FLAGS) + ")";
        served.add(what);
        return new Served<>(data, new ServerUnderTest() {
            private boolean closed;

            @Override
            public URI base() {
                return child.base();
            }

            @Override
            public long peakRssBytes() {
                return child.peakRssBytes();
            }

            @Override
            public String describe() {
                return what;
            }

            @Override
            public Topology storage() {
                return child.storage(bench);
            }

            @Override
            public long processId() {
                return child.pid();
            }

            @Override
            public synchronized void close() {
                if (closed) {
                    return;
                }
                closed = true;
                recordPeakRss(child.peakRssBytes());
                boolean clean = child.stop();
                child.close();
                BenchServer.deleteTree(dataDir);
                // Kept beside the results: what the server logged under load (a cache server marked down, pool
                // timeouts) explains numbers the JSON alone cannot.
                Path kept = workDir.toAbsolutePath().getParent().resolve(name + "-server.log");
                try {
                    Files.move(logFile, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    log.println("  server log: " + kept + (clean ? "" : " (the server process did not stop cleanly)"));
                } catch (java.io.IOException e) {
                    log.println("  the server's log stays at " + logFile + ": " + e.getMessage());
                }
            }
        });
    }

    private synchronized void recordPeakRss(long bytes) {
        serverPeakRss = Math.max(serverPeakRss, bytes);
    }

    /** The largest peak RSS among the servers {@link #serve} handed out, read as each closed; -1 if none said. */
    synchronized long serverPeakRssBytes() {
        return serverPeakRss;
    }

    /** What {@link #serve} measured, one line per server. */
    synchronized List<String> servedDescriptions() {
        return List.copyOf(served);
    }
}
