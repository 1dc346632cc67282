package dev.scalegram.media;

/**
 * The BlurHash of an image: a short string (about 28 characters for 4×3 components) from which a client draws a
 * blurred placeholder while the photo loads. Mastodon sends it in every MediaAttachment. Computed once per upload from
 * the smallest rendition, so its cost does not depend on the original's size.
 *
 * <p>The encoding is the published one (woltapp/blurhash): a DCT of the image in linear light, the DC term as sRGB,
 * the AC terms quantised against their maximum, all written in base 83.
 */
public final class Blurhash {

    private static final String BASE83 =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
    private static final double[] SRGB_TO_LINEAR = new double[256];

    static {
        for (int i = 0; i < 256; i++) {
            double v = i / 255.0;
            SRGB_TO_LINEAR[i] = v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
        }
    }

    private Blurhash() {}

    /**
     * @param rgb pixels as 0xRRGGBB (alpha ignored), row by row
     * @param componentsX horizontal components, 1 to 9
     * @param componentsY vertical components, 1 to 9
     */
    public static String encode(int[] rgb, int width, int height, int componentsX, int componentsY) {
        if (componentsX < 1 || componentsX > 9 || componentsY < 1 || componentsY > 9) {
            throw new IllegalArgumentException("components must be 1 to 9: " + componentsX + "x" + componentsY);
        }
        if (width < 1 || height < 1 || rgb.length < (long) width * height) {
            throw new IllegalArgumentException("no pixels for " + width + "x" + height);
        }
        double[][] factors = new double[componentsX * componentsY][];
        // The cosines depend on x or y only: computed once per column and row instead of once per pixel.
        double[][] cosX = cosines(componentsX, width);
        double[][] cosY = cosines(componentsY, height);
        for (int j = 0; j < componentsY; j++) {
            for (int i = 0; i < componentsX; i++) {
                double r = 0;
                double g = 0;
                double b = 0;
                for (int y = 0; y < height; y++) {
                    double cy = cosY[j][y];
                    int row = y * width;
                    for (int x = 0; x < width; x++) {
                        double basis = cosX[i][x] * cy;
                        int p = rgb[row + x];
                        r += basis * SRGB_TO_LINEAR[(p >> 16) & 0xff];
                        g += basis * SRGB_TO_LINEAR[(p >> 8) & 0xff];
                        b += basis * SRGB_TO_LINEAR[p & 0xff];
                    }
                }
                double scale = (i == 0 && j == 0 ? 1.0 : 2.0) / ((double) width * height);
                factors[j * componentsX + i] = new double[] {r * scale, g * scale, b * scale};
            }
        }

        StringBuilder hash = new StringBuilder(4 + 2 * factors.length);
        base83((componentsX - 1) + (componentsY - 1) * 9, 1, hash);
        double maximum;
        if (factors.length > 1) {
            double actual = 0;
            for (int k = 1; k < factors.length; k++) {
                for (double c : factors[k]) {
                    actual = Math.max(actual, Math.abs(c));
                }
            }
            int quantised = (int) Math.max(0, Math.min(82, Math.floor(actual * 166 - 0.5)));
            maximum = (quantised + 1) / 166.0;
            base83(quantised, 1, hash);
        } else {
            maximum = 1;
            base83(0, 1, hash);
        }
        double[] dc = factors[0];
        base83((linearToSrgb(dc[0]) << 16) + (linearToSrgb(dc[1]) << 8) + linearToSrgb(dc[2]), 4, hash);
        for (int k = 1; k < factors.length; k++) {
            double[] ac = factors[k];
            base83(quantiseAc(ac[0], maximum) * 19 * 19 + quantiseAc(ac[1], maximum) * 19
                    + quantiseAc(ac[2], maximum), 2, hash);
        }
        return hash.toString();
    }

    private static double[][] cosines(int components, int size) {
        double[][] c = new double[components][size];
        for (int i = 0; i < components; i++) {
            for (int p = 0; p < size; p++) {
                c[i][p] = Math.cos(Math.PI * i * p / size);
            }
        }
        return c;
    }

    private static int quantiseAc(double value, double maximum) {
        double v = value / maximum;
        double signPow = Math.copySign(Math.sqrt(Math.abs(v)), v);
        return (int) Math.max(0, Math.min(18, Math.floor(signPow * 9 + 9.5)));
    }

    private static int linearToSrgb(double value) {
        double v = Math.max(0, Math.min(1, value));
        return v <= 0.0031308 ? (int) (v * 12.92 * 255 + 0.5) : (int) ((1.055 * Math.pow(v, 1 / 2.4) - 0.055) * 255 + 0.5);
    }

    private static void base83(int value, int length, StringBuilder into) {
        for (int i = 1; i <= length; i++) {
            int digit = (int) (value / pow83(length - i) % 83);
            into.append(BASE83.charAt(digit));
        }
    }

    private static long pow83(int n) {
        long r = 1;
        for (int i = 0; i < n; i++) {
            r *= 83;
        }
        return r;
    }
}
