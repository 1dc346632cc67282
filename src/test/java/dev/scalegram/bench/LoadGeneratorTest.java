package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The load generator's arithmetic on a fake clock: no real time, no timing assertions. */
class LoadGeneratorTest {

    private static final long MS = 1_000_000;

    /** A clock that only moves when told: sleeping jumps to the deadline, an operation advances it by its cost. */
    static final class FakeClock implements LoadGenerator.Ticker {
        final AtomicLong now = new AtomicLong(1_000 * MS);

        @Override
        public long nanoTime() {
            return now.get();
        }

        @Override
        public void sleepUntil(long deadline) {
            now.accumulateAndGet(deadline, Math::max);
        }

        void advance(long nanos) {
            now.addAndGet(nanos);
        }
    }

    /** Every recorded value, in ms, rounded to what the histogram kept. */
    private static List<Long> valuesMs(Histogram h) {
        List<Long> out = new ArrayList<>();
        for (var v : h.recordedValues()) {
            long ms = Math.round(h.medianEquivalentValue(v.getValueIteratedTo()) / (double) MS);
            for (long i = 0; i < v.getCountAtValueIteratedTo(); i++) {
                out.add(ms);
            }
        }
        return out;
    }

    @Test
    void aStallIsChargedToEveryRequestItDelayed() throws Exception {
        // 10 requests per second for one second; each takes 10 ms except the second, which stalls for 550 ms. The
        // requests run on the scheduling thread (a direct executor), the worst case: the schedule waits for the stall.
        FakeClock clock = new FakeClock();
        AtomicInteger n = new AtomicInteger();
        LoadGenerator.Result r = LoadGenerator.of("t", Duration.ZERO, Duration.ofSeconds(1))
                .with(clock, Runnable::run)
                .openLoop(10, 1, () -> clock.advance(n.getAndIncrement() == 1 ? 550 * MS : 10 * MS));
        // Intended starts 0, 100, ..., 900 ms. The stall ends at 650 ms; the requests meant for 200..600 ms start
        // then and finish 10 ms apart, each charged from its intended start. Measuring from the actual start would
        // have recorded 9 x 10 ms and 1 x 550 ms: the coordinated omission this corrects.
        assertEquals(List.of(10L, 10L, 10L, 10L, 100L, 190L, 280L, 370L, 460L, 550L), sorted(valuesMs(r.histogram())));
        assertEquals(10, r.count());
        assertEquals(0, r.errors());
        assertEquals(10.0, r.achievedRate(), 1e-9);
    }

    @Test
    void warmUpRequestsAreLeftOut() throws Exception {
        FakeClock clock = new FakeClock();
        AtomicInteger calls = new AtomicInteger();
        LoadGenerator.Result r = LoadGenerator.of("t", Duration.ofMillis(300), Duration.ofMillis(700))
                .with(clock, Runnable::run)
                .openLoop(10, 1, () -> {
                    calls.incrementAndGet();
                    clock.advance(5 * MS);
                });
        assertEquals(10, calls.get(), "requests are sent during the warm-up too");
        assertEquals(7, r.count(), "only those intended for 300 ms and later are measured");
        assertEquals(List.of(5L, 5L, 5L, 5L, 5L, 5L, 5L), valuesMs(r.histogram()));
    }

    @Test
    void errorsAreCountedAndStillTimed() throws Exception {
        FakeClock clock = new FakeClock();
        AtomicInteger n = new AtomicInteger();
        LoadGenerator.Result r = LoadGenerator.of("t", Duration.ZERO, Duration.ofSeconds(1))
                .with(clock, Runnable::run)
                .openLoop(4, 1, () -> {
                    clock.advance(MS);
                    if (n.incrementAndGet() % 2 == 0) {
                        throw new IllegalStateException("HTTP 503");
                    }
                });
        assertEquals(4, r.count());
        assertEquals(2, r.errors());
        assertTrue(r.firstError().contains("HTTP 503"), r.firstError());
    }

    @Test
    void hooksBracketTheMeasuredPeriod() throws Exception {
        FakeClock clock = new FakeClock();
        List<String> events = new ArrayList<>();
        LoadGenerator.of("t", Duration.ofMillis(200), Duration.ofMillis(300))
                .with(clock, Runnable::run)
                .onMeasure(() -> events.add("start@" + (clock.nanoTime() / MS - 1000)),
                        () -> events.add("end@" + (clock.nanoTime() / MS - 1000)))
                .openLoop(10, 1, () -> events.add("req@" + (clock.nanoTime() / MS - 1000)));
        assertEquals(List.of("req@0", "req@100", "start@200", "req@200", "req@300", "req@400", "end@500"), events);
    }

    @Test
    void closedLoopRecordsEachRequestsOwnServiceTime() throws Exception {
        // One client; time moves only when a request runs (3 ms each), so the run lasts a known number of requests.
        AtomicLong now = new AtomicLong();
        LoadGenerator.Ticker clock = new LoadGenerator.Ticker() {
            @Override
            public long nanoTime() {
                return now.get();
            }

            @Override
            public void sleepUntil(long deadline) throws InterruptedException {
                while (now.get() < deadline) {
                    Thread.sleep(1);
                }
            }
        };
        LoadGenerator.Result r = LoadGenerator.of("t", Duration.ofMillis(30), Duration.ofMillis(60))
                .with(clock, null)
                .closedLoop(1, () -> now.addAndGet(3 * MS));
        // Requests start at 0, 3, ... ms; those from 30 ms up to (not including) 90 ms are measured, 3 ms each.
        assertEquals(20, r.count());
        assertEquals(java.util.Collections.nCopies(20, 3L), valuesMs(r.histogram()));
        assertEquals("closed loop, 1 client", r.mode());
    }

    @Test
    void percentilesComeOutInMicroseconds() {
        Histogram h = new Histogram(3_600_000_000_000L, 3);
        for (int us = 1; us <= 1000; us++) {
            h.recordValue(us * 1000L);
        }
        assertEquals(500, Percentiles.micros(h, 50), 0.5);
        assertEquals(900, Percentiles.micros(h, 90), 1);
        assertEquals(990, Percentiles.micros(h, 99), 1);
        assertEquals(999, Percentiles.micros(h, 99.9), 1);
        var m = Percentiles.summaryMicros(h);
        assertEquals(List.of("count", "p50_us", "p90_us", "p99_us", "p99_9_us", "max_us", "mean_us"),
                List.copyOf(m.keySet()));
        assertEquals(1000L, m.get("count"));
        assertEquals(1000.0, (double) m.get("max_us"), 1);
        assertEquals(500.5, (double) m.get("mean_us"), 1);
        assertEquals(0.0, Percentiles.micros(new Histogram(3), 99), "an empty histogram reads 0");
    }

    @Test
    void roundingKeepsThreeSignificantDigits() {
        assertEquals(123000.0, Percentiles.round(123456.0));
        assertEquals(1.23, Percentiles.round(1.23456));
        assertEquals(0.000123, Percentiles.round(0.000123456), 1e-12);
        assertEquals(1000.0, Percentiles.round(999.7));
        assertEquals("850 ns", Percentiles.humanNanos(850));
        assertEquals("12.3 µs", Percentiles.humanNanos(12_345));
        assertEquals("4.57 ms", Percentiles.humanNanos(4_567_000));
    }

    private static List<Long> sorted(List<Long> l) {
        List<Long> c = new ArrayList<>(l);
        c.sort(null);
        return c;
    }
}
