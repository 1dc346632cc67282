package dev.scalegram.bench;

import dev.scalegram.config.Topology;
import dev.scalegram.config.TopologyFile;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs one scenario and assembles its result: machine facts around it, effective parameters, timing. */
final class BenchRunner {

    private BenchRunner() {}

    static BenchResult run(Scenario s, Path outDir, Map<String, String> overrides, URI target, Path topologyFile,
            PrintStream log) throws Exception {
        if (target != null && !s.supportsTarget()) {
            throw new UnsupportedOperationException("--target is not supported for scenario " + s.name()
                    + ": it times in-process paths that only a server in the bench's own JVM exposes (--topology FILE "
                    + "runs that server on the topology's engines)");
        }
        if (topologyFile != null && !s.supportsTopology()) {
            throw new UnsupportedOperationException("--topology is not supported for scenario " + s.name()
                    + ": it times in-process paths of an embedded server in the bench's own JVM");
        }
        Params params = new Params(s.defaults(), overrides);
        Topology topology = topologyFile == null ? Topology.embedded() : TopologyFile.load(topologyFile);
        Machine machine = Machine.current();
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        log.printf("bench %s: %s%n  machine: %d cores, %s, load average %s%n", s.name(), s.summary(),
                machine.cores(), machine.cpuModel(), machine.loadAverage());
        Path work = outDir.resolve("work");
        BenchContext ctx = new BenchContext(work, target, topology, topologyFile, params, log);
        Scenario.Outcome o;
        try {
            o = s.run(ctx);
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(work); // each server removed its own data; drop the empty parent
            } catch (java.io.IOException notEmpty) {
                // something else is in there (a log kept after a failure): leave it
            }
        }
        Map<String, Object> results = new LinkedHashMap<>(o.results());
        if (!results.containsKey("server_peak_rss_mb")) {
            long served = ctx.serverPeakRssBytes();
            if (served > 0) {
                results.put("server_peak_rss_mb", mib(served));
                params.note("server_peak_rss", "VmHWM, in MiB, of the server process the scenario measured, read "
                        + "from its /metrics (process_memory_peak_rss_bytes) before it stopped; the largest if there "
                        + "were several. The server's JVM only: PostgreSQL and other engines are processes of their "
                        + "own");
            } else {
                long own = (long) dev.scalegram.ops.OpsEndpoints.procStatusBytes("VmHWM:");
                if (own > 0) {
                    results.put("server_peak_rss_mb", mib(own));
                    params.note("server_peak_rss", "this scenario runs its server in the bench's own JVM, so this is "
                            + "that JVM's peak (VmHWM, in MiB): the server and the load generator together. "
                            + "PostgreSQL is a process of its own and not included");
                }
            }
        }
        Map<String, Object> m = machine.toMap();
        m.put("load_average_at_end", Machine.currentLoadAverage());
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("started_at", started.toString());
        p.put("wall_seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
        List<String> served = ctx.servedDescriptions();
        if (!served.isEmpty()) {
            p.put("server", served.size() == 1 ? served.getFirst() : served);
        } else {
            p.put("server", "embedded, in the bench's JVM (" + topology.logicalShards()
                    + " logical shards on one PostgreSQL 18)");
        }
        p.putAll(params.asMap());
        return new BenchResult(s.name(), m, p, results, o.ratios(), o.chart());
    }

    /** Bytes in MiB, to one decimal, as results report memory. */
    static double mib(long bytes) {
        return Math.round(bytes / (1024.0 * 1024) * 10) / 10.0;
    }
}
