package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The mix scenario end to end at a tiny size: a seeded network, all five operations answering 200, the files. */
class MixSmokeTest {

    private static final Map<String, String> TINY = Map.ofEntries(
            Map.entry("users", "300"), Map.entry("mean_following", "10"), Map.entry("posts_per_user", "2"),
            Map.entry("mean_likes_per_post", "2"), Map.entry("tokens", "40"),
            Map.entry("prewarm_clients", "2"), Map.entry("prewarm_seconds", "1"),
            Map.entry("rate", "20"), Map.entry("warmup_seconds", "0.5"), Map.entry("seconds", "2"),
            Map.entry("search_max_rate", "40"), Map.entry("search_warmup_seconds", "0.3"),
            Map.entry("search_seconds", "1"), Map.entry("slo_p99_ms", "10000"));

    @Test
    void mixWritesItsResultAndChart() throws Exception {
        Path tmp = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        Path out = Files.createTempDirectory(tmp, "bench-smoke");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BenchResult r = BenchRunner.run(Scenario.named("mix"), out, TINY, null, null,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        r.write(out);

        JsonNode doc = Json.tree(Files.readString(out.resolve("mix.json")));
        assertEquals(List.of("scenario", "machine", "params", "results", "ratios"), List.copyOf(doc.propertyNames()));
        assertEquals("mix", doc.path("scenario").asString());
        assertEquals(300, doc.path("params").path("users").asInt());
        JsonNode fixed = doc.path("results").path("fixed_rate");
        assertEquals(0, fixed.path("errors").asLong(), "every request answered 200: " + fixed);
        for (String op : List.of("home_timeline", "profile", "post", "like", "comment")) {
            JsonNode m = fixed.path(op);
            assertTrue(m.path("requests").asLong() > 0, op + " ran: " + m);
            assertEquals(0, m.path("errors").asLong(), op + ": " + m);
            assertTrue(m.path("p50_us").asDouble() > 0 && m.path("p99_9_us").asDouble() >= m.path("p50_us").asDouble(),
                    op + ": " + m);
        }
        // 47% of 20 req/s over 2 s is 18 home timeline reads, 7% is 2 or 3 comments: the schedule is fixed, so the
        // counts follow the weights. (A low rate: this checks the harness, and a cold server on a busy machine sheds
        // what it cannot serve in time with 503s.)
        assertTrue(fixed.path("home_timeline").path("requests").asLong()
                > 4 * fixed.path("comment").path("requests").asLong(), fixed.toString());
        assertTrue(fixed.path("achieved_per_s").asDouble() > 0, fixed.toString());
        JsonNode search = doc.path("results").path("rate_search");
        assertTrue(search.path("steps").size() >= 1, search.toString());
        assertEquals(40.0, search.path("steps").get(0).path("offered_per_s").asDouble(), "starts at twice the rate");
        assertTrue(doc.path("results").path("prewarm").path("requests").asLong() > 0);
        assertEquals(0, doc.path("results").path("prewarm").path("errors").asLong());
        assertEquals(600, doc.path("results").path("dataset").path("posts").asLong(), "300 users x 2 posts");
        // The child server reports its peak RSS; "unknown" would mean the bench could not read it.
        assertTrue(doc.path("results").path("server_peak_rss_mb").asDouble() > 0,
                doc.path("results").path("server_peak_rss_mb").toString());
        assertTrue(doc.path("ratios").path("throughput_per_s").asDouble() > 0, doc.path("ratios").toString());

        String svg = Files.readString(out.resolve("mix.svg"));
        assertTrue(svg.startsWith("<?xml") && svg.contains("class=\"bar\""));
        assertTrue(Files.notExists(out.resolve("work")), "the server's data was removed");
        BenchServer.deleteTree(out);
    }

    @Test
    void weightsMustAddUpToHundred() {
        Map<String, String> bad = new HashMap<>(TINY);
        bad.put("weight_comment", "4");
        Path out = Path.of(System.getProperty("java.io.tmpdir"), "bench-smoke-unused");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchRunner.run(
                Scenario.named("mix"), out, bad, null, null, new PrintStream(new ByteArrayOutputStream())));
        assertTrue(e.getMessage().contains("add up to 100"), e.getMessage());
    }
}
