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

/** The counter scenario end to end at a tiny size: a real embedded server, COPY, the three paths, the files. */
class CounterSmokeTest {

    @Test
    void counterWritesItsResultAndChart() throws Exception {
        Path tmp = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        Path out = Files.createTempDirectory(tmp, "bench-smoke");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BenchResult r = BenchRunner.run(Scenario.named("counter"), out, Map.of(
                "likes", "2000",
                "count_warmup_seconds", "0.3", "count_seconds", "1",
                "cached_warmup_seconds", "0.3", "cached_seconds", "0.5",
                "http_rate", "100", "http_warmup_seconds", "0.3", "http_seconds", "1"),
                null, null, new PrintStream(log, true, StandardCharsets.UTF_8));
        r.write(out);

        JsonNode doc = Json.tree(Files.readString(out.resolve("counter.json")));
        assertEquals(List.of("scenario", "machine", "params", "results", "ratios"),
                List.copyOf(doc.propertyNames()));
        assertEquals("counter", doc.path("scenario").asString());
        assertTrue(doc.path("machine").path("cores").asInt() > 0);
        assertTrue(doc.path("machine").has("cpu_model"));
        assertEquals(2000, doc.path("params").path("likes").asInt());
        assertTrue(doc.path("params").path("likers").asString().contains("not real accounts"));
        assertEquals(2000, doc.path("results").path("seed").path("likes").asInt());
        for (String path : List.of("count_star", "cached", "http")) {
            JsonNode m = doc.path("results").path(path);
            assertTrue(m.path("requests").asLong() > 0, path + " has samples: " + m);
            assertEquals(0, m.path("errors").asLong(), path + " had errors: " + m);
            assertTrue(m.path("p50_us").asDouble() > 0 && m.path("p99_us").asDouble() >= m.path("p50_us").asDouble(),
                    path + ": " + m);
        }
        assertTrue(doc.path("ratios").path("speedup").asDouble() > 1, doc.path("ratios").toString());

        String svg = Files.readString(out.resolve("counter.svg"));
        assertTrue(svg.startsWith("<?xml") && svg.contains("class=\"bar\""));
        assertTrue(Files.notExists(out.resolve("work")), "the server's data was removed");
        BenchServer.deleteTree(out);
    }
}
