package dev.scalegram.bench;

import dev.scalegram.config.Topology;
import dev.scalegram.config.TopologyFile;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs one scenario and assembles its result: machine facts around it, effective parameters, timing. */
final class BenchRunner {

    private BenchRunner() {}

    static BenchResult run(Scenario s, Path outDir, Map<String, String> overrides, URI target, Path topologyFile,
            PrintStream log) throws Exception {
        if (target != null && !s.supportsTarget()) {
            throw new UnsupportedOperationException("--target is not supported yet for scenario " + s.name()
                    + ": it starts its own embedded server");
        }
        if (topologyFile != null && !s.supportsTopology()) {
            throw new UnsupportedOperationException("--topology is not supported yet for scenario " + s.name()
                    + ": it starts its own embedded server");
        }
        Params params = new Params(s.defaults(), overrides);
        Topology topology = topologyFile == null ? Topology.embedded() : TopologyFile.load(topologyFile);
        Machine machine = Machine.current();
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        log.printf("bench %s: %s%n  machine: %d cores, %s, load average %s%n", s.name(), s.summary(),
                machine.cores(), machine.cpuModel(), machine.loadAverage());
        Path work = outDir.resolve("work");
        Scenario.Outcome o;
        try {
            o = s.run(new BenchContext(work, target, topology, params, log));
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(work); // each server removed its own data; drop the empty parent
            } catch (java.io.IOException notEmpty) {
                // something else is in there: leave it
            }
        }
        Map<String, Object> m = machine.toMap();
        m.put("load_average_at_end", Machine.currentLoadAverage());
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("started_at", started.toString());
        p.put("wall_seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
        p.put("server", target != null ? target.toString()
                : "embedded, started by the bench (" + topology.logicalShards() + " logical shards on one PostgreSQL 18)");
        p.putAll(params.asMap());
        return new BenchResult(s.name(), m, p, o.results(), o.ratios(), o.chart());
    }
}
