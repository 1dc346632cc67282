package dev.scalegram.bench;

import dev.scalegram.config.Topology;
import dev.scalegram.graph.Graph;
import dev.scalegram.server.Scalegram;
import dev.scalegram.server.ServeOptions;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A Scalegram server the bench starts in its own JVM, for one measurement or to seed a dataset, with a data dir of its
 * own that is deleted when it stops (unless a child server is to serve that data next). A JVM stopped by Ctrl-C still
 * stops its PostgreSQL (a shutdown hook), so a bench leaves nothing running.
 */
final class BenchServer implements AutoCloseable {

    private final Scalegram app;
    private final Path dataDir;
    private final boolean keepData;
    private final Thread hook;
    private boolean closed;

    private BenchServer(Scalegram app, Path dataDir, boolean keepData) {
        this.app = app;
        this.dataDir = dataDir;
        this.keepData = keepData;
        // Stopped by Ctrl-C, nothing will serve the data any more: remove it even when it was to be kept.
        this.hook = new Thread(() -> {
            stop();
            deleteTree(dataDir);
        }, "bench-server-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * The topology the bench runs a server with: {@code base} without the per-client request limit (a load generator
     * is one client sending far more than 7500 requests in 5 minutes) and without the hourly inverse repair scan (the
     * counter's bulk likes write only the first end of each edge; a repair pass in the middle would add its own load).
     */
    static Topology forBench(Topology base) {
        Topology.LimitsConfig l = base.limits();
        Topology.TasksConfig t = base.tasks();
        return base.withLimits(new Topology.LimitsConfig(l.maxStatusChars(), l.maxMediaBytes(), l.maxMediaPerStatus(),
                        l.maxPageSize(), 0))
                .withTasks(new Topology.TasksConfig(t.maxAttempts(), t.pollMillis(), t.visibilityMillis(),
                        t.baseBackoffMillis(), t.concurrency(), 0));
    }

    static BenchServer start(Topology topology, Path dataDir, PrintStream log) {
        return start(topology, dataDir, log, false);
    }

    /** @param keepData leave the data dir in place on stop, for the next server to serve (the caller removes it) */
    static BenchServer start(Topology topology, Path dataDir, PrintStream log, boolean keepData) {
        deleteTree(dataDir); // a run killed with -9 leaves its data behind; start clean
        long t0 = System.nanoTime();
        Scalegram app = Scalegram.start(new ServeOptions(topology, dataDir.toAbsolutePath(), 0));
        log.printf("  server up on port %d in %d ms (data in %s)%n", app.port(), (System.nanoTime() - t0) / 1_000_000,
                dataDir);
        return new BenchServer(app, dataDir, keepData);
    }

    Scalegram app() {
        return app;
    }

    Graph graph() {
        return app.graph();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + app.port() + "/");
    }

    /** The value of a counter in the server's registry, summed over its tags; 0 if it was never registered. */
    double counter(String name) {
        return app.registry().find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    private synchronized void stop() {
        if (closed) {
            return;
        }
        closed = true;
        app.close();
        if (!keepData) {
            deleteTree(dataDir);
        }
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

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
