package dev.scalegram.bench;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code scalegram bench SCENARIO}: runs one benchmark scenario and writes {@code DIR/SCENARIO.json} and
 * {@code DIR/SCENARIO.svg}. With no {@code --target} it starts its own embedded server (and removes its data after).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Run a benchmark scenario and write DIR/SCENARIO.json and DIR/SCENARIO.svg.",
                "Scenarios:",
                "  counter  like count of a post with 1.2M likes: count(*) vs the denormalized count through the cache",
                "  herd     one hot key read by 500 clients, invalidated 50 times a second, leases on vs off",
                "Each starts its own embedded server (a real PostgreSQL 18 under DIR/work, removed afterwards) and "
                        + "takes about 2 minutes on 2 cores. See docs/benchmarks.md."})
public final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "counter | herd")
    String scenario;

    @Option(names = "--out", defaultValue = "bench-results", paramLabel = "DIR",
            description = "where results go (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--target", paramLabel = "URL",
            description = "measure a running server instead of starting one (not supported yet by counter and herd: "
                    + "they measure in-process paths too)")
    URI target;

    @Option(names = "--topology", paramLabel = "FILE",
            description = "start the bench's server on this topology instead of the embedded one (not supported yet "
                    + "by counter and herd)")
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
                    + String.join(", ", Scenario.all().stream().map(Scenario::name).toList())
                    + "; timeline, fanout and mix are planned)");
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
