package dev.scalegram.bench;

import dev.scalegram.config.Topology;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;

/**
 * What a scenario runs with.
 *
 * @param workDir where servers the bench starts keep their data; removed after each server stops
 * @param target a server to measure that the bench did not start, or null (only for scenarios that support it)
 * @param topology the topology the bench's own servers start from: the embedded one unless {@code --topology}
 * @param params the scenario's parameters; notes added while running go into the result
 * @param log progress and diagnostics, for a human watching
 */
record BenchContext(Path workDir, URI target, Topology topology, Params params, PrintStream log) {

    /**
     * Starts a server of the bench's own on {@code t}, with a data dir under {@link #workDir()} named after
     * {@code name}.
     */
    BenchServer startServer(String name, Topology t) {
        return BenchServer.start(t, workDir.resolve(name + "-" + ProcessHandle.current().pid()), log);
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
     * Seeds {@code t}'s storage with {@code seeder}, then starts a server on it (or, with {@code --target}, uses
     * that one) for the scenario to measure over HTTP.
     */
    <T> Served<T> serve(String name, Topology t, Seeder<T> seeder) throws Exception {
        // For now: in this JVM, seeding through the same server that then serves.
        BenchServer s = startServer(name, t);
        try {
            T data = seeder.seed(s.app());
            return new Served<>(data, new ServerUnderTest() {
                @Override
                public URI base() {
                    return s.base();
                }

                @Override
                public long peakRssBytes() {
                    return -1;
                }

                @Override
                public String describe() {
                    return "embedded, in the bench's JVM";
                }

                @Override
                public void close() {
                    s.close();
                }
            });
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
    }
}
