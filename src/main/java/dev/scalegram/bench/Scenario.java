package dev.scalegram.bench;

import java.util.List;
import java.util.Map;

/**
 * One benchmark. A scenario says which parameters it takes and runs against what its {@link BenchContext} offers: a
 * server in the bench's own JVM (for in-process paths), or a server it measures over HTTP only
 * ({@link BenchContext#serve}): a child process the bench starts, on the embedded topology or a {@code --topology}, or
 * a running {@code --target}, for the scenarios that declare they can.
 */
interface Scenario {

    String name();

    /** One line for the help. */
    String summary();

    /** Every parameter with its default; the order is the order they are reported in. */
    Map<String, Object> defaults();

    /** Whether it can measure a server it did not start ({@code --target URL}). */
    default boolean supportsTarget() {
        return false;
    }

    /** Whether it can start its server on a topology file ({@code --topology FILE}) instead of the embedded one. */
    default boolean supportsTopology() {
        return false;
    }

    Outcome run(BenchContext ctx) throws Exception;

    /** What a run produced: {@code results} and {@code ratios} for the JSON, and the chart. */
    record Outcome(Map<String, Object> results, Map<String, Object> ratios, SvgChart chart) {}

    static List<Scenario> all() {
        return List.of(new CounterScenario(), new HerdScenario(), new TimelineScenario(), new FanoutScenario(),
                new MixScenario(), new UploadScenario());
    }

    static Scenario named(String name) {
        return all().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }
}
