package dev.scalegram.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * Finds the highest request rate an implementation sustains within a latency limit: open-loop steps at rising rates
 * (each {@code growth} times the last), stopping at the first step that fails. A step fails when its p99 is over the
 * limit, when any request failed, or when fewer than {@code minAchieved} of the offered requests per second were
 * completed (the system fell behind its schedule). One more step halfway between the last pass and the first failure
 * (geometrically) narrows the answer. The maximum rate is the highest offered rate that passed.
 *
 * <p>When the very first step fails, the search steps down instead, so that a slow implementation still gets a rate.
 */
final class RateSearch {

    /**
     * How to search.
     *
     * @param startRate the first step's offered rate, requests per second
     * @param growth each step's rate over the last one's (> 1)
     * @param warmup each step's warm-up at its own rate, not measured
     * @param measure each step's measured period
     * @param p99LimitMicros a step passes only with its p99 at or under this
     * @param minAchieved a step passes only when it completed at least this fraction of its offered rate
     * @param bisect whether to run the step between the last pass and the first failure
     * @param maxRate no step offers more than this: a search with no failure ends here
     * @param maxInFlight requests in flight at once (connections, for HTTP); past it the schedule waits, and the wait
     *     counts in the latency of the requests it delays
     * @param maxStepsDown steps down from {@code startRate} when the first step fails
     * @param retries how many times a failed step is run again before it counts as failed: on a shared machine one
     *     pause of another process's can push a single step's p99 over the limit
     */
    record Settings(double startRate, double growth, Duration warmup, Duration measure, double p99LimitMicros,
                    double minAchieved, boolean bisect, double maxRate, int maxInFlight, int maxStepsDown,
                    int retries) {
        Settings {
            if (!(startRate > 0) || !(growth > 1) || !(maxRate >= startRate) || maxInFlight < 1 || minAchieved > 1
                    || retries < 0) {
                throw new IllegalArgumentException("bad rate search settings: " + this);
            }
        }

        /** The same search from another first rate. */
        Settings withStartRate(double rate) {
            return new Settings(rate, growth, warmup, measure, p99LimitMicros, minAchieved, bisect,
                    Math.max(maxRate, rate), maxInFlight, maxStepsDown, retries);
        }

        /** A failed step fails the search at once. */
        Settings(double startRate, double growth, Duration warmup, Duration measure, double p99LimitMicros,
                double minAchieved, boolean bisect, double maxRate, int maxInFlight, int maxStepsDown) {
            this(startRate, growth, warmup, measure, p99LimitMicros, minAchieved, bisect, maxRate, maxInFlight,
                    maxStepsDown, 0);
        }
    }

    /**
     * One measured step.
     *
     * @param phase {@code up}, {@code down} or {@code bisect}
     * @param achieved requests completed per second, counted from the start of the measured period until the last of
     *     its requests answered
     * @param cpuCores CPU used during the step, in cores, by whatever the runner was told to watch (the bench's JVM,
     *     the server's, the whole machine): who had the cores while the rate was offered
     */
    record Step(String phase, double offered, double achieved, long requests, long errors, String firstError,
                double p50Micros, double p90Micros, double p99Micros, double p999Micros, double maxMicros,
                Map<String, Double> cpuCores, boolean passed, String verdict) {

        /** With only the bench's own CPU, in cores (negative: unknown). */
        Step(String phase, double offered, double achieved, long requests, long errors, String firstError,
                double p50Micros, double p90Micros, double p99Micros, double p999Micros, double maxMicros,
                double benchCpuCores, boolean passed, String verdict) {
            this(phase, offered, achieved, requests, errors, firstError, p50Micros, p90Micros, p99Micros, p999Micros,
                    maxMicros, benchCpuCores < 0 ? Map.of() : Map.of("bench_jvm", benchCpuCores), passed, verdict);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("phase", phase);
            m.put("offered_per_s", offered);
            m.put("achieved_per_s", Math.round(achieved * 10) / 10.0);
            m.put("requests", requests);
            m.put("errors", errors);
            if (firstError != null) {
                m.put("first_error", firstError);
            }
            m.put("p50_us", p50Micros);
            m.put("p90_us", p90Micros);
            m.put("p99_us", p99Micros);
            m.put("p99_9_us", p999Micros);
            m.put("max_us", maxMicros);
            if (!cpuCores.isEmpty()) {
                m.put("cpu_cores", cpuCores);
            }
            m.put("passed", passed);
            m.put("verdict", verdict);
            return m;
        }
    }

