package dev.scalegram.web;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The default avatar, profile header and instance thumbnail that entities link to (drawn once at start-up: no files
 * to ship), and the web UI's stylesheet and htmx (read from the classpath: htmx from its WebJar), all served with
 * cache headers.
 */
public final class StaticAssets {

    private static final String HTMX_POM = "META-INF/maven/org.webjars.npm/htmx.org/pom.properties";

    /** A file the web UI loads, with its content-derived ETag. */
    private record Asset(String contentType, byte[] bytes, String etag, String cacheControl) {}

    private final Map<String, Asset> web = Map.of(
            "app.css", asset("text/css; charset=utf-8", resource("web/app.css"), "public, max-age=3600"),
            // One version per build, and htmx's URL is fixed: a year is safe as long as upgrades stay rare, and the
            // ETag lets a browser revalidate cheaply after one.
            "htmx.min.js", asset("text/javascript; charset=utf-8", resource(htmxPath()), "public, max-age=31536000"));

    private final Map<String, byte[]> assets = Map.of(
            "avatar.png", draw(96, 96, true),
            "header.png", draw(700, 235, false),
            "thumbnail.png", draw(400, 210, false));

    public void routes(HttpRouting.Builder r) {
        r.get("/assets/{name}", (req, res) -> {
            Asset a = web.get(req.path().pathParameters().first("name").orElse(""));
            if (a == null) {
                res.status(404);
                res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
                res.send("Not found");
                return;
            }
            res.header(HeaderNames.ETAG, a.etag());
            res.header(HeaderNames.CACHE_CONTROL, a.cacheControl());
            if (req.headers().first(HeaderNames.IF_NONE_MATCH).map(a.etag()::equals).orElse(false)) {
                res.status(304).send();
                return;
            }
            res.header(HeaderNames.CONTENT_TYPE, a.contentType());
            res.send(a.bytes());
        });
        r.get("/static/{name}", (req, res) -> {
            byte[] png = assets.get(req.path().pathParameters().first("name").orElse(""));
            if (png == null) {
                res.status(404);
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                res.send("{\"error\":\"Not found\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return;
            }
            res.header(HeaderNames.CONTENT_TYPE, "image/png");
            res.header(HeaderNames.CACHE_CONTROL, "public, max-age=86400");
            res.send(png);
        });
    }

    private static Asset asset(String type, byte[] bytes, String cacheControl) {
        return new Asset(type, bytes, "\"" + dev.scalegram.api.OAuthStore.digest(new String(bytes,
                java.nio.charset.StandardCharsets.ISO_8859_1)).substring(0, 32) + "\"", cacheControl);
    }

    private static String htmxPath() {
        java.util.Properties pom = new java.util.Properties();
        try {
            pom.load(new java.io.ByteArrayInputStream(resource(HTMX_POM)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "META-INF/resources/webjars/htmx.org/" + pom.getProperty("version") + "/dist/htmx.min.js";
    }

    private static byte[] resource(String path) {
        try (var in = StaticAssets.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing from the classpath: " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] draw(int w, int h, boolean person) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(new Color(0xDB, 0xDB, 0xDB));
            g.fillRect(0, 0, w, h);
            if (person) {
                g.setColor(new Color(0xF5, 0xF5, 0xF5));
                g.fillOval(w * 3 / 10, h / 5, w * 2 / 5, h * 2 / 5);
                g.fillOval(w / 6, h * 13 / 20, w * 2 / 3, h * 3 / 5);
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
