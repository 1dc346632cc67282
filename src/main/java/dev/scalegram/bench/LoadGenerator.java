package dev.scalegram.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives one operation and records its latency in an HdrHistogram (nanoseconds), in one of two ways.
 *
 * <ul>
 *   <li><b>Open loop</b> ({@link #openLoop}): requests start on a fixed schedule, one every 1/rate seconds, each on a
 *       virtual thread of its own, whatever earlier requests are doing. Latency is measured from the <em>intended</em>
 *       start, so a stall that delays the requests behind it is charged to them too: this is the correction for
 *       coordinated omission (a generator that waits for the system under test would quietly skip those samples).
 *   <li><b>Closed loop</b> ({@link #closedLoop}): N clients on virtual threads, each sending its next request when
 *       the previous one answered. Latency is each request's own service time; the offered load is whatever the
 *       system lets N clients do, so there is no schedule to fall behind.
 * </ul>
 *
 * Requests that start during the warm-up are left out of the result. A progress line (rate, p50 and p99 so far) goes
 * to the progress stream every second.
 */
public final class LoadGenerator {

    /** One request. An exception counts as an error; its latency is recorded all the same. */
    @FunctionalInterface
    public interface Operation {
        void call() throws Exception;
    }

    /** Where time comes from; tests substitute a fake clock. */
    interface Ticker {
        long nanoTime();

        /** Returns once {@link #nanoTime()} has reached {@code deadline}. */
        void sleepUntil(long deadline) throws InterruptedException;

        Ticker SYSTEM = new Ticker() {
            // Parking overshoots by tens of µs on Linux; the last stretch is spun so that a schedule of a few
            // thousand requests per second still starts on time.
            private static final long SPIN_NANOS = 50_000;

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleepUntil(long deadline) throws InterruptedException {
                long left;
                while ((left = deadline - System.nanoTime()) > SPIN_NANOS) {
                    LockSupport.parkNanos(left - SPIN_NANOS);
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
                while (deadline - System.nanoTime() > 0) {
                    Thread.onSpinWait();
                }
            }
        };
    }

    /** One hour in nanoseconds: anything slower is recorded as one hour. */
    private static final long HIGHEST = TimeUnit.HOURS.toNanos(1);
    private static final int DIGITS = 3;

    private final String label;
    private final Duration warmup;
    private final Duration duration;
    private PrintStream progress;
    private Ticker ticker = Ticker.SYSTEM;
    private Executor executor;
    private Runnable atMeasureStart = () -> {};
    private Runnable atMeasureEnd = () -> {};

    private LoadGenerator(String label, Duration warmup, Duration duration) {
        if (warmup.isNegative() || !duration.isPositive()) {
            throw new IllegalArgumentException("warm-up must be >= 0 and duration > 0: " + warmup + ", " + duration);
        }
        this.label = label;
        this.warmup = warmup;
        this.duration = duration;
    }

    /** A generator that warms up for {@code warmup}, then measures for {@code duration}. */
    public static LoadGenerator of(String label, Duration warmup, Duration duration) {
        return new LoadGenerator(label, warmup, duration);
    }

    /** Prints a progress line every second to {@code out} (null: silent). */
    public LoadGenerator progressTo(PrintStream out) {
        this.progress = out;
        return this;
    }

    /**
     * Runs {@code start} when the measured period begins and {@code end} when it ends, on the generator's own thread:
     * for snapshots of counters that must cover exactly the measured period.
     */
    public LoadGenerator onMeasure(Runnable start, Runnable end) {
        this.atMeasureStart = start;
        this.atMeasureEnd = end;
        return this;
    }

    /**
     * Open-loop requests run on {@code e} instead of on virtual threads of their own: for a writer whose schedule must
     * not wait for a carrier thread that a closed loop keeps busy (platform threads, or the scheduling thread itself).
     */
    LoadGenerator runOn(Executor e) {
        this.executor = e;
        return this;
    }

    /** For tests: a fake clock, and the executor open-loop requests run on (a direct one makes a run deterministic). */
    LoadGenerator with(Ticker t, Executor e) {
        this.ticker = t;
        this.executor = e;
        return this;
    }

    /**
     * Starts {@code ratePerSecond} requests per second on a fixed schedule. At most {@code maxInFlight} run at once;
     * past that the schedule waits for a free slot, and the wait counts in the latency of the requests it delays.
     */
    public Result openLoop(double ratePerSecond, int maxInFlight, Operation op) throws InterruptedException {
        if (!(ratePerSecond > 0) || maxInFlight < 1) {
            throw new IllegalArgumentException("rate must be > 0 and maxInFlight >= 1");
        }
        double intervalNanos = 1e9 / ratePerSecond;
        Samples samples = new Samples();
        Semaphore slots = new Semaphore(maxInFlight);
        ExecutorService own = executor == null ? Executors.newVirtualThreadPerTaskExecutor() : null;
        Executor run = own != null ? own : executor;
        long start = ticker.nanoTime();
        long warmEnd = start + warmup.toNanos();
        long end = warmEnd + duration.toNanos();
        Progress p = Progress.start(this, samples, start, warmEnd, () -> maxInFlight - slots.availablePermits());
        boolean measuring = false;
        try {
            for (long i = 0; ; i++) {
                long intended = start + (long) (i * intervalNanos);
                if (intended >= end) {
                    break;
                }
                ticker.sleepUntil(intended);
                if (!measuring && intended >= warmEnd) {
                    measuring = true;
                    atMeasureStart.run();
                }
                slots.acquire();
                boolean measured = intended >= warmEnd;
                run.execute(() -> {
                    boolean ok = call(op, samples);
                    // From the intended start, not from when the request actually began: the CO correction.
                    samples.record(measured, ticker.nanoTime() - intended, ok);
                    slots.release();
                });
            }
            if (!measuring) {
                atMeasureStart.run();
            }
            ticker.sleepUntil(end);
            atMeasureEnd.run();
            // Requests still running belong to the measured period: wait for them (bounded, so a hung system ends).
            if (!slots.tryAcquire(maxInFlight, 60, TimeUnit.SECONDS)) {
                samples.fail("requests still running 60 s after the end; left out");
            }
        } finally {
            if (own != null) {
                own.shutdownNow();
            }
            p.stop();
        }
        return samples.result(label, "open loop, " + fmtRate(ratePerSecond) + " req/s scheduled, CO-corrected",
                duration);
    }

    /**
     * {@code clients} virtual threads, each calling {@code op} back to back, with no think time.
     *
     * <p>With more than one client, each parks for 1 ns between requests. Virtual threads are never preempted, so
     * clients that never block must step aside by themselves, and {@code Thread.yield()} is not enough: a yielding
     * virtual thread goes back on its carrier's local queue, which the carrier drains before it looks at the shared
     * queue where threads woken by I/O or timers wait. With 500 yielding clients a thread woken by a database reply
     * waited for seconds (measured on JDK 25). A timed park wakes through the shared queue, so every client, and every
     * thread woken by I/O, takes its turn in order.
     */
    public Result closedLoop(int clients, Operation op) throws InterruptedException {
        if (clients < 1) {
            throw new IllegalArgumentException("clients must be >= 1");
        }
        Samples samples = new Samples();
        long start = ticker.nanoTime();
        long warmEnd = start + warmup.toNanos();
        long end = warmEnd + duration.toNanos();
        AtomicLong busy = new AtomicLong();
        Progress p = Progress.start(this, samples, start, warmEnd, busy::get);
        List<Thread> threads = new ArrayList<>(clients);
        try {
            for (int c = 0; c < clients; c++) {
                threads.add(Thread.ofVirtual().name(label + "-client-" + c).start(() -> {
                    while (true) {
                        long t0 = ticker.nanoTime();
                        if (t0 >= end) {
                            return;
                        }
                        busy.incrementAndGet();
                        boolean ok = call(op, samples);
                        long t1 = ticker.nanoTime();
                        busy.decrementAndGet();
                        samples.record(t0 >= warmEnd, t1 - t0, ok);
                        if (clients > 1) {
                            LockSupport.parkNanos(1);
                        }
                    }
                }));
            }
            ticker.sleepUntil(warmEnd);
            atMeasureStart.run();
            ticker.sleepUntil(end);
            atMeasureEnd.run();
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(60));
                if (t.isAlive()) {
                    samples.fail("a client was still in a request 60 s after the end");
                    t.interrupt();
                }
            }
        } finally {
            p.stop();
        }
        return samples.result(label, "closed loop, " + clients + (clients == 1 ? " client" : " clients"), duration);
    }

    private static boolean call(Operation op, Samples samples) {
        try {
            op.call();
            return true;
        } catch (Exception | AssertionError e) {
            samples.firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
            return false;
        }
    }

    private static String fmtRate(double r) {
        return r == Math.rint(r) ? Long.toString((long) r) : String.format("%.2f", r);
    }

    /** Latencies of a run and what else happened in it. {@link #histogram()} is in nanoseconds. */
    public record Result(String label, String mode, Histogram histogram, long errors, String firstError,
                         Duration measured) {

        public long count() {
            return histogram.getTotalCount();
        }

        /** Requests per second completed over the measured period. */
        public double achievedRate() {
            return count() / (measured.toNanos() / 1e9);
        }

        public double percentileMicros(double percentile) {
            return Percentiles.micros(histogram, percentile);
        }

        /** What goes into a result JSON: mode, counts, rate, and the percentiles in microseconds. */
        public Map<String, Object> summary() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("mode", mode);
            m.put("requests", count());
            m.put("errors", errors);
            if (firstError != null) {
                m.put("first_error", firstError);
            }
            m.put("rate_per_s", Math.round(achievedRate() * 10) / 10.0);
            m.putAll(Percentiles.summaryMicros(histogram));
            m.remove("count"); // the same as requests
            return m;
        }

        /** One line for a terminal. */
        public String line() {
            return String.format("%s: %,d requests (%s), %,.1f/s, errors %d, p50 %s  p90 %s  p99 %s  p99.9 %s  max %s",
                    label, count(), mode, achievedRate(), errors, Percentiles.human(histogram, 50),
                    Percentiles.human(histogram, 90), Percentiles.human(histogram, 99),
                    Percentiles.human(histogram, 99.9), Percentiles.humanNanos(histogram.getMaxValue()));
        }
    }

    /** The recorders of one run: warm-up and measured samples apart, both safe to record from any thread. */
    private static final class Samples {
        final Recorder warm = new Recorder(HIGHEST, DIGITS);
        final Recorder measured = new Recorder(HIGHEST, DIGITS);
        final Histogram total = new Histogram(HIGHEST, DIGITS);
        final AtomicLong errors = new AtomicLong();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final List<String> failures = new ArrayList<>();
        private Histogram recycled;

        void record(boolean isMeasured, long nanos, boolean ok) {
            long v = Math.max(1, Math.min(HIGHEST, nanos));
            if (isMeasured) {
                measured.recordValue(v);
                if (!ok) {
                    errors.incrementAndGet();
                }
            } else {
                warm.recordValue(v);
            }
        }

        synchronized void fail(String why) {
            failures.add(why);
        }

        /** Moves what the measured recorder holds into the total; returns that interval (valid until the next call). */
        synchronized Histogram drain() {
            recycled = measured.getIntervalHistogram(recycled);
            total.add(recycled);
            return recycled;
        }

        synchronized Result result(String label, String mode, Duration d) {
            drain();
            String err = firstError.get();
            if (!failures.isEmpty()) {
                err = (err == null ? "" : err + "; ") + String.join("; ", failures);
            }
            return new Result(label, mode, total.copy(), errors.get(), err, d);
        }
    }

    /** The once-a-second progress line, on a daemon platform thread (it must run even when carriers are busy). */
    private static final class Progress {
        private final Thread thread;

        private Progress(Thread thread) {
            this.thread = thread;
        }

        static Progress start(LoadGenerator g, Samples s, long start, long warmEnd,
                java.util.function.LongSupplier inFlight) {
            if (g.progress == null) {
                return new Progress(null);
            }
            Thread t = Thread.ofPlatform().daemon().name(g.label + "-progress").start(() -> {
                Histogram warmInterval = null;
                long last = g.ticker.nanoTime();
                try {
                    while (true) {
                        Thread.sleep(1000);
                        long now = g.ticker.nanoTime();
                        // The tick that crosses the end of the warm-up holds only the samples measured since then.
                        double secs = Math.max(1e-3, (now - (now < warmEnd ? last : Math.max(last, warmEnd))) / 1e9);
                        last = now;
                        String line;
                        if (now < warmEnd) {
                            warmInterval = s.warm.getIntervalHistogram(warmInterval);
                            line = String.format("warm-up    rate %,10.0f/s  p50 %9s  p99 %9s",
                                    warmInterval.getTotalCount() / secs, Percentiles.human(warmInterval, 50),
                                    Percentiles.human(warmInterval, 99));
                        } else {
                            long n;
                            String p50;
                            String p99;
                            synchronized (s) {
                                n = s.drain().getTotalCount();
                                p50 = Percentiles.human(s.total, 50);
                                p99 = Percentiles.human(s.total, 99);
                            }
                            // Just past the end of the warm-up the window is too short for a rate that means anything.
                            String rate = secs < 0.25 ? "-" : String.format("%,.0f", n / secs);
                            line = String.format("measuring  rate %10s/s  p50 %9s  p99 %9s (so far)  errors %d",
                                    rate, p50, p99, s.errors.get());
                        }
                        g.progress.printf("  %-22s %4ds  %s  in flight %d%n", g.label, Math.round((now - start) / 1e9),
                                line, inFlight.getAsLong());
                    }
                } catch (InterruptedException done) {
                    // stopped
                }
            });
            return new Progress(t);
        }

        void stop() throws InterruptedException {
            if (thread != null) {
                thread.interrupt();
                thread.join();
            }
        }
    }
}
