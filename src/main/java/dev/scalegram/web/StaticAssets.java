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
 * The default avatar, profile header and instance thumbnail that entities link to. Drawn once at start-up (no files
 * to ship) and served with long-lived cache headers.
 */
public final class StaticAssets {

    private final Map<String, byte[]> assets = Map.of(
            "avatar.png", draw(96, 96, true),
            "header.png", draw(700, 235, false),
            "thumbnail.png", draw(400, 210, false));

    public void routes(HttpRouting.Builder r) {
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
