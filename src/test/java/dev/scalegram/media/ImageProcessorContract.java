package dev.scalegram.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ImageProcessor} must do, on images drawn here: sizes, EXIF orientation, alpha, a BlurHash, and what
 * does not decode. Each implementation has a subclass that runs these against it.
 */
abstract class ImageProcessorContract {

    final ImageProcessor processor = processor();

    abstract ImageProcessor processor();

    /** Left half red, right half blue: after a turn, where the red went tells which way it turned. */
    static BufferedImage halves(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, w / 2, h);
        g.setColor(Color.BLUE);
        g.fillRect(w / 2, 0, w - w / 2, h);
        g.dispose();
        return img;
    }

    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "a writer for " + format);
        return out.toByteArray();
    }

    /** {@code jpeg} with an EXIF APP1 segment carrying {@code orientation} put right after SOI. */
    static byte[] withOrientation(byte[] jpeg, int orientation) {
        byte[] exif = ExifOrientationTest.jpegWithOrientation(orientation, false);
        int app1Length = ((exif[4] & 0xff) << 8 | (exif[5] & 0xff)) + 2;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(jpeg, 0, 2);
        b.write(exif, 2, app1Length);
        b.write(jpeg, 2, jpeg.length - 2);
        return b.toByteArray();
    }

    static BufferedImage read(byte[] jpeg) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(jpeg));
    }

    static ImageHeader header(byte[] bytes) {
        return ImageHeader.read(bytes).orElseThrow();
    }

    @Test
    void makesEverySizeOnceWithTheRightDimensions() throws IOException {
        byte[] jpeg = encode(halves(1200, 900, BufferedImage.TYPE_INT_RGB), "jpg");
        ImageProcessor.Processed p = processor.process(jpeg, header(jpeg));
        assertEquals(1200, p.width());
        assertEquals(900, p.height());
        List<int[]> expected = List.of(new int[] {150, 150}, new int[] {320, 240}, new int[] {640, 480},
                new int[] {1080, 810});
        assertEquals(ImageProcessor.SIZES.size(), p.renditions().size());
        for (int k = 0; k < expected.size(); k++) {
            ImageProcessor.Rendition r = p.renditions().get(k);
            assertEquals(ImageProcessor.SIZES.get(k), r.size());
            assertEquals(expected.get(k)[0], r.width(), r.size().name());
            assertEquals(expected.get(k)[1], r.height(), r.size().name());
            BufferedImage decoded = read(r.jpeg());
            assertEquals(r.width(), decoded.getWidth(), "the JPEG is as wide as said");
            assertEquals(r.height(), decoded.getHeight());
        }
        assertEquals(28, p.blurhash().length());
    }

    @Test
    void neverEnlargesASmallPhoto() throws IOException {
        byte[] png = encode(halves(200, 100, BufferedImage.TYPE_INT_RGB), "png");
        ImageProcessor.Processed p = processor.process(png, header(png));
        for (ImageProcessor.Rendition r : p.renditions()) {
            assertTrue(r.width() <= 200 && r.height() <= 100, r.size() + ": " + r.width() + "x" + r.height());
        }
        assertEquals(100, p.renditions().getFirst().width(), "the square is as big as the short side allows");
        assertEquals(200, p.renditions().getLast().width());
        assertEquals(100, p.renditions().getLast().height());
        assertEquals(28, p.blurhash().length());
    }

    @Test
    void aPanoramaStillGetsAFullSquare() throws IOException {
        byte[] jpeg = encode(halves(4000, 300, BufferedImage.TYPE_INT_RGB), "jpg");
        ImageProcessor.Processed p = processor.process(jpeg, header(jpeg));
        ImageProcessor.Rendition square = p.renditions().getFirst();
        assertEquals(150, square.width());
        assertEquals(150, square.height());
        BufferedImage img = read(square.jpeg());
        assertEquals(150, img.getWidth());
        assertEquals(150, img.getHeight());
        assertEquals(81, p.renditions().getLast().height(), "1080 × 300 / 4000, rounded");
    }

    @Test
    void appliesTheExifOrientation() throws IOException {
        byte[] stored = encode(halves(1200, 900, BufferedImage.TYPE_INT_RGB), "jpg");
        byte[] turned = withOrientation(stored, 6); // 90° clockwise: the stored left half becomes the top
        assertEquals(6, ExifOrientation.of(turned));
        ImageProcessor.Processed p = processor.process(turned, header(turned));
        assertEquals(900, p.width());
        assertEquals(1200, p.height());
        ImageProcessor.Rendition large = p.renditions().getLast();
        assertEquals(900, large.width(), "1080 wide is more than the original: kept at 900");
        assertEquals(1200, large.height());
        BufferedImage img = read(large.jpeg());
        assertTrue(isRed(img.getRGB(450, 100)), "top is red");
        assertTrue(isBlue(img.getRGB(450, 1100)), "bottom is blue");
        assertFalse(p.renditions().stream().anyMatch(r -> ExifOrientation.of(r.jpeg()) != 1),
                "renditions carry no orientation");
        BufferedImage square = read(p.renditions().getFirst().jpeg());
        assertEquals(150, square.getWidth());
        assertEquals(150, square.getHeight());
        assertTrue(isRed(square.getRGB(75, 10)) && isBlue(square.getRGB(75, 140)), "the square is upright too");
    }

    @Test
    void everyOrientationStandsUpright() throws IOException {
        // The upright picture, stored turned the opposite way of each orientation (as a camera would store it), must
        // come out upright again: red top left, blue bottom right.
        BufferedImage upright = quadrants(600, 400);
        for (int o = 1; o <= 8; o++) {
            BufferedImage stored = JavaImageProcessor.upright(upright, INVERSE[o]);
            byte[] jpeg = withOrientation(encode(stored, "jpg"), o);
            ImageProcessor.Processed p = processor.process(jpeg, header(jpeg));
            assertEquals(600, p.width(), "orientation " + o);
            assertEquals(400, p.height(), "orientation " + o);
            BufferedImage large = read(p.renditions().getLast().jpeg());
            assertEquals(600, large.getWidth(), "orientation " + o);
            assertTrue(isRed(large.getRGB(100, 100)), "orientation " + o + ": red top left");
            assertTrue(isBlue(large.getRGB(500, 300)), "orientation " + o + ": blue bottom right");
        }
    }

    /** The orientation that undoes each one: the turns 6 and 8 undo each other, the others undo themselves. */
    private static final int[] INVERSE = {0, 1, 2, 3, 4, 5, 8, 7, 6};

    /** Red top left, green top right, white bottom left, blue bottom right. */
    static BufferedImage quadrants(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, w / 2, h / 2);
        g.setColor(Color.GREEN);
        g.fillRect(w / 2, 0, w - w / 2, h / 2);
        g.setColor(Color.WHITE);
        g.fillRect(0, h / 2, w / 2, h - h / 2);
        g.setColor(Color.BLUE);
        g.fillRect(w / 2, h / 2, w - w / 2, h - h / 2);
        g.dispose();
        return img;
    }

    @Test
    void transparentPixelsGoOntoWhite() throws IOException {
        BufferedImage argb = new BufferedImage(400, 300, BufferedImage.TYPE_INT_ARGB); // fully transparent
        byte[] png = encode(argb, "png");
        ImageProcessor.Processed p = processor.process(png, header(png));
        for (ImageProcessor.Rendition r : p.renditions()) {
            BufferedImage img = read(r.jpeg());
            Color c = new Color(img.getRGB(img.getWidth() / 2, img.getHeight() / 2));
            assertTrue(c.getRed() > 240 && c.getGreen() > 240 && c.getBlue() > 240, r.size().name() + ": " + c);
        }
        assertEquals(28, p.blurhash().length());
    }

    @Test
    void halfTransparentRedGoesOntoWhiteAsPink() throws IOException {
        BufferedImage argb = new BufferedImage(400, 300, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = argb.createGraphics();
        g.setColor(new Color(255, 0, 0, 128));
        g.fillRect(0, 0, 400, 300);
        g.dispose();
        byte[] png = encode(argb, "png");
        ImageProcessor.Processed p = processor.process(png, header(png));
        BufferedImage large = read(p.renditions().getLast().jpeg());
        Color c = new Color(large.getRGB(200, 150));
        assertTrue(c.getRed() > 240 && c.getGreen() > 110 && c.getGreen() < 145 && c.getBlue() > 110
                && c.getBlue() < 145, "half red on white: " + c);
    }

    @Test
    void garbageBehindAValidHeaderIsRejected() throws IOException {
        byte[] png = encode(halves(64, 64, BufferedImage.TYPE_INT_RGB), "png");
        byte[] broken = Arrays.copyOf(png, png.length);
        Arrays.fill(broken, 40, broken.length, (byte) 7);
        assertThrows(UploadMedia.Rejected.class, () -> processor.process(broken, header(broken)));
    }

    @Test
    void aTruncatedImageIsRejected() throws IOException {
        // UploadMedia refuses a file without its end before any processor sees it; this is the processor's own
        // guard, for a file that claims to be whole but is not.
        byte[] png = encode(ImageProcessorsAgreeTest.noise(300, 200, 5), "png");
        byte[] cut = Arrays.copyOf(png, png.length / 2);
        assertThrows(UploadMedia.Rejected.class, () -> processor.process(cut, header(cut)));
    }

    private static boolean isRed(int rgb) {
        Color c = new Color(rgb);
        return c.getRed() > 200 && c.getBlue() < 60;
    }

    private static boolean isBlue(int rgb) {
        Color c = new Color(rgb);
        return c.getBlue() > 200 && c.getRed() < 60;
    }
}
