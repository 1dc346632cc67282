package dev.scalegram.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.server.Scalegram;
import dev.scalegram.server.ServeOptions;
import dev.scalegram.testing.ApiClient;
import dev.scalegram.testing.ApiClient.Part;
import dev.scalegram.testing.TestPostgres;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Uploading originals: type sniffed from the bytes, size limits, content-addressed and cacheable URLs. */
class MediaApiTest {

    static Scalegram app;
    static ApiClient api;
    static ApiClient.User ann;
    static ApiClient.User ben;
    static Path dataDir;

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory(Path.of("target"), "media-test");
        Topology t = TestPostgres.topology(8).withLimits(new Topology.LimitsConfig(500, 64 * 1024, 4, 40));
        app = Scalegram.start(new ServeOptions(t, dataDir.toAbsolutePath(), 0));
        api = ApiClient.local(app.port());
        String appToken = api.appToken(api.createApp("media-test"));
        ann = api.register(appToken, "ann");
        ben = api.register(appToken, "ben");
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static byte[] png(int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(1, 1, 0xff0000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    static long blobs() throws Exception {
        Path media = dataDir.resolve("media");
        if (!Files.exists(media)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(media)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void aPhotoUploadsOnceAndIsServedWithLongLivedCacheHeaders() throws Exception {
        byte[] photo = png(20, 10);
        ApiClient.Response r = api.as(ann.token()).postMultipart("/api/v2/media", List.of(
                Part.file("file", "tiny.png", "image/png", photo), Part.field("description", "a red dot"))).expect(200);
        JsonNode media = r.json();
        assertEquals("image", media.path("type").asString());
        assertEquals("a red dot", media.path("description").asString());
        assertEquals(20, media.path("meta").path("original").path("width").asInt());
        assertEquals(10, media.path("meta").path("original").path("height").asInt());
        assertEquals(20, media.path("meta").path("small").path("width").asInt(), "never enlarged");
        assertEquals(28, media.path("blurhash").asString().length());
        BufferedImage preview = ImageIO.read(new java.io.ByteArrayInputStream(
                api.download(URI.create(media.path("preview_url").asString()))));
        assertEquals(20, preview.getWidth());
        assertEquals(10, preview.getHeight());

        ApiClient.Response file = api.get(URI.create(media.path("url").asString())).expect(200);
        assertTrue(file.header("Cache-Control").orElse("").contains("max-age=31536000"));
        String etag = file.header("ETag").orElseThrow();
        assertEquals("image/jpeg", file.header("Content-Type").orElseThrow(), "sizes are JPEGs");
        ApiClient.Response again = api.send("GET", URI.create(media.path("url").asString()), null, null);
        assertEquals(200, again.status());

        String id = media.path("id").asString();
        api.as(ann.token()).get("/api/v1/media/" + id).expect(200);
        api.as(ben.token()).get("/api/v1/media/" + id).expect(404);
        // Alt text can be changed until the photo is posted, by its owner only.
        assertEquals("a red dot on black", api.as(ann.token()).sendJson("PUT", "/api/v1/media/" + id,
                ApiClient.obj("description", "a red dot on black")).expect(200).json().path("description").asString());
        api.as(ben.token()).sendJson("PUT", "/api/v1/media/" + id, ApiClient.obj("description", "mine now")).expect(404);
        api.as(ann.token()).sendJson("PUT", "/api/v1/media/" + id, ApiClient.obj("description", "x".repeat(1501)))
                .expect(422);

        JsonNode status = api.as(ann.token()).postJson("/api/v1/statuses",
                ApiClient.obj("status", "look", "media_ids", List.of(id))).expect(200).json();
        assertEquals(id, status.path("media_attachments").path(0).path("id").asString());
        assertEquals("a red dot on black", status.path("media_attachments").path(0).path("description").asString());
        api.as(ann.token()).sendJson("PUT", "/api/v1/media/" + id, ApiClient.obj("description", "changed after"))
                .expect(422);
        assertFalse(etag.isEmpty());

        api.as(ben.token()).postJson("/api/v1/statuses", ApiClient.obj("status", "theft", "media_ids", List.of(id)))
                .expect(422);
    }

    @Test
    void readyNamesTheImageProcessorThatRuns() {
        JsonNode ready = api.get("/ready").expect(200).json();
        assertEquals("UP", ready.path("status").asString());
        // The topology says auto, and the tests run where libvips42 is installed.
        assertTrue(ready.path("photos").asString().startsWith("libvips 8."), ready.toString());
    }

    @Test
    void whatIsNotAnAcceptablePhotoIs422AndStoresNothing() throws Exception {
        long before = blobs();
        api.as(ann.token()).postMultipart("/api/v2/media", List.of(
                Part.file("file", "notes.jpg", "image/jpeg", "just text, not a photo".getBytes()))).expect(422);
        byte[] truncated = java.util.Arrays.copyOf(png(30, 30), 12);
        api.as(ann.token()).postMultipart("/api/v2/media", List.of(
                Part.file("file", "cut.png", "image/png", truncated))).expect(422);
        api.as(ann.token()).postMultipart("/api/v2/media", List.of(
                Part.file("file", "huge.png", "image/png", new byte[70 * 1024]))).expect(422);
        api.as(ann.token()).postMultipart("/api/v2/media", List.of(Part.field("description", "no file"))).expect(422);
        // A decompression bomb: a tiny PNG whose header declares 100000 x 100000 pixels. Refused from the header.
        byte[] bomb = png(30, 30);
        java.nio.ByteBuffer.wrap(bomb).putInt(16, 100_000).putInt(20, 100_000);
        ApiClient.Response refused = api.as(ann.token()).postMultipart("/api/v2/media", List.of(
                Part.file("file", "bomb.png", "image/png", bomb))).expect(422);
        assertTrue(refused.json().path("error").asString().contains("pixels"), refused.json().toString());
        // A JPEG cut off in the middle of its image data: the header (and its SOF) is intact.
        BufferedImage noisy = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(1);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                noisy.setRGB(x, y, random.nextInt());
            }
        }
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(noisy, "jpg", jpeg);
        byte[] cut = java.util.Arrays.copyOf(jpeg.toByteArray(), jpeg.size() * 2 / 3);
        api.as(ann.token()).postMultipart("/api/v2/media", List.of(
                Part.file("file", "cut.jpg", "image/jpeg", cut))).expect(422);
        assertEquals(before, blobs(), "nothing stored");
    }
}
