package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which rates the search runs and what it concludes: on a fake system, and on the load generator's fake clock. */
class RateSearchTest {

    private static final long MS = 1_000_000;

    static RateSearch.Settings settings(double start, double maxRate, int stepsDown) {
        return new RateSearch.Settings(start, 1.5, Duration.ofMillis(500), Duration.ofSeconds(4), 20_000, 0.95, true,
                maxRate, 1000, stepsDown);
    }

    /** A system that answers in 1 ms up to {@code capacity} requests per second and is hopeless above it. */
    static RateSearch.StepRunner capacity(double capacity) {
        return (phase, rate) -> {
            boolean ok = rate <= capacity;
            return new RateSearch.Step(phase, rate, ok ? rate : capacity, 100, 0, null, 1000, 1000, ok ? 1000 : 900_000,
                    ok ? 1000 : 900_000, 1000, java.util.Map.of(), ok, ok ? "pass" : "p99 900 ms > 20 ms");
        };
    }

    static List<Double> rates(RateSearch.Outcome o) {
        return o.steps().stream().map(RateSearch.Step::offered).toList();
    }

    @Test
    void climbsByTheGrowthFactorThenBisectsOnce() throws Exception {
        RateSearch.Outcome o = RateSearch.search(settings(200, 1e6, 3), capacity(1000), null);
        // 200, 300, 450, 675 pass; 1010 fails; sqrt(675 * 1010) = 826 passes.
        assertEquals(List.of(200.0, 300.0, 450.0, 675.0, 1010.0, 826.0), rates(o));
        assertEquals(List.of("up", "up", "up", "up", "up", "bisect"),
                o.steps().stream().map(RateSearch.Step::phase).toList());
        assertEquals(826.0, o.maxRate());
    }

    @Test
    void aFailedBisectionKeepsTheLastPass() throws Exception {
        RateSearch.Outcome o = RateSearch.search(settings(200, 1e6, 3), capacity(700), null);
        assertEquals(List.of(200.0, 300.0, 450.0, 675.0, 1010.0, 826.0), rates(o));
        assertEquals(675.0, o.maxRate());
    }

    @Test
    void stepsDownWhenTheFirstStepFails() throws Exception {
        RateSearch.Outcome o = RateSearch.search(settings(200, 1e6, 4), capacity(50), null);
        // 200 fails; down: 133, 88.7, 59.1 fail, 39.4 passes; then between 39.4 and 59.1: 48.3 passes.
        assertEquals(List.of(200.0, 133.0, 88.7, 59.1, 39.4, 48.3), rates(o));
        assertEquals(48.3, o.maxRate());

        RateSearch.Outcome none = RateSearch.search(settings(200, 1e6, 2), capacity(50), null);
        assertEquals(List.of(200.0, 133.0, 88.7), rates(none));
        assertEquals(0.0, none.maxRate(), "nothing passed");
    }

    @Test
    void aFailureThatDoesNotRepeatIsRetriedAway() throws Exception {
        // Fails the first run at 300 only (a pause elsewhere); every run above 700 fails.
        java.util.Set<Double> failedOnce = new java.util.HashSet<>();
        RateSearch.StepRunner flaky = (phase, rate) -> {
            boolean hiccup = rate == 300 && failedOnce.add(rate);
            return capacity(hiccup ? 0 : 700).run(phase, rate);
        };
        RateSearch.Settings once = new RateSearch.Settings(200, 1.5, Duration.ofMillis(500), Duration.ofSeconds(4),
                20_000, 0.95, true, 1e6, 1000, 3, 1);
        RateSearch.Outcome o = RateSearch.search(once, flaky, null);
        assertEquals(List.of(200.0, 300.0, 300.0, 450.0, 675.0, 1010.0, 1010.0, 826.0, 826.0), rates(o));
        assertEquals(List.of("up", "up", "retry", "up", "up", "up", "retry", "bisect", "retry"),
                o.steps().stream().map(RateSearch.Step::phase).toList());
        assertEquals(675.0, o.maxRate());

        // Without retries the hiccup ends the climb.
        failedOnce.clear();
        assertEquals(245.0, RateSearch.search(settings(200, 1e6, 3), flaky, null).maxRate(), "200, 300 fails, 245");
    }

    @Test
    void stopsAtTheCapWithoutAFailure() throws Exception {
        RateSearch.Outcome o = RateSearch.search(settings(200, 1000, 3), capacity(1e9), null);
        assertEquals(List.of(200.0, 300.0, 450.0, 675.0, 1000.0), rates(o));
        assertEquals(1000.0, o.maxRate());
    }

    @Test
    void aStepFailsOnLatencyErrorsOrFallingBehind() {
        RateSearch.Settings s = settings(100, 1e6, 3);
        assertNull(RateSearch.failure(s, 1000, 990, 4000, 0, 19_000));
        assertEquals("p99 25 ms > 20 ms", RateSearch.failure(s, 1000, 990, 4000, 0, 25_000));
        assertEquals("3 errors", RateSearch.failure(s, 1000, 990, 4000, 3, 1_000));
        assertEquals("achieved 900/s < 95% of 1,000/s", RateSearch.failure(s, 1000, 900, 4000, 0, 1_000));
        assertEquals("no request completed", RateSearch.failure(s, 1000, 0, 0, 0, 0));
    }

    @Test
    void findsTheCapacityOfAOneThreadSystemOnTheFakeClock() throws Exception {
        // Every request takes 2 ms and they run one at a time on the scheduling thread: 500 requests per second at
        // most. At 507/s the schedule slips 0.028 ms per request, ~60 ms by the end of 4.5 s: the p99 fails. At 414/s
        // every request takes its 2 ms.
        LoadGeneratorTest.FakeClock clock = new LoadGeneratorTest.FakeClock();
        RateSearch.Settings s = settings(100, 1e6, 3);
        RateSearch.StepRunner runner = RateSearch.openLoop(s, "t", () -> clock.advance(2 * MS),
                g -> g.with(clock, Runnable::run), clock, java.util.Map.of("x", () -> 1L), null);
        RateSearch.Outcome o = RateSearch.search(s, runner, null);
        assertEquals(List.of(100.0, 150.0, 225.0, 338.0, 507.0, 414.0), rates(o));
        assertEquals(414.0, o.maxRate());
        RateSearch.Step pass = o.steps().get(3);
        assertEquals(2000.0, pass.p99Micros(), 2000 * 0.002);
        assertEquals(338.0 * 4, pass.requests(), 1.0);
        assertTrue(pass.achieved() > 0.99 * 338, "achieved " + pass.achieved());
        RateSearch.Step fail = o.steps().get(4);
        assertTrue(!fail.passed() && fail.p99Micros() > 20_000, fail.toString());
        assertTrue(fail.verdict().startsWith("p99"), fail.verdict());
        assertTrue(pass.cpuCores().isEmpty(), "no CPU figures on a fake clock");
    }
}
