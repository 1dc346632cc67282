package dev.scalegram.ops;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpRouting;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * {@code /health} (the process answers), {@code /ready} (its databases answer), {@code /metrics} (Prometheus text),
 * and the filter that times every request by route pattern, so latency is reported per endpoint, not per URL.
 */
public final class OpsEndpoints {

    private final PrometheusMeterRegistry registry;
    private final BooleanSupplier ready;

    public OpsEndpoints(PrometheusMeterRegistry registry, BooleanSupplier ready) {
        this.registry = registry;
        this.ready = ready;
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
            res.send(("{\"status\":\"" + (ok ? "UP" : "DOWN") + "\"}").getBytes(StandardCharsets.UTF_8));
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
