package dev.scalegram.bench;

import dev.scalegram.config.Topology;
import java.net.URI;

/**
 * The server a scenario measures over HTTP: one the bench started as a child process (and stops on {@link #close()}),
 * or a running one named with {@code --target}. Scenarios that only send requests use this and nothing else, so they
 * run the same against the embedded server and against a {@code cluster up} topology.
 */
interface ServerUnderTest extends AutoCloseable {

    /** The base URL, ending in {@code /}. */
    URI base();

    /**
     * The server process's peak resident set size so far (VmHWM), in bytes, or -1 when it cannot be known. Read from
     * the server's own {@code /metrics}, so it works for a server the bench did not start.
     */
    long peakRssBytes();

    /** The server's {@code /metrics} text now (read gauges with {@code ChildServer.gauge}); empty if unreachable. */
    default String metrics() {
        return ChildServer.metrics(base());
    }

    /** What the server is, for the result's params: "embedded, child process pid 1234", a URL, a topology file. */
    String describe();

    /**
     * The topology through which the bench reaches this server's databases directly (for a baseline that queries
     * them itself): the server's own, with an embedded PostgreSQL replaced by the address it listens on while the
     * server runs.
     */
    default Topology storage() {
        throw new UnsupportedOperationException("this server does not say where its databases are");
    }

    /** The server process's id when the bench started it (so it runs on this machine), else -1. */
    default long processId() {
        return -1;
    }

    /** Stops the server if the bench started it; a no-op for a {@code --target}. */
    @Override
    void close();
}
