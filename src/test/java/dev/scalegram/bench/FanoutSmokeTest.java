package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The fanout scenario end to end at a tiny size: two servers (push-only, hybrid with a threshold of 20), a 5- and a
 * 40-follower account each, real posts whose fan-out the checked followers must see, and the files.
 */
class FanoutSmokeTest {

    @Test
    void fanoutWritesItsResultAndChart() throws Exception {
        Path tmp = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        Path out = Files.createTempDirectory(tmp, "bench-smoke");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BenchResult r = BenchRunner.run(Scenario.named("fanout"), out, Map.of(
                "followers", "40,5",
                "hybrid_fanout_threshold", "20",
                "follower_tokens", "4",
                "posts_per_account", "2",
                "visible_timeout_seconds", "30",
                "read_rate", "50", "read_warmup_seconds", "0.2", "read_seconds", "0.5"),
                null, null, new PrintStream(log, true, StandardCharsets.UTF_8));
        r.write(out);

        JsonNode doc = Json.tree(Files.readString(out.resolve("fanout.json")));
        assertEquals(List.of("scenario", "machine", "params", "results", "ratios"), List.copyOf(doc.propertyNames()));
        assertEquals("fanout", doc.path("scenario").asString());
        assertTrue(doc.path("params").path("modes").asString().contains("the 40 account is pulled"),
                doc.path("params").path("modes").asString());
        for (String mode : List.of("push_only", "hybrid")) {
            JsonNode accounts = doc.path("results").path(mode).path("accounts");
            assertEquals(List.of("5", "40"), List.copyOf(accounts.propertyNames()), "sizes in ascending order");
            for (String n : List.of("5", "40")) {
                JsonNode a = accounts.path(n);
                String what = mode + " " + n + ": " + a;
                assertEquals(mode.equals("hybrid") && n.equals("40"), a.path("pulled").asBoolean(), what);
                assertEquals(4, a.path("followers_checked").asInt(), what);
                assertEquals(2, a.path("posts").asInt(), what);
                assertTrue(a.path("visible_in_all_feeds").asBoolean(), "every checked follower saw it: " + what);
                assertTrue(a.path("post_ms_p50").asDouble() > 0, what);
                // Measured from sending the POST, so it cannot come before the POST answered.
                assertTrue(a.path("visible_all_ms_p50").asDouble() >= a.path("post_ms_p50").asDouble() * 0.999, what);
                JsonNode read = a.path("home_read");
                assertTrue(read.path("requests").asLong() > 0 && read.path("errors").asLong() == 0, what);
            }
        }
        // A pulled author's post is read from its own list: the first read after the POST has it, every time.
        assertTrue(doc.path("results").path("hybrid").path("accounts").path("40").path("visible_at_next_read")
                .asBoolean());
        assertTrue(doc.path("ratios").path("push_vs_hybrid_visible_40").asDouble() > 0, doc.path("ratios").toString());
        assertFalse(doc.path("ratios").has("push_vs_hybrid_visible_40_is_lower_bound"));
        assertTrue(doc.path("ratios").has("goal_40_post_ms_met"));

        String svg = Files.readString(out.resolve("fanout.svg"));
        assertTrue(svg.startsWith("<?xml") && svg.contains("class=\"bar\""));
        assertTrue(Files.notExists(out.resolve("work")), "the servers' data was removed");
        BenchServer.deleteTree(out);
    }
}
