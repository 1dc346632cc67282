package dev.scalegram.media;

/**
 * The EXIF orientation of a JPEG (tag 0x0112 in IFD0 of its APP1 "Exif" segment): how a camera says the pixels must be
 * turned to stand upright. Phones store portrait photos as landscape pixels plus this tag. Renditions are written
 * upright and without metadata, so the tag is applied once at upload and never needed again.
 *
 * <p>Reads only the header segments, and any malformed or missing field means 1 (as stored): a broken tag must not
 * reject a photo that decodes.
 */
public final class ExifOrientation {

    /** As stored: nothing to do. */
    public static final int NORMAL = 1;

    private ExifOrientation() {}

    /** @return 1 to 8 as EXIF defines them; 1 when absent, unreadable or not a JPEG */
    public static int of(byte[] jpeg) {
        try {
            if (jpeg.length < 4 || (jpeg[0] & 0xff) != 0xFF || (jpeg[1] & 0xff) != 0xD8) {
                return NORMAL;
            }
            int i = 2;
            while (i + 4 <= jpeg.length && (jpeg[i] & 0xff) == 0xFF) {
                int marker = jpeg[i + 1] & 0xff;
                if (marker == 0xDA || marker == 0xD9) {
                    return NORMAL; // image data starts: no EXIF before it
                }
                int len = u16(jpeg, i + 2, false);
                if (len < 2) {
                    return NORMAL;
                }
                if (marker == 0xE1 && len >= 8 && startsWith(jpeg, i + 4, "Exif\0\0")) {
                    int o = tiff(jpeg, i + 10, Math.min(jpeg.length, i + 2 + len));
                    if (o != 0) {
                        return o;
                    }
                }
                i += 2 + len;
            }
        } catch (IndexOutOfBoundsException truncated) {
            return NORMAL;
        }
        return NORMAL;
    }

    /** The orientation in a TIFF structure at {@code start}, or 0 if it has none. */
    private static int tiff(byte[] b, int start, int end) {
        boolean little;
        if (b[start] == 'I' && b[start + 1] == 'I') {
            little = true;
        } else if (b[start] == 'M' && b[start + 1] == 'M') {
            little = false;
        } else {
            return 0;
        }
        if (u16(b, start + 2, little) != 42) {
            return 0;
        }
        long ifd = u32(b, start + 4, little);
        int p = (int) (start + ifd);
        if (ifd < 8 || p + 2 > end) {
            return 0;
        }
        int entries = u16(b, p, little);
        for (int e = 0; e < entries; e++) {
            int entry = p + 2 + e * 12;
            if (entry + 12 > end) {
                return 0;
            }
            if (u16(b, entry, little) == 0x0112) {
                int type = u16(b, entry + 2, little);
                int value = type == 3 ? u16(b, entry + 8, little) : type == 4 ? (int) u32(b, entry + 8, little) : 0;
                return value >= 1 && value <= 8 ? value : 0;
            }
        }
        return 0;
    }

    /** Whether width and height trade places when the orientation is applied (the 90° turns). */
    public static boolean swapsSides(int orientation) {
        return orientation >= 5 && orientation <= 8;
    }

    private static boolean startsWith(byte[] b, int at, String ascii) {
        for (int k = 0; k < ascii.length(); k++) {
            if (b[at + k] != (byte) ascii.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static int u16(byte[] b, int at, boolean little) {
        int x = b[at] & 0xff;
        int y = b[at + 1] & 0xff;
        return little ? x | y << 8 : x << 8 | y;
    }

    private static long u32(byte[] b, int at, boolean little) {
        long hi = u16(b, at + (little ? 2 : 0), little);
        long lo = u16(b, at + (little ? 0 : 2), little);
        return hi << 16 | lo;
    }
}
