package dev.scalegram.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.server.Scalegram;
import dev.scalegram.server.ServeOptions;
import dev.scalegram.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The plaintext floor and the process memory gauges, on a real server. */
class OpsEndpointsTest {

    static Scalegram app;
    static HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        Path dataDir = Files.createTempDirectory(Path.of("target"), "ops-test");
        app = Scalegram.start(new ServeOptions(TestPostgres.topology(4), dataDir.toAbsolutePath(), 0));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void plaintextAnswersHelloWorld() throws Exception {
        HttpResponse<String> r = get("/plaintext");
        assertEquals(200, r.statusCode());
        assertEquals("Hello, World!", r.body());
        assertEquals("text/plain", r.headers().firstValue("Content-Type").orElse(""));
        // Not an API route: no request limit headers.
        assertTrue(r.headers().firstValue("X-RateLimit-Limit").isEmpty());
    }

    @Test
    void metricsReportResidentAndPeakMemory() throws Exception {
        String metrics = get("/metrics").body();
        double rss = gauge(metrics, "process_memory_rss_bytes");
        double peak = gauge(metrics, "process_memory_peak_rss_bytes");
        // A JVM with a web server and connection pools holds tens of MB at least; the peak is never below now.
        assertTrue(rss > 20e6, "rss " + rss);
        assertTrue(peak >= rss, "peak " + peak + " < rss " + rss);
        // The gauge reads the kernel's own figure for this process.
        double vmHwm = OpsEndpoints.procStatusBytes("VmHWM:");
        assertTrue(Math.abs(vmHwm - peak) / peak < 0.5, "VmHWM " + vmHwm + " vs gauge " + peak);
    }

    private static double gauge(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? (\\S+)$").matcher(metrics);
        assertTrue(m.find(), name + " is missing from /metrics");
        return Double.parseDouble(m.group(1));
    }
}
