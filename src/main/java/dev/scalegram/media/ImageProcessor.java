package dev.scalegram.media;

import java.util.List;

/**
 * Turns an original photo into the sizes Scalegram serves, once, at upload ("do less": never per request). Two
 * implementations make the same sizes: libvips through FFM when Debian's libvips42 is installed (it decodes JPEGs
 * already shrunk), and ImageIO with Thumbnailator otherwise.
 */
public interface ImageProcessor {

    /** The sizes made of every photo, smallest first. */
    List<Size> SIZES = List.of(new Size("square", 150, true), new Size("small", 320, false),
            new Size("medium", 640, false), new Size("large", 1080, false));

    /** Components of the BlurHash (Mastodon uses 4×3). */
    int BLURHASH_X = 4;
    int BLURHASH_Y = 3;

    /**
     * A size to make: {@code width} px wide keeping the aspect ratio (never wider than the original), or, when
     * {@code square}, a centred square crop of {@code width} px.
     */
    record Size(String name, int width, boolean square) {}

    /** One size as made: an upright JPEG without metadata. */
    record Rendition(Size size, int width, int height, byte[] jpeg) {}

    /**
     * @param renditions one per {@link #SIZES} entry, in that order
     * @param width the upright original's width (sides swapped if the EXIF orientation turns it)
     * @param height the upright original's height
     * @param blurhash the BlurHash of the upright image
     */
    record Processed(List<Rendition> renditions, int width, int height, String blurhash) {}

    /**
     * The processor a {@code media.processor} setting asks for: {@code vips} (libvips through FFM), {@code java}
     * (ImageIO + Thumbnailator), or {@code auto}: libvips when it loads here, else the Java path. libvips is loaded
     * and initialised once per JVM.
     *
     * @throws IllegalStateException for {@code vips} when libvips cannot be loaded (the message names the library,
     *     {@code libvips.so.42}, and Debian's package, {@code libvips42})
     * @throws IllegalArgumentException for any other setting
     */
    static ImageProcessor forSetting(String setting) {
        return switch (setting) {
            case "java" -> new JavaImageProcessor();
            case "vips" -> VipsImageProcessor.load();
            case "auto" -> VipsImageProcessor.tryLoad().orElseGet(JavaImageProcessor::new);
            default -> throw new IllegalArgumentException("media.processor: expected auto, vips or java, got '"
                    + setting + "'");
        };
    }

    /** What runs, for logs and /ready: e.g. {@code libvips 8.14.1} or {@code ImageIO + Thumbnailator}. */
    String name();

    /**
     * Decodes {@code original} (whose header was already checked: type, and pixel count within the limit), applies
     * its EXIF orientation and makes every size.
     *
     * @throws UploadMedia.Rejected if the image does not decode (truncated, corrupt)
     */
    Processed process(byte[] original, ImageHeader header);

    /** The height of {@code size} for an upright original of {@code width} × {@code height}. */
    static int heightFor(Size size, int width, int height) {
        if (size.square()) {
            return Math.min(size.width(), Math.min(width, height));
        }
        int w = Math.min(size.width(), width);
        return Math.max(1, (int) Math.round((double) height * w / width));
    }

    /** The width of {@code size} for an upright original of {@code width} × {@code height}. */
    static int widthFor(Size size, int width, int height) {
        return size.square() ? Math.min(size.width(), Math.min(width, height)) : Math.min(size.width(), width);
    }
}
