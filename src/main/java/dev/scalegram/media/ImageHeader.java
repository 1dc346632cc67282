package dev.scalegram.media;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The type and pixel size of an image, read from its first bytes only (nothing is decoded): JPEG (SOFn marker),
 * PNG (IHDR) and WebP (VP8, VP8L, VP8X).
 */
public record ImageHeader(String contentType, String extension, int width, int height) {

    public static Optional<ImageHeader> read(byte[] b) {
        try {
            if (b.length > 24 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
                ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
                return Optional.of(new ImageHeader("image/png", "png", bb.getInt(16), bb.getInt(20)));
            }
            if (b.length > 4 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8) {
                return jpeg(b);
            }
            if (b.length > 30 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
                    && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
                return webp(b);
            }
        } catch (IndexOutOfBoundsException truncated) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Pixels the image declares: what decoding it would allocate, known before decoding. */
    public long pixels() {
        return (long) width * height;
    }

    /**
     * Whether {@code b} holds the whole image: a JPEG's end marker after its first scan, a PNG's chunks up to IEND, a
     * WebP's RIFF length. Decoders fill a cut-off image with grey and carry on, so this is checked before decoding.
     */
    public boolean completeIn(byte[] b) {
        try {
            return switch (extension) {
                case "jpg" -> jpegComplete(b);
                case "png" -> pngComplete(b);
                case "webp" -> (ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(4) & 0xffffffffL) + 8
                        <= b.length;
                default -> false;
            };
        } catch (IndexOutOfBoundsException truncated) {
            return false;
        }
    }

    private static boolean jpegComplete(byte[] b) {
        int i = 2;
        while (i + 4 <= b.length) {
            if ((b[i] & 0xff) != 0xFF) {
                return false;
            }
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) {
                i++; // fill byte
                continue;
            }
            if (marker == 0xDA) {
                // Entropy-coded data escapes 0xFF as FF 00, so FF D9 after the scan starts is the real end marker.
                for (int k = i + 2; k + 1 < b.length; k++) {
                    if ((b[k] & 0xff) == 0xFF && (b[k + 1] & 0xff) == 0xD9) {
                        return true;
                    }
                }
                return false;
            }
            i += 2 + (((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff));
        }
        return false;
    }

    private static boolean pngComplete(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
        long i = 8;
        while (i + 12 <= b.length) {
            long length = bb.getInt((int) i) & 0xffffffffL;
            boolean end = b[(int) i + 4] == 'I' && b[(int) i + 5] == 'E' && b[(int) i + 6] == 'N'
                    && b[(int) i + 7] == 'D';
            i += 12 + length;
            if (end) {
                return i <= b.length;
            }
        }
        return false;
    }

    private static Optional<ImageHeader> jpeg(byte[] b) {
        int i = 2;
        while (i + 9 < b.length) {
            if ((b[i] & 0xff) != 0xFF) {
                return Optional.empty();
            }
            int marker = b[i + 1] & 0xff;
            int len = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                int h = ((b[i + 5] & 0xff) << 8) | (b[i + 6] & 0xff);
                int w = ((b[i + 7] & 0xff) << 8) | (b[i + 8] & 0xff);
                return w > 0 && h > 0 ? Optional.of(new ImageHeader("image/jpeg", "jpg", w, h)) : Optional.empty();
            }
            i += 2 + len;
        }
        return Optional.empty();
    }

    private static Optional<ImageHeader> webp(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
        return switch (chunk) {
            case "VP8 " -> Optional.of(new ImageHeader("image/webp", "webp",
                    bb.getShort(26) & 0x3fff, bb.getShort(28) & 0x3fff));
            case "VP8L" -> {
                int bits = bb.getInt(21);
                yield Optional.of(new ImageHeader("image/webp", "webp", (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1));
            }
            case "VP8X" -> Optional.of(new ImageHeader("image/webp", "webp",
                    1 + ((b[24] & 0xff) | (b[25] & 0xff) << 8 | (b[26] & 0xff) << 16),
                    1 + ((b[27] & 0xff) | (b[28] & 0xff) << 8 | (b[29] & 0xff) << 16)));
            default -> Optional.empty();
        };
    }
}