    /** Runs one step at a rate. The search itself only decides which rates to run and what they mean. */
    @FunctionalInterface
    interface StepRunner {
        Step run(String phase, double rate) throws Exception;
    }

    /** The steps in the order they ran, and the highest offered rate that passed (0 if none did). */
    record Outcome(List<Step> steps, double maxRate) {

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("max_rate", maxRate);
            m.put("steps", steps.stream().map(Step::toMap).toList());
            return m;
        }
    }

    private RateSearch() {}

    /**
     * Real time, waited for by parking alone. {@link LoadGenerator.Ticker#SYSTEM} spins the last 50 µs before each
     * start so that starts are exact; at thousands of starts a second that spin is a whole core, taken from the
     * server on a 2-core machine. Parking overshoots by tens of µs instead, which the open loop charges to the
     * request (it times from the intended start): nothing next to a p99 limit in milliseconds.
     */
    static final LoadGenerator.Ticker PARKING = new LoadGenerator.Ticker() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleepUntil(long deadline) throws InterruptedException {
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(left);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        }
    };

    /** Whether a step with these measurements passes, and why not. Null means it passed. */
    static String failure(Settings s, double offered, double achieved, long requests, long errors, double p99Micros) {
        if (requests == 0) {
            return "no request completed";
        }
        if (errors > 0) {
            return errors + " errors";
        }
        if (p99Micros > s.p99LimitMicros()) {
            return "p99 " + SvgChart.format(p99Micros / 1000) + " ms > " + SvgChart.format(s.p99LimitMicros() / 1000)
                    + " ms";
        }
        if (achieved < s.minAchieved() * offered) {
            return "achieved " + SvgChart.format(achieved) + "/s < " + Math.round(s.minAchieved() * 100) + "% of "
                    + SvgChart.format(offered) + "/s";
        }
        return null;
    }

    /** Rates are rounded to three significant digits, so that the steps read as 200, 300, 450, 675, 1010 ... */
    static double round(double rate) {
        return Percentiles.round(rate);
    }

    /**
     * Runs the search: up from the start rate until a failure, down from it if the first step fails, then bisects. A
     * failed step is run again up to {@code retries} times (phase {@code retry}); it passes if any run passes.
     */
    static Outcome search(Settings s, StepRunner runner, PrintStream log) throws Exception {
        List<Step> steps = new ArrayList<>();
        double pass = 0;
        double fail = 0;
        double rate = round(s.startRate());
        while (true) {
            if (!step(s, runner, "up", rate, steps, log)) {
                fail = rate;
                break;
            }
            pass = rate;
            if (rate >= s.maxRate()) {
                break;
            }
            rate = Math.min(s.maxRate(), round(rate * s.growth()));
        }
        if (pass == 0) {
            rate = fail;
            for (int i = 0; i < s.maxStepsDown() && pass == 0; i++) {
                rate = round(rate / s.growth());
                if (step(s, runner, "down", rate, steps, log)) {
                    pass = rate;
                } else {
                    fail = rate;
                }
            }
        }
        if (s.bisect() && pass > 0 && fail > pass) {
            double mid = round(Math.sqrt(pass * fail));
            if (mid > pass && mid < fail && step(s, runner, "bisect", mid, steps, log)) {
                pass = mid;
            }
        }
        return new Outcome(List.copyOf(steps), pass);
    }

    /** Runs one step, and again while it fails and retries are left; whether any run passed. */
    private static boolean step(Settings s, StepRunner runner, String phase, double rate, List<Step> steps,
            PrintStream log) throws Exception {
        Step st = runner.run(phase, rate);
        steps.add(st);
        log(log, st);
        for (int i = 0; i < s.retries() && !st.passed(); i++) {
            st = runner.run("retry", rate);
            steps.add(st);
            log(log, st);
        }
        return st.passed();
    }

    private static void log(PrintStream log, Step st) {
        if (log != null) {
            log.printf("    %-6s %,8.0f/s offered  %,9.1f/s achieved  p50 %s  p99 %s  errors %d  -> %s%n", st.phase(),
                    st.offered(), st.achieved(), ms(st.p50Micros()), ms(st.p99Micros()), st.errors(),
                    st.passed() ? "pass" : "FAIL (" + st.verdict() + ")");
        }
    }

    private static String ms(double micros) {
        return SvgChart.format(micros / 1000) + " ms";
    }

    /**
     * Runs steps with the {@link LoadGenerator} in open loop against {@code op}.
     *
     * @param configure applied to each step's generator (tests give it a fake clock)
     * @param cpu CPU time counters in nanoseconds (negative: unknown), reported per step in cores; only on the real
     *     clock
     * @param progress where each step's once-a-second progress lines go (null: none)
     */
    static StepRunner openLoop(Settings s, String label, LoadGenerator.Operation op,
            UnaryOperator<LoadGenerator> configure, LoadGenerator.Ticker ticker, Map<String, LongSupplier> cpu,
            PrintStream progress) {
        return (phase, rate) -> {
            long[] measureStart = new long[1];
            // CPU per wall second only means something on the real clock.
            boolean realClock = ticker == LoadGenerator.Ticker.SYSTEM || ticker == PARKING;
            Map<String, Long> cpu0 = new LinkedHashMap<>();
            if (realClock) {
                cpu.forEach((k, v) -> cpu0.put(k, v.getAsLong()));
            }
            long wall0 = ticker.nanoTime();
            LoadGenerator g = configure.apply(LoadGenerator.of(label + "@" + SvgChart.format(rate), s.warmup(),
                    s.measure()).progressTo(progress).onMeasure(() -> measureStart[0] = ticker.nanoTime(), () -> {}));
            LoadGenerator.Result r = g.openLoop(rate, s.maxInFlight(), op);
            long done = ticker.nanoTime();
            Map<String, Double> cores = new LinkedHashMap<>();
            cpu0.forEach((k, before) -> {
                long after = cpu.get(k).getAsLong();
                if (before >= 0 && after >= 0 && done > wall0) {
                    cores.put(k, Math.round((after - before) / (double) (done - wall0) * 100) / 100.0);
                }
            });
            // Completed requests over the time from the start of the measured period until the last one answered:
            // a system that keeps up finishes close to the end of the period; one that falls behind, well after it.
            double seconds = Math.max(s.measure().toNanos(), done - measureStart[0]) / 1e9;
            double achieved = r.count() / seconds;
            double p99 = r.percentileMicros(99);
            String why = failure(s, rate, achieved, r.count(), r.errors(), p99);
            return new Step(phase, rate, achieved, r.count(), r.errors(), r.firstError(), r.percentileMicros(50),
                    r.percentileMicros(90), p99, r.percentileMicros(99.9), Percentiles.round(
                            r.histogram().getTotalCount() == 0 ? 0 : r.histogram().getMaxValue() / 1000.0),
                    Map.copyOf(cores), why == null, why == null ? "pass" : why);
        };
    }

    /** CPU time of this JVM so far, in ns; -1 where the platform does not say. */
    static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** Linux counts CPU time in clock ticks of 1/100 s (USER_HZ, 100 on every mainstream architecture). */
    private static final long NANOS_PER_TICK = 10_000_000L;

    /** CPU time of another process so far (user + system, from /proc/PID/stat), in ns; -1 if unknown. */
    static long processCpuNanos(long pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime.
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** CPU time the whole machine spent busy so far (all but idle and iowait, /proc/stat), in ns; -1 if unknown. */
    static long machineBusyNanos() {
        try {
            String cpu = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).getFirst();
            String[] f = cpu.trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy * NANOS_PER_TICK;
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }
}
