package dev.scalegram.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BlurhashTest {

    @Test
    void aBlackImageHasTheWellKnownAllBlackHash() {
        int[] black = new int[32 * 24];
        // size flag L (4x3), max AC 0, DC 0000, then eleven neutral ACs "fQ"
        assertEquals("L00000fQfQfQfQfQfQfQfQfQfQfQ", Blurhash.encode(black, 32, 24, 4, 3));
    }

    @Test
    void aFlatColourKeepsItsColourInTheDcTerm() {
        int[] white = new int[16 * 16];
        Arrays.fill(white, 0xFFFFFF);
        String hash = Blurhash.encode(white, 16, 16, 4, 3);
        assertEquals(28, hash.length());
        assertEquals(0xFFFFFF, decode83(hash.substring(2, 6)), "the DC term is the colour, in sRGB");
    }

    @Test
    void theLengthFollowsTheComponentCountAndDetailChangesTheHash() {
        int[] half = new int[20 * 10];
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 10; x++) {
                half[y * 20 + x] = 0xFF0000;
            }
        }
        String h = Blurhash.encode(half, 20, 10, 5, 4);
        assertEquals(4 + 2 * 5 * 4, h.length());
        assertEquals((5 - 1) + (4 - 1) * 9, decode83(h.substring(0, 1)), "the size flag");
        assertNotEquals("fQ", h.substring(6, 8), "a red left half has a horizontal AC term");
    }

    @Test
    void componentsOutsideOneToNineAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Blurhash.encode(new int[4], 2, 2, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> Blurhash.encode(new int[4], 2, 2, 4, 10));
        assertThrows(IllegalArgumentException.class, () -> Blurhash.encode(new int[3], 2, 2, 4, 3));
    }

    private static int decode83(String s) {
        String chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
        int v = 0;
        for (char c : s.toCharArray()) {
            v = v * 83 + chars.indexOf(c);
        }
        return v;
    }
}
