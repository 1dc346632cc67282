package dev.scalegram.bench;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code scalegram bench SCENARIO}: runs one benchmark scenario and writes {@code DIR/SCENARIO.json} and
 * {@code DIR/SCENARIO.svg}. With no {@code --target} it starts its own servers (and removes their data after).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, modelTransformer = BenchCommand.ListScenarios.class,
        description = "Run a benchmark scenario and write DIR/SCENARIO.json and DIR/SCENARIO.svg.")
public final class BenchCommand implements Callable<Integer> {

    /** The help lists every scenario with its summary, from {@link Scenario#all()}, so it cannot go stale. */
    static final class ListScenarios implements CommandLine.IModelTransformer {
        @Override
        public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
            List<String> lines = new ArrayList<>(List.of(spec.usageMessage().description()));
            lines.add("Scenarios:");
            int w = Scenario.all().stream().mapToInt(s -> s.name().length()).max().orElse(8);
            for (Scenario s : Scenario.all()) {
                lines.add(String.format("  %-" + w + "s  %s", s.name(), s.summary()));
            }
            lines.add("With no --target, each seeds its data and starts its own server on a real PostgreSQL 18 under "
                    + "DIR/work (removed afterwards): counter and herd in the bench's JVM, the others as a child "
                    + "process. Each takes about 2-3 minutes on 2 cores. See docs/benchmarks.md.");
            spec.usageMessage().description(lines.toArray(String[]::new));
            return spec;
        }
    }

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "a scenario name (listed above)")
    String scenario;

    @Option(names = "--out", defaultValue = "bench-results", paramLabel = "DIR",
            description = "where results go (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--target", paramLabel = "URL",
            description = "measure this running server instead of starting one. The scenario still seeds its "
                    + "dataset first, into the target's storage: give --topology too, the topology the target runs "
                    + "on (e.g. --target http://localhost:8081 --topology docs/cluster.default.yaml after "
                    + "./scalegram cluster up). The target's request limit still applies (the bench's own servers "
                    + "run without it): raise limits.requests_per_5min or set it to 0 if requests answer 429. Not "
                    + "for counter and herd: they time in-process paths (give them --topology alone)")
    URI target;

    @Option(names = "--topology", paramLabel = "FILE",
            description = "seed and start the bench's server on this topology instead of the embedded one (with "
                    + "--target: the topology the target runs on). counter and herd run their server in the bench's "
                    + "JVM on it, so the cache they time is the topology's memcached")
    Path topology;

    @Option(names = {"-p", "--param"}, paramLabel = "NAME=VALUE",
            description = "override a scenario parameter, e.g. -p likes=100000 -p count_seconds=10 (every parameter "
                    + "and its value is listed under params in the result JSON)")
    Map<String, String> params = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        PrintStream log = System.err;
        Scenario s = Scenario.named(scenario);
        if (s == null) {
            log.println("bench: no scenario '" + scenario + "' (known: "
                    + String.join(", ", Scenario.all().stream().map(Scenario::name).toList()) + ")");
            return 2;
        }
        BenchResult r;
        try {
            r = BenchRunner.run(s, out, params, target, topology, log);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            log.println("bench: " + e.getMessage());
            return 2;
        }
        r.write(out);
        System.out.println("ratios: " + r.ratios());
        System.out.println("wrote " + r.jsonFile(out) + " and " + r.chartFile(out));
        return 0;
    }
}
