package dev.scalegram.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ExifOrientationTest {

    /** SOI, an APP1 Exif segment with one IFD0 entry (orientation), then SOS and EOI. */
    static byte[] jpegWithOrientation(int orientation, boolean littleEndian) {
        ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        if (littleEndian) {
            tiff.writeBytes(new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0});
            tiff.writeBytes(new byte[] {0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte) orientation, 0, 0, 0});
        } else {
            tiff.writeBytes(new byte[] {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1});
            tiff.writeBytes(new byte[] {0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0});
        }
        tiff.writeBytes(new byte[] {0, 0, 0, 0}); // no next IFD
        byte[] t = tiff.toByteArray();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD8});
        int len = 2 + 6 + t.length;
        b.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len});
        b.writeBytes("Exif\0\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.writeBytes(t);
        b.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xDA, 0, 2, (byte) 0xFF, (byte) 0xD9});
        return b.toByteArray();
    }

    @Test
    void readsTheOrientationInBothByteOrders() {
        for (int o = 1; o <= 8; o++) {
            assertEquals(o, ExifOrientation.of(jpegWithOrientation(o, true)), "II, orientation " + o);
            assertEquals(o, ExifOrientation.of(jpegWithOrientation(o, false)), "MM, orientation " + o);
        }
    }

    @Test
    void missingOrMalformedMeansAsStored() {
        assertEquals(1, ExifOrientation.of(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9}));
        assertEquals(1, ExifOrientation.of("not a jpeg at all".getBytes()));
        assertEquals(1, ExifOrientation.of(jpegWithOrientation(9, true)), "out of range");
        byte[] cut = jpegWithOrientation(6, true);
        for (int n = 0; n < cut.length - 4; n++) {
            int o = ExifOrientation.of(Arrays.copyOf(cut, n));
            assertTrue(o == 1 || o == 6, "truncated at " + n + " gave " + o);
        }
    }

    @Test
    void onlyTheQuarterTurnsSwapSides() {
        for (int o = 1; o <= 4; o++) {
            assertFalse(ExifOrientation.swapsSides(o));
        }
        for (int o = 5; o <= 8; o++) {
            assertTrue(ExifOrientation.swapsSides(o));
        }
    }
}
