package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The timeline scenario end to end at a tiny size: a seeded network, a child server on a topology file, the naive
 * server, three rate searches, the files. The latency limit is generous: this checks the plumbing, not the machine.
 */
class TimelineSmokeTest {

    @Test
    void timelineWritesItsResultAndChart() throws Exception {
        Path tmp = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        Path out = Files.createTempDirectory(tmp, "bench-timeline");
        // Eight logical shards keep the migrations short; the file also takes the --topology path.
        Path topology = out.resolve("topology.yaml");
        Files.writeString(topology, """
                logical_shards: 8
                postgres:
                  servers:
                    - name: pg0
                      embedded: true
                """);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BenchResult r;
        try {
            r = BenchRunner.run(Scenario.named("timeline"), out, Map.ofEntries(
                    Map.entry("users", "400"), Map.entry("mean_following", "20"), Map.entry("posts_per_user", "5"),
                    Map.entry("tokens", "40"), Map.entry("checked_readers", "5"), Map.entry("p99_limit_ms", "1000"),
                    Map.entry("start_rate", "10"), Map.entry("growth", "2"), Map.entry("max_rate", "40"),
                    Map.entry("step_warmup_seconds", "0.3"), Map.entry("step_seconds", "1"),
                    Map.entry("warmup_seconds", "0.5")),
                    null, topology, new PrintStream(log, true, StandardCharsets.UTF_8));
        } catch (Exception | AssertionError e) {
            System.err.println(log.toString(StandardCharsets.UTF_8));
            throw e;
        }
        r.write(out);

        JsonNode doc = Json.tree(Files.readString(out.resolve("timeline.json")));
        assertEquals(List.of("scenario", "machine", "params", "results", "ratios"), List.copyOf(doc.propertyNames()));
        assertEquals("timeline", doc.path("scenario").asString());
        JsonNode params = doc.path("params");
        assertTrue(params.path("server").asString().contains("child process pid"), params.toString());
        assertTrue(params.path("server").asString().contains("topology.yaml"), params.toString());
        assertEquals(400, params.path("users").asInt());
        JsonNode results = doc.path("results");
        assertTrue(results.path("dataset").path("readers").asInt() > 0, results.path("dataset").toString());
        assertTrue(results.path("checks").path("posts_per_timeline_at_least").asInt() >= 20,
                results.path("checks").toString());
        for (String impl : List.of("scalegram", "naive", "plaintext")) {
            JsonNode m = results.path(impl);
            double max = m.path("max_rate").asDouble();
            assertTrue(max > 0, impl + " found no passing rate: " + m);
            assertTrue(m.path("steps").size() >= 1, impl + ": " + m);
            boolean maxPassed = false;
            for (JsonNode step : m.path("steps")) {
                if (step.path("passed").asBoolean()) {
                    assertEquals(0, step.path("errors").asLong(), impl + " passed a step with errors: " + step);
                    assertTrue(step.path("requests").asLong() > 0, impl + ": " + step);
                    assertTrue(step.path("p99_us").asDouble() <= 1_000_000, impl + ": " + step);
                    assertTrue(step.path("offered_per_s").asDouble() <= max, impl + ": " + step);
                    maxPassed |= step.path("offered_per_s").asDouble() == max;
                }
            }
            assertTrue(maxPassed, impl + "'s max_rate is the rate of a passing step: " + m);
        }
        assertTrue(results.path("server_peak_rss_mb").asDouble() > 20, results.toString());
        assertTrue(results.path("naive_explain_analyze").path("schemas_in_union").asInt() == 8,
                results.path("naive_explain_analyze").toString());
        double vsNaive = doc.path("ratios").path("vs_naive").asDouble();
        assertEquals(Percentiles.round(results.path("scalegram").path("max_rate").asDouble()
                / results.path("naive").path("max_rate").asDouble()), vsNaive, 1e-9);
        assertTrue(doc.path("ratios").has("vs_plaintext"));

        String svg = Files.readString(out.resolve("timeline.svg"));
        assertTrue(svg.startsWith("<?xml") && svg.contains("class=\"line\"") && svg.contains("class=\"threshold\""));
        assertTrue(Files.notExists(out.resolve("work")), "the server's data and log were removed");
        BenchServer.deleteTree(out);
    }

    @Test
    void aTargetNeedsTheTopologyItRunsOn() {
        Path out = Path.of(System.getProperty("java.io.tmpdir"), "bench-timeline-target");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchRunner.run(
                Scenario.named("timeline"), out, Map.of(), URI.create("http://127.0.0.1:1/"), null,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("--target needs --topology"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> BenchRunner.run(Scenario.named("counter"), out,
                Map.of(), URI.create("http://127.0.0.1:1/"), null,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    }
}
