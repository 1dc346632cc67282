package dev.scalegram.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.cache.LeaseCache.Lookup;
import dev.scalegram.cache.MetaReader.ProtocolException;
import dev.scalegram.cache.MetaReply.Code;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The reply parser on its own, fed bytes as memcached 1.6.18 writes them (and as a stream may cut them up). */
class MetaReaderTest {

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static MetaReader reader(String wire) {
        return new MetaReader(new ByteArrayInputStream(ascii(wire)), 1024);
    }

    /** Hands out one byte per read: every line and value arrives in pieces. */
    private static MetaReader trickle(byte[] wire, int bufferSize) {
        InputStream in = new InputStream() {
            private int pos;

            @Override
            public int read() {
                return pos < wire.length ? wire[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (len == 0) {
                    return 0;
                }
                if (pos >= wire.length) {
                    return -1;
                }
                b[off] = wire[pos++];
                return 1;
            }
        };
        return new MetaReader(in, bufferSize);
    }

    private static MetaReply line(String line) throws ProtocolException {
        MetaReply r = new MetaReply();
        byte[] b = ascii(line);
        MetaReader.parseLine(b, 0, b.length, r);
        return r;
    }

    @Test
    void aVivifiedWin() throws IOException {
        MetaReply r = reader("VA 0 c1 f0 t-1 W\r\n\r\n").read(new MetaReply());
        assertEquals(Code.VA, r.code);
        assertEquals(0, r.size);
        assertArrayEquals(new byte[0], r.value);
        assertEquals(1, r.cas);
        assertEquals(0, r.clientFlags);
        assertEquals(-1, r.ttl, "t-1: no expiry");
        assertTrue(r.won);
        assertFalse(r.mustWait);
        assertFalse(r.stale);
        Lookup l = MemcachedLeaseCache.lookup(r);
        assertNull(l.value(), "f0 and zero bytes: a placeholder");
        assertTrue(l.won());
    }

    @Test
    void winWaitAndStaleInEveryCombination() throws IOException {
        MetaReply zx = line("VA 5 c3 f1 t29 Z X");
        assertTrue(zx.mustWait && zx.stale && !zx.won);
        MetaReply xw = line("VA 5 c3 f1 t30 X W");
        assertTrue(xw.won && xw.stale && !xw.mustWait);
        MetaReply z = line("VA 0 c4 f0 t2 kbar O6 Z");
        assertTrue(z.mustWait && !z.stale && !z.won);
        MetaReply none = line("VA 5 c2 f1 t60");
        assertFalse(none.won || none.mustWait || none.stale);
        MetaReply flagsOnly = line("VA 2 W Z X");
        assertTrue(flagsOnly.won && flagsOnly.mustWait && flagsOnly.stale);
        assertEquals(-1, flagsOnly.cas, "no c asked, none given");
        assertEquals(MetaReply.NO_TTL, flagsOnly.ttl);
    }

    @Test
    void theKeyAndOpaqueAreEchoed() throws IOException {
        MetaReply r = line("VA 1 c12 f1 t60 kp3 O1");
        assertTrue(r.keyEquals("p3"));
        assertFalse(r.keyEquals("p"));
        assertFalse(r.keyEquals("p33"));
        assertEquals("p3", r.key());
        assertEquals(1, r.opaque);
        assertFalse(line("VA 1 c12").hasKey());
        assertEquals(-1, line("VA 1 c12").opaque);
    }

    @Test
    void theFlagDecidesBetweenAPlaceholderAndAnEmptyValue() throws IOException {
        MetaReader in = reader("VA 0 c5 f1 t-1\r\n\r\nVA 0 c6 f0 t30 X W\r\n\r\nVA 3 c7 f0\r\nabc\r\n");
        Lookup empty = MemcachedLeaseCache.lookup(in.read(new MetaReply()));
        assertArrayEquals(new byte[0], empty.value(), "F1 with zero bytes: ReadThrough's cached absence");
        assertTrue(empty.hit());
        Lookup stalePlaceholder = MemcachedLeaseCache.lookup(in.read(new MetaReply()));
        assertNull(stalePlaceholder.value());
        assertTrue(stalePlaceholder.won());
        assertFalse(stalePlaceholder.stale(), "a placeholder has nothing stale to serve");
        Lookup foreign = MemcachedLeaseCache.lookup(in.read(new MetaReply()));
        assertArrayEquals(ascii("abc"), foreign.value(), "bytes are a value whatever their flags");
    }

    @Test
    void everyReturnCode() throws IOException {
        MetaReader in = reader("HD\r\nEN\r\nNS\r\nEX\r\nNF\r\nMN\r\nEND\r\nERROR\r\n"
                + "CLIENT_ERROR bad command line format\r\nSERVER_ERROR out of memory storing object\r\nHD O9 kx\r\n");
        MetaReply r = new MetaReply();
        for (Code c : new Code[] {Code.HD, Code.EN, Code.NS, Code.EX, Code.NF, Code.MN, Code.END, Code.ERROR}) {
            assertEquals(c, in.read(r).code);
            assertNull(r.value);
        }
        assertEquals(Code.CLIENT_ERROR, in.read(r).code);
        assertEquals("bad command line format", r.message);
        assertEquals(Code.SERVER_ERROR, in.read(r).code);
        assertEquals("out of memory storing object", r.message);
        assertEquals(Code.HD, in.read(r).code);
        assertEquals(9, r.opaque);
        assertEquals("x", r.key());
    }

    @Test
    void theClassicGetReply() throws IOException {
        MetaReader in = reader("VALUE g1 1 3\r\nold\r\nEND\r\nVALUE g2 0 0 15\r\n\r\nEND\r\n");
        MetaReply r = in.read(new MetaReply());
        assertEquals(Code.VALUE, r.code);
        assertTrue(r.keyEquals("g1"));
        assertEquals(1, r.clientFlags);
        assertArrayEquals(ascii("old"), r.value);
        assertEquals(Code.END, in.read(r).code);
        in.read(r);
        assertEquals(0, r.clientFlags);
        assertEquals(15, r.cas);
        assertFalse(MemcachedLeaseCache.hasValue(r));
        assertEquals(Code.END, in.read(r).code);
    }

    @Test
    void aReplyReusesItsObjectAndClearsWhatTheLastOneSet() throws IOException {
        MetaReader in = reader("VA 1 c1 f1 t5 kk O3 W Z X\r\nv\r\nHD\r\n");
        MetaReply r = new MetaReply();
        in.read(r);
        assertTrue(r.won);
        assertSame(r, in.read(r));
        assertEquals(Code.HD, r.code);
        assertFalse(r.won || r.mustWait || r.stale);
        assertEquals(-1, r.cas);
        assertEquals(-1, r.size);
        assertNull(r.value);
        assertFalse(r.hasKey());
    }

    @Test
    void repliesCutIntoSingleBytesAndValuesLargerThanTheBuffer() throws IOException {
        byte[] big = new byte[5_000];
        Arrays.fill(big, (byte) 'x');
        big[0] = '\r';
        big[1] = '\n';
        byte[] head = ascii("VA 5000 c9 f1 t60 W\r\n");
        byte[] tail = ascii("\r\nMN\r\nVA 2 c10 f1\r\nhi\r\n");
        byte[] wire = new byte[head.length + big.length + tail.length];
        System.arraycopy(head, 0, wire, 0, head.length);
        System.arraycopy(big, 0, wire, head.length, big.length);
        System.arraycopy(tail, 0, wire, head.length + big.length, tail.length);

        MetaReader[] readers = {trickle(wire, 1024), new MetaReader(new ByteArrayInputStream(wire), 1024)};
        for (MetaReader in : readers) {
            MetaReply r = new MetaReply();
            in.read(r);
            assertArrayEquals(big, r.value, "CRLF inside a value is data");
            assertTrue(r.won);
            assertEquals(Code.MN, in.read(r).code);
            in.read(r);
            assertArrayEquals(ascii("hi"), r.value);
            assertEquals(wire.length, in.received());
        }
    }

    @Test
    void malformedRepliesAreProtocolErrors() {
        for (String bad : new String[] {"XX\r\n", "VA\r\n", "VA x\r\n", "VA 1 c\r\n", "VA 1 cz\r\n", "VA -1\r\n",
                "HD O\r\n", "VA 1 c99999999999999999999\r\n", "END now\r\n", "\r\n", "HD\n", "ok\r\n",
                "VALUE\r\n", "VALUE k x 1\r\n", "VA 1 " + "k" + "a".repeat(300) + "\r\nv\r\n"}) {
            assertThrows(ProtocolException.class, () -> reader(bad).read(new MetaReply()), bad);
        }
        assertThrows(ProtocolException.class, () -> reader("VA 2\r\nabc\r\n").read(new MetaReply()),
                "data longer than announced");
        assertThrows(ProtocolException.class, () -> reader("HD " + "O1 ".repeat(400) + "\r\n").read(new MetaReply()),
                "a line longer than the buffer");
    }

    @Test
    void aConnectionClosedMidReplyIsAnEofNotAProtocolError() {
        assertThrows(EOFException.class, () -> reader("").read(new MetaReply()));
        assertThrows(EOFException.class, () -> reader("VA 5 c1\r\nab").read(new MetaReply()));
        assertThrows(EOFException.class, () -> reader("VA 2 c1\r\nab").read(new MetaReply()));
        assertThrows(EOFException.class, () -> reader("HD c1").read(new MetaReply()));
    }
}
