package dev.scalegram.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both processors describe a photo the same way (a client cannot tell which made it), and {@code auto} takes libvips
 * where it is installed, as it is wherever the tests run.
 */
class ImageProcessorsAgreeTest {

    private final ImageProcessor java = new JavaImageProcessor();
    private final ImageProcessor vips = VipsImageProcessor.load();

    @ParameterizedTest(name = "{0}x{1}, orientation {2}")
    @CsvSource({"4000,3000,1", "3000,4000,1", "1200,900,6", "1081,721,1", "1920,1080,8", "1000,1000,1", "333,777,1",
            "2999,1687,3", "5000,500,1", "160,90,1", "1,1,1"})
    void sameDimensionsForEveryAspectRatio(int w, int h, int orientation) throws IOException {
        byte[] jpeg = ImageProcessorContract.encode(noise(w, h, w * 31L + h), "jpg");
        if (orientation != 1) {
            jpeg = ImageProcessorContract.withOrientation(jpeg, orientation);
        }
        ImageHeader header = ImageProcessorContract.header(jpeg);
        ImageProcessor.Processed a = java.process(jpeg, header);
        ImageProcessor.Processed b = vips.process(jpeg, header);
        assertEquals(a.width(), b.width());
        assertEquals(a.height(), b.height());
        for (int k = 0; k < ImageProcessor.SIZES.size(); k++) {
            ImageProcessor.Rendition x = a.renditions().get(k);
            ImageProcessor.Rendition y = b.renditions().get(k);
            assertEquals(x.size(), y.size());
            String what = x.size().name() + ": java " + x.width() + "x" + x.height() + ", vips " + y.width() + "x"
                    + y.height();
            assertEquals(x.width(), y.width(), what);
            assertEquals(x.height(), y.height(), what);
            BufferedImage decoded = ImageProcessorContract.read(y.jpeg());
            assertEquals(y.width(), decoded.getWidth(), "the JPEG is as wide as said: " + what);
            assertEquals(y.height(), decoded.getHeight(), "the JPEG is as high as said: " + what);
        }
    }

    @Test
    void samePixelsNearlyAndTheSameBlurhashShape() throws IOException {
        byte[] jpeg = ImageProcessorContract.encode(ImageProcessorContract.quadrants(1600, 1200), "jpg");
        ImageHeader header = ImageProcessorContract.header(jpeg);
        ImageProcessor.Processed a = java.process(jpeg, header);
        ImageProcessor.Processed b = vips.process(jpeg, header);
        for (int k = 0; k < ImageProcessor.SIZES.size(); k++) {
            BufferedImage x = ImageProcessorContract.read(a.renditions().get(k).jpeg());
            BufferedImage y = ImageProcessorContract.read(b.renditions().get(k).jpeg());
            double diff = meanAbsoluteDifference(x, y);
            assertTrue(diff < 6, ImageProcessor.SIZES.get(k).name() + ": mean difference " + diff + " of 255");
        }
        assertEquals(a.blurhash().length(), b.blurhash().length());
        assertEquals(a.blurhash().substring(0, 2), b.blurhash().substring(0, 2), "same components and maximum");
    }

    @Test
    void autoTakesLibvipsHere() {
        ImageProcessor auto = ImageProcessor.forSetting("auto");
        assertInstanceOf(VipsImageProcessor.class, auto);
        assertTrue(auto.name().matches("libvips \\d+\\.\\d+\\.\\d+"), auto.name());
        assertEquals(auto.name(), ImageProcessor.forSetting("vips").name());
        assertInstanceOf(JavaImageProcessor.class, ImageProcessor.forSetting("java"));
        assertThrows(IllegalArgumentException.class, () -> ImageProcessor.forSetting("gpu"));
    }

    /** Detail everywhere (no flat areas a codec could shortcut), reproducible from the seed. */
    static BufferedImage noise(int w, int h, long seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int red = (x * 255 / w + r.nextInt(40)) & 0xff;
                int green = (y * 255 / h + r.nextInt(40)) & 0xff;
                img.setRGB(x, y, red << 16 | green << 8 | r.nextInt(256));
            }
        }
        return img;
    }

    private static double meanAbsoluteDifference(BufferedImage x, BufferedImage y) {
        assertEquals(x.getWidth(), y.getWidth());
        assertEquals(x.getHeight(), y.getHeight());
        long sum = 0;
        for (int j = 0; j < x.getHeight(); j++) {
            for (int i = 0; i < x.getWidth(); i++) {
                int p = x.getRGB(i, j);
                int q = y.getRGB(i, j);
                for (int shift = 0; shift <= 16; shift += 8) {
                    sum += Math.abs((p >> shift & 0xff) - (q >> shift & 0xff));
                }
            }
        }
        return sum / (3.0 * x.getWidth() * x.getHeight());
    }
}
