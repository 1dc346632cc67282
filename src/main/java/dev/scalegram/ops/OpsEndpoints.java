package dev.scalegram.ops;

import dev.scalegram.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpRouting;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * {@code /health} (the process answers), {@code /ready} (its databases answer), {@code /metrics} (Prometheus text),
 * {@code /plaintext} (the fixed answer benchmarks use as the server's floor), and the filter that times every request
 * by route pattern, so latency is reported per endpoint, not per URL.
 */
public final class OpsEndpoints {

    private static final Path PROC_STATUS = Path.of("/proc/self/status");
    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    private final PrometheusMeterRegistry registry;
    private final BooleanSupplier ready;
    private final Map<String, String> facts;

    public OpsEndpoints(PrometheusMeterRegistry registry, BooleanSupplier ready) {
        this(registry, ready, Map.of());
    }

    /**
     * @param facts what this process runs with, added to {@code /ready}'s answer for an operator (e.g. which image
     *     processor makes photo sizes); fixed at start
     */
    public OpsEndpoints(PrometheusMeterRegistry registry, BooleanSupplier ready, Map<String, String> facts) {
        this.registry = registry;
        this.ready = ready;
        this.facts = new TreeMap<>(facts);
    }

    /**
     * The process's resident set size now and at its peak ({@code VmRSS}, {@code VmHWM}), as
     * {@code process_memory_rss_bytes} and {@code process_memory_peak_rss_bytes}. The JVM's own memory metrics leave
     * out what lives outside the heap (thread stacks, code, direct buffers, native libraries); the kernel's figure is
     * what the machine pays. NaN where there is no /proc.
     */
    public static void registerProcessMemory(MeterRegistry registry) {
        Gauge.builder("process.memory.rss", () -> procStatusBytes("VmRSS:")).baseUnit("bytes")
                .description("resident set size of this process (VmRSS)").register(registry);
        Gauge.builder("process.memory.peak.rss", () -> procStatusBytes("VmHWM:")).baseUnit("bytes")
                .description("peak resident set size of this process since it started (VmHWM)").register(registry);
    }

    /** A {@code kB} line of /proc/self/status in bytes, or NaN. */
    public static double procStatusBytes(String key) {
        try {
            for (String line : Files.readAllLines(PROC_STATUS)) {
                if (line.startsWith(key)) {
                    String[] f = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: unknown
        }
        return Double.NaN;
    }

    public void routes(HttpRouting.Builder r) {
        r.addFilter(timing(registry));
        r.get("/health", (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send("{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8));
        });
        r.get("/ready", (req, res) -> {
            boolean ok = ready.getAsBoolean();
            res.status(ok ? 200 : 503);
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            var body = Json.object().put("status", ok ? "UP" : "DOWN");
            facts.forEach(body::put);
            res.send(Json.bytes(body));
        });
        // TechEmpower's plaintext test: no database, no JSON, no auth. Nothing served through this stack can be faster.
        r.get("/plaintext", (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "text/plain");
            res.send(HELLO);
        });
        r.get("/metrics", (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            res.send(registry.scrape().getBytes(StandardCharsets.UTF_8));
        });
    }

    private static Filter timing(MeterRegistry registry) {
        return (chain, req, res) -> {
            long start = System.nanoTime();
            try {
                chain.proceed();
            } finally {
                String route = req.matchingPattern().orElse("unmatched");
                Timer.builder("scalegram.http.requests")
                        .tag("method", req.prologue().method().text())
                        .tag("route", route)
                        .tag("status", Integer.toString(res.status().code()))
                        .publishPercentileHistogram(false)
                        .register(registry)
                        .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
        };
    }
}
