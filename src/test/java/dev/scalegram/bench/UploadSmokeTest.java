package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * The upload scenario end to end at a tiny size: a small photo, a child server per processor, a few uploads each, the
 * files. Checks the plumbing, not the machine: the goal is not asserted.
 */
class UploadSmokeTest {

    @Test
    void uploadWritesItsResultAndChart() throws Exception {
        Path tmp = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        Path out = Files.createTempDirectory(tmp, "bench-upload");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BenchResult r;
        try {
            r = BenchRunner.run(Scenario.named("upload"), out, Map.of("width", "640", "height", "480",
                    "warmup_uploads", "1", "uploads", "3"), null, null, new PrintStream(log, true,
                    StandardCharsets.UTF_8));
        } catch (Exception | AssertionError e) {
            System.err.println(log.toString(StandardCharsets.UTF_8));
            throw e;
        }
        r.write(out);

        JsonNode doc = Json.tree(Files.readString(out.resolve("upload.json")));
        assertEquals(List.of("scenario", "machine", "params", "results", "ratios"), List.copyOf(doc.propertyNames()));
        assertEquals("upload", doc.path("scenario").asString());
        JsonNode params = doc.path("params");
        assertEquals(640, params.path("width").asInt());
        assertTrue(params.path("measured").asString().contains("POST /api/v2/media"), params.toString());
        assertTrue(params.path("server").toString().contains("child process pid"), params.toString());
        JsonNode results = doc.path("results");
        assertTrue(results.path("vips").path("processor").asString().startsWith("libvips "), results.toString());
        assertEquals("ImageIO + Thumbnailator", results.path("java").path("processor").asString());
        for (String processor : List.of("vips", "java")) {
            JsonNode m = results.path(processor);
            assertEquals(3, m.path("uploads").asInt(), processor + ": " + m);
            assertTrue(m.path("p50_ms").asDouble() > 0 && m.path("p99_ms").asDouble() >= m.path("p50_ms").asDouble(),
                    processor + ": " + m);
            assertTrue(m.path("mean_ms").asDouble() > 0, processor + ": " + m);
            assertTrue(m.path("server_peak_rss_mb").asDouble() > 20, processor + ": " + m);
        }
        assertTrue(results.path("server_peak_rss_mb").asDouble() > 20, results.toString());
        JsonNode ratios = doc.path("ratios");
        assertEquals(Percentiles.round(results.path("java").path("p50_ms").asDouble()
                / results.path("vips").path("p50_ms").asDouble()), ratios.path("java_over_vips").asDouble(), 1e-9);
        assertTrue(ratios.path("goal_upload_ms_met").isBoolean(), ratios.toString());

        String svg = Files.readString(out.resolve("upload.svg"));
        assertTrue(svg.startsWith("<?xml") && svg.contains("class=\"bar\"") && svg.contains("class=\"line\"")
                && svg.contains("class=\"threshold\""));
        assertTrue(Files.notExists(out.resolve("work")), "the servers' data and logs were removed");
        BenchServer.deleteTree(out);
    }
}
