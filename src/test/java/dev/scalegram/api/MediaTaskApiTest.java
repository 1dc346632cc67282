package dev.scalegram.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.server.Scalegram;
import dev.scalegram.server.ServeOptions;
import dev.scalegram.testing.ApiClient;
import dev.scalegram.testing.ApiClient.Part;
import dev.scalegram.testing.TestPostgres;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Large photos made into sizes by a task: 202 with null URLs, 206 while processing, then 200 with every size; the
 * kept upload is dropped once the sizes are stored.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MediaTaskApiTest {

    static Scalegram app;
    static ApiClient api;
    static ApiClient.User ann;
    static Path dataDir;

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory(Path.of("target"), "media-task-test");
        Topology t = TestPostgres.topology(8).withMedia(new Topology.MediaConfig(50_000_000, 10_000, "java", null));
        app = Scalegram.start(new ServeOptions(t, dataDir.toAbsolutePath(), 0));
        api = ApiClient.local(app.port());
        ann = api.register(api.appToken(api.createApp("media-task-test")), "ann");
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void aLargePhotoIsAcceptedThenMadeIntoSizesByATask() throws Exception {
        byte[] photo = Photos.jpeg(1600, 1200);
        JsonNode accepted = api.as(ann.token()).postMultipart("/api/v2/media", List.of(
                Part.file("file", "big.jpg", "image/jpeg", photo), Part.field("description", "a big one")))
                .expect(202).json();
        assertTrue(accepted.path("url").isNull(), "no URL before the sizes exist: " + accepted);
        String id = accepted.path("id").asString();

        JsonNode ready = awaitReady(id);
        assertEquals(1600, ready.path("meta").path("original").path("width").asInt());
        assertEquals(320, ready.path("meta").path("small").path("width").asInt());
        assertEquals(240, ready.path("meta").path("small").path("height").asInt());
        assertEquals("a big one", ready.path("description").asString());
        BufferedImage large = ImageIO.read(new ByteArrayInputStream(api.download(URI.create(
                ready.path("url").asString()))));
        assertEquals(1080, large.getWidth());
        assertEquals(810, large.getHeight());
        try (Stream<Path> pending = Files.list(dataDir.resolve("media").resolve("pending"))) {
            assertEquals(0, pending.count(), "the kept upload is dropped");
        }
        JsonNode status = api.as(ann.token()).postJson("/api/v1/statuses",
                ApiClient.obj("status", "made by a task", "media_ids", List.of(id))).expect(200).json();
        assertEquals(id, status.path("media_attachments").path(0).path("id").asString());
    }

    /** Polls GET /api/v1/media/:id as a client does: 206 while processing, then 200 with every size (at most 60 s). */
    static JsonNode awaitReady(String id) throws Exception {
        for (int i = 0; i < 1200; i++) {
            ApiClient.Response r = api.as(ann.token()).get("/api/v1/media/" + id);
            if (r.status() == 200) {
                return r.json();
            }
            assertEquals(206, r.status(), "206 while processing: " + r);
            Thread.sleep(50);
        }
        throw new AssertionError("the task did not make the sizes of " + id + " within 60 s");
    }

    /** Files the blob store serves (the kept uploads under pending/ are not among them). */
    static long servedBlobs() throws Exception {
        Path media = dataDir.resolve("media");
        if (!Files.exists(media)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(media)) {
            return files.filter(Files::isRegularFile).filter(f -> !f.getParent().getFileName().toString()
                    .equals("pending")).count();
        }
    }

    @Test
    void aTwelveMegapixelPhoneJpegBecomesEverySizeAndAPostShowsIt() throws Exception {
        long before = servedBlobs();
        byte[] photo = Photos.jpeg(4000, 3000);
        String id = api.as(ann.token()).postMultipart("/api/v2/media", List.of(
                Part.file("file", "phone.jpg", "image/jpeg", photo), Part.field("description", "twelve megapixels")))
                .expect(202).json().path("id").asString();
        JsonNode ready = awaitReady(id);
        assertEquals(4000, ready.path("meta").path("original").path("width").asInt());
        assertEquals(3000, ready.path("meta").path("original").path("height").asInt());
        assertEquals(320, ready.path("meta").path("small").path("width").asInt());
        assertEquals(240, ready.path("meta").path("small").path("height").asInt());
        assertEquals(28, ready.path("blurhash").asString().length());
        assertEquals(4, servedBlobs() - before, "four sizes stored: 150 square, 320, 640 and 1080 wide");
        for (String field : List.of("url", "preview_url")) {
            URI uri = URI.create(ready.path(field).asString());
            ApiClient.Response file = api.get(uri).expect(200);
            assertTrue(file.header("Cache-Control").orElse("").contains("immutable")
                    || file.header("Cache-Control").orElse("").contains("max-age=31536000"), field + ": " + file);
            assertTrue(file.header("ETag").isPresent(), field);
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(api.download(uri)));
            assertEquals(field.equals("url") ? 1080 : 320, img.getWidth(), field);
            assertEquals(field.equals("url") ? 810 : 240, img.getHeight(), field);
        }
        String statusId = api.as(ann.token()).postJson("/api/v1/statuses",
                ApiClient.obj("status", "from my phone", "media_ids", List.of(id))).expect(200).json()
                .path("id").asString();
        JsonNode shown = api.as(ann.token()).get("/api/v1/statuses/" + statusId).expect(200).json()
                .path("media_attachments").path(0);
        assertEquals(ready.path("url").asString(), shown.path("url").asString());
        assertEquals("twelve megapixels", shown.path("description").asString());
    }

    /** A noisy photo (so it does not compress to nothing), as a JPEG. */
    static final class Photos {
        static byte[] jpeg(int w, int h) throws Exception {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            java.util.Random random = new java.util.Random(7);
            for (int y = 0; y < h; y += 8) {
                for (int x = 0; x < w; x += 8) {
                    int c = random.nextInt();
                    for (int dy = 0; dy < 8; dy++) {
                        for (int dx = 0; dx < 8; dx++) {
                            img.setRGB(Math.min(w - 1, x + dx), Math.min(h - 1, y + dy), c);
                        }
                    }
                }
            }
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            ImageIO.write(img, "jpg", out);
            return out.toByteArray();
        }
    }
}
