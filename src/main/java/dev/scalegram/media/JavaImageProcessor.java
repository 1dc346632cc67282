package dev.scalegram.media;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import net.coobird.thumbnailator.Thumbnails;
import net.coobird.thumbnailator.geometry.Positions;

/**
 * The pure-Java {@link ImageProcessor}: ImageIO decodes (TwelveMonkeys adds WebP), Thumbnailator resizes with
 * progressive bilinear steps, ImageIO writes the JPEGs. Each size is made from the next larger one, not from the
 * original, so only the first step touches every pixel of a 12-megapixel photo.
 */
final class JavaImageProcessor implements ImageProcessor {

    static final float JPEG_QUALITY = 0.85f;

    @Override
    public String name() {
        return "ImageIO + Thumbnailator";
    }

    @Override
    public Processed process(byte[] original, ImageHeader header) {
        BufferedImage stored = decode(original);
        int orientation = header.contentType().equals("image/jpeg") ? ExifOrientation.of(original) : 1;
        boolean swap = ExifOrientation.swapsSides(orientation);
        int width = swap ? stored.getHeight() : stored.getWidth();
        int height = swap ? stored.getWidth() : stored.getHeight();

        List<Size> sizes = ImageProcessor.SIZES;
        Rendition[] out = new Rendition[sizes.size()];
        BufferedImage source = null;
        for (int k = sizes.size() - 1; k >= 0; k--) {
            Size size = sizes.get(k);
            int w = ImageProcessor.widthFor(size, width, height);
            int h = ImageProcessor.heightFor(size, width, height);
            BufferedImage image;
            if (source == null) {
                // The largest size: shrink the stored pixels first, then turn the small result upright.
                BufferedImage shrunk = resize(stored, swap ? h : w, swap ? w : h);
                image = upright(shrunk, orientation);
                stored = null; // the decoded original is the largest object here; let it go early
            } else if (size.square()) {
                image = square(source, w);
            } else {
                image = resize(source, w, h);
            }
            out[k] = new Rendition(size, image.getWidth(), image.getHeight(), jpeg(image));
            if (!size.square()) {
                source = image;
            }
        }
        return new Processed(List.of(out), width, height, blurhash(source));
    }

    /**
     * The BlurHash of a small upright image (the 320 px size): shrunk to 32 px wide first, since a 4×3 hash cannot
     * tell the difference and the DCT costs per pixel. Shared with {@link VipsImageProcessor}, so both give the same
     * hash for the same pixels.
     */
    static String blurhash(BufferedImage source) {
        BufferedImage tiny = resize(source, Math.min(32, source.getWidth()),
                Math.max(1, Math.round(source.getHeight() * Math.min(32f, source.getWidth()) / source.getWidth())));
        int[] rgb = tiny.getRGB(0, 0, tiny.getWidth(), tiny.getHeight(), null, 0, tiny.getWidth());
        return Blurhash.encode(rgb, tiny.getWidth(), tiny.getHeight(), BLURHASH_X, BLURHASH_Y);
    }

    private static BufferedImage decode(byte[] original) {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(original));
        } catch (IOException | RuntimeException e) {
            throw new UploadMedia.Rejected("Validation failed: the image could not be decoded (" + e.getMessage() + ")");
        }
        if (img == null) {
            throw new UploadMedia.Rejected("Validation failed: the image could not be decoded");
        }
        return rgb(img);
    }

    /** Opaque RGB: JPEG has no alpha, so transparent pixels go onto white (as a browser shows them on a page). */
    private static BufferedImage rgb(BufferedImage img) {
        if (img.getType() == BufferedImage.TYPE_INT_RGB || img.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            return img;
        }
        BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            g.drawImage(img, 0, 0, Color.WHITE, null);
        } finally {
            g.dispose();
        }
        return rgb;
    }

    private static BufferedImage resize(BufferedImage img, int w, int h) {
        if (img.getWidth() == w && img.getHeight() == h) {
            return img;
        }
        try {
            return Thumbnails.of(img).forceSize(w, h).asBufferedImage();
        } catch (IOException e) {
            throw new IllegalStateException("resizing failed", e);
        }
    }

    private static BufferedImage square(BufferedImage img, int side) {
        try {
            int crop = Math.min(img.getWidth(), img.getHeight());
            return Thumbnails.of(img).sourceRegion(Positions.CENTER, crop, crop).forceSize(side, side)
                    .asBufferedImage();
        } catch (IOException e) {
            throw new IllegalStateException("resizing failed", e);
        }
    }

    /** Applies an EXIF orientation (1-8): mirror and/or turn so the result stands upright. */
    static BufferedImage upright(BufferedImage img, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return img;
        }
        int w = img.getWidth();
        int h = img.getHeight();
        boolean swap = ExifOrientation.swapsSides(orientation);
        AffineTransform t = switch (orientation) {
            case 2 -> new AffineTransform(-1, 0, 0, 1, w, 0);   // mirror horizontally
            case 3 -> new AffineTransform(-1, 0, 0, -1, w, h);  // turn 180°
            case 4 -> new AffineTransform(1, 0, 0, -1, 0, h);   // mirror vertically
            case 5 -> new AffineTransform(0, 1, 1, 0, 0, 0);    // transpose
            case 6 -> new AffineTransform(0, 1, -1, 0, h, 0);   // turn 90° clockwise
            case 7 -> new AffineTransform(0, -1, -1, 0, h, w);  // transverse
            default -> new AffineTransform(0, -1, 1, 0, 0, w);  // 8: turn 90° counter-clockwise
        };
        BufferedImage out = new BufferedImage(swap ? h : w, swap ? w : h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(img, t, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Encodes straight with ImageIO's JPEG writer: the image is final, there is nothing left to resize. */
    static byte[] jpeg(BufferedImage img) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(img.getWidth() * img.getHeight() / 4);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(JPEG_QUALITY);
            writer.write(null, new IIOImage(img, null, null), param);
        } catch (IOException e) {
            throw new IllegalStateException("JPEG encoding failed", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
