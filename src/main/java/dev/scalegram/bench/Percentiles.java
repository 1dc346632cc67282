package dev.scalegram.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Reads percentiles out of a latency histogram recorded in nanoseconds, in the units reports use. */
final class Percentiles {

    /** The percentiles every report carries, with the key each gets in the JSON. */
    static final Map<String, Double> REPORTED = reported();

    private Percentiles() {}

    private static Map<String, Double> reported() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("p50_us", 50.0);
        m.put("p90_us", 90.0);
        m.put("p99_us", 99.0);
        m.put("p99_9_us", 99.9);
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The value at {@code percentile} (0-100) in microseconds; 0 for an empty histogram. */
    static double micros(Histogram h, double percentile) {
        if (h.getTotalCount() == 0) {
            return 0;
        }
        return round(h.getValueAtPercentile(percentile) / 1000.0);
    }

    /** count, p50/p90/p99/p99.9, max and mean, in microseconds. */
    static Map<String, Object> summaryMicros(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        REPORTED.forEach((key, p) -> m.put(key, micros(h, p)));
        m.put("max_us", h.getTotalCount() == 0 ? 0.0 : round(h.getMaxValue() / 1000.0));
        m.put("mean_us", h.getTotalCount() == 0 ? 0.0 : round(h.getMean() / 1000.0));
        return m;
    }

    /** Three significant digits is what the histogram keeps; more would be noise. */
    static double round(double v) {
        if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        int digits = 3 - (int) Math.ceil(Math.log10(Math.abs(v)));
        if (digits >= 0) {
            double scale = Math.pow(10, digits);
            return Math.round(v * scale) / scale;
        }
        double unit = Math.pow(10, -digits); // divide then multiply by a whole power of ten: no 122999.99999
        return Math.round(v / unit) * unit;
    }

    static String human(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? "-" : humanNanos(h.getValueAtPercentile(percentile));
    }

    /** 850 ns, 12.3 µs, 4.56 ms, 1.20 s. */
    static String humanNanos(long nanos) {
        if (nanos < 1_000) {
            return nanos + " ns";
        }
        if (nanos < 1_000_000) {
            return String.format("%.3g µs", nanos / 1e3);
        }
        if (nanos < 1_000_000_000) {
            return String.format("%.3g ms", nanos / 1e6);
        }
        return String.format("%.3g s", nanos / 1e9);
    }
}
