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
}
