package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The herd scenario end to end at a small size, on real embedded servers: the result's shape, and the lease contract
 * it exists to show (with leases, one database load per invalidation at most; without, readers reload on their own).
 */
class HerdSmokeTest {

    @Test
    void herdWritesItsResultAndLeasesHoldLoadsToOnePerInvalidation() throws Exception {
        Path tmp = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        Path out = Files.createTempDirectory(tmp, "bench-smoke");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BenchResult r = BenchRunner.run(Scenario.named("herd"), out, Map.of("clients", "50",
                "invalidations_per_second", "40", "warmup_seconds", "0.5", "seconds", "2"),
                null, null, new PrintStream(log, true, StandardCharsets.UTF_8));
        r.write(out);

        JsonNode doc = Json.tree(Files.readString(out.resolve("herd.json")));
        assertEquals("herd", doc.path("scenario").asString());
        assertEquals(8, doc.path("params").path("writer_threads").asInt());
        JsonNode lease = doc.path("results").path("lease");
        JsonNode noLease = doc.path("results").path("no_lease");
        for (JsonNode m : new JsonNode[] {lease, noLease}) {
            assertTrue(m.path("invalidations").asLong() > 10, "the writer changed the count: " + m);
            assertEquals(0, m.path("read_errors").asLong(), m.toString());
            assertEquals(0, m.path("writes").path("errors").asLong(), m.toString());
        }
        // With leases only the lease winner loads; a load already in flight may straddle the measurement's start.
        assertTrue(lease.path("db_loads").asLong() <= lease.path("invalidations").asLong() + 1, lease.toString());
        assertTrue(lease.path("during_measurement").path("stale_serves").asLong() > 0, lease.toString());
        assertEquals(0, noLease.path("during_measurement").path("stale_serves").asLong(), noLease.toString());
        assertTrue(noLease.path("db_loads").asLong() >= noLease.path("invalidations").asLong() / 2, noLease.toString());
        assertTrue(Files.readString(out.resolve("herd.svg")).contains("class=\"bar\""));
        BenchServer.deleteTree(out);
    }
}
