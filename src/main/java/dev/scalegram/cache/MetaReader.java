package dev.scalegram.cache;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads memcached replies off a stream with a hand-written ASCII parser: reply lines are decoded in place in one
 * reusable buffer (no Strings, no regex, no splitting), and only a value's bytes are allocated.
 */
final class MetaReader {

    /** The reply line could not be understood: the connection is out of step and must be dropped. */
    static final class ProtocolException extends IOException {
        ProtocolException(String message) {
            super(message);
        }
    }

    private static final byte[] EMPTY = new byte[0];
    private static final byte[] VALUE = ascii("VALUE");
    private static final byte[] END = ascii("END");
    private static final byte[] ERROR = ascii("ERROR");
    private static final byte[] CLIENT_ERROR = ascii("CLIENT_ERROR");
    private static final byte[] SERVER_ERROR = ascii("SERVER_ERROR");

    private final InputStream in;
    /** Holds at least one whole reply line; a line longer than the buffer is a protocol error. */
    private final byte[] buf;
    private int pos;
    private int limit;
    private long received;

    MetaReader(InputStream in, int bufferSize) {
        this.in = in;
        // A reply line carries a key of up to 250 bytes and a few flags: 1 KiB is the floor.
        this.buf = new byte[Math.max(1024, bufferSize)];
    }

    /** Bytes taken off the stream so far; tells "the server said nothing" apart from "it broke mid-reply". */
    long received() {
        return received;
    }

    /** Reads the next reply, and its data if it has any, into {@code r} (cleared first). */
    MetaReply read(MetaReply r) throws IOException {
        r.clear();
        int end = lineEnd();
        int start = pos;
        pos = end + 2;
        parseLine(buf, start, end, r);
        if (r.size >= 0) {
            r.value = data(r.size);
        }
        return r;
    }

    /**
     * Decodes one reply line {@code b[from, to)} (without its CRLF) into {@code r}; the data, if any, is left to the
     * caller. Static so it can be tested on its own.
     */
    static void parseLine(byte[] b, int from, int to, MetaReply r) throws ProtocolException {
        int p = from;
        int t = p;
        while (p < to && b[p] != ' ') {
            p++;
        }
        r.code = code(b, t, p, from, to);
        switch (r.code) {
            case ERROR, END -> {
                if (p != to) {
                    throw bad("junk after " + r.code, b, from, to);
                }
            }
            case CLIENT_ERROR, SERVER_ERROR ->
                    r.message = p < to ? new String(b, p + 1, to - p - 1, StandardCharsets.US_ASCII) : "";
            case VALUE -> parseValueLine(b, p, to, from, r);
            case VA -> {
                int s = skipSpaces(b, p, to);
                int e = tokenEnd(b, s, to);
                if (s == e) {
                    throw bad("VA without a size", b, from, to);
                }
                r.size = size(parseLong(b, s, e, from, to), b, from, to);
                parseFlags(b, e, to, from, r);
            }
            default -> parseFlags(b, p, to, from, r);
        }
    }

    /** {@code VALUE <key> <flags> <bytes> [<cas>]}, the classic get's reply. */
    private static void parseValueLine(byte[] b, int p, int to, int from, MetaReply r) throws ProtocolException {
        int s = skipSpaces(b, p, to);
        int e = tokenEnd(b, s, to);
        if (s == e || !r.setKey(b, s, e)) {
            throw bad("VALUE without a usable key", b, from, to);
        }
        s = skipSpaces(b, e, to);
        e = tokenEnd(b, s, to);
        r.clientFlags = parseLong(b, s, e, from, to);
        s = skipSpaces(b, e, to);
        e = tokenEnd(b, s, to);
        r.size = size(parseLong(b, s, e, from, to), b, from, to);
        s = skipSpaces(b, e, to);
        if (s < to) {
            e = tokenEnd(b, s, to);
            r.cas = parseLong(b, s, e, from, to);
        }
    }

    /** The meta flags after the code (and after VA's size): one letter each, some with a token glued on. */
    private static void parseFlags(byte[] b, int p, int to, int from, MetaReply r) throws ProtocolException {
        while (true) {
            int s = skipSpaces(b, p, to);
            if (s >= to) {
                return;
            }
            int e = tokenEnd(b, s, to);
            p = e;
            byte flag = b[s];
            int v = s + 1;
            switch (flag) {
                case 'W' -> r.won = true;
                case 'Z' -> r.mustWait = true;
                case 'X' -> r.stale = true;
                case 'c' -> r.cas = parseLong(b, v, e, from, to);
                case 'f' -> r.clientFlags = parseLong(b, v, e, from, to);
                case 't' -> r.ttl = parseLong(b, v, e, from, to);
                case 'O' -> r.opaque = parseLong(b, v, e, from, to);
                case 'k' -> {
                    if (!r.setKey(b, v, e)) {
                        throw bad("echoed key too long", b, from, to);
                    }
                }
                // s (size), h (hit before), l (last access), b (base64 key), ... : asked for by nobody here.
                default -> {
                }
            }
        }
    }

    private static MetaReply.Code code(byte[] b, int s, int e, int from, int to) throws ProtocolException {
        if (e - s == 2) {
            switch ((b[s] << 8) | b[s + 1]) {
                case ('V' << 8) | 'A':
                    return MetaReply.Code.VA;
                case ('H' << 8) | 'D':
                    return MetaReply.Code.HD;
                case ('E' << 8) | 'N':
                    return MetaReply.Code.EN;
                case ('N' << 8) | 'S':
                    return MetaReply.Code.NS;
                case ('E' << 8) | 'X':
                    return MetaReply.Code.EX;
                case ('N' << 8) | 'F':
                    return MetaReply.Code.NF;
                case ('M' << 8) | 'N':
                    return MetaReply.Code.MN;
                default:
                    break;
            }
        } else if (is(b, s, e, VALUE)) {
            return MetaReply.Code.VALUE;
        } else if (is(b, s, e, END)) {
            return MetaReply.Code.END;
        } else if (is(b, s, e, ERROR)) {
            return MetaReply.Code.ERROR;
        } else if (is(b, s, e, CLIENT_ERROR)) {
            return MetaReply.Code.CLIENT_ERROR;
        } else if (is(b, s, e, SERVER_ERROR)) {
            return MetaReply.Code.SERVER_ERROR;
        }
        throw bad("unknown reply", b, from, to);
    }

    private static boolean is(byte[] b, int s, int e, byte[] word) {
        if (e - s != word.length) {
            return false;
        }
        for (int i = 0; i < word.length; i++) {
            if (b[s + i] != word[i]) {
                return false;
            }
        }
        return true;
    }

    /** A decimal long, optionally negative ({@code t-1}); nothing else, not even an empty token. */
    private static long parseLong(byte[] b, int s, int e, int from, int to) throws ProtocolException {
        boolean negative = s < e && b[s] == '-';
        int p = negative ? s + 1 : s;
        // 18 digits cannot overflow; memcached's numbers (CAS, TTLs, flags) are far shorter.
        if (p == e || e - p > 18) {
            throw bad("bad number", b, from, to);
        }
        long n = 0;
        for (; p < e; p++) {
            int d = b[p] - '0';
            if (d < 0 || d > 9) {
                throw bad("bad number", b, from, to);
            }
            n = n * 10 + d;
        }
        return negative ? -n : n;
    }

    private static int size(long n, byte[] b, int from, int to) throws ProtocolException {
        if (n < 0 || n > Integer.MAX_VALUE - 2) {
            throw bad("bad data length", b, from, to);
        }
        return (int) n;
    }

    private static int skipSpaces(byte[] b, int p, int to) {
        while (p < to && b[p] == ' ') {
            p++;
        }
        return p;
    }

    private static int tokenEnd(byte[] b, int p, int to) {
        while (p < to && b[p] != ' ') {
            p++;
        }
        return p;
    }

    private static ProtocolException bad(String what, byte[] b, int from, int to) {
        int n = Math.min(to - from, 300);
        return new ProtocolException(what + ": \"" + new String(b, from, n, StandardCharsets.US_ASCII) + "\"");
    }

    /** The index of the CR of the next line's CRLF, reading more as needed; the line starts at {@link #pos}. */
    private int lineEnd() throws IOException {
        int scanned = pos;
        while (true) {
            for (int i = scanned; i < limit; i++) {
                if (buf[i] == '\n') {
                    if (i == pos || buf[i - 1] != '\r') {
                        throw new ProtocolException("reply line not ended by CRLF");
                    }
                    return i - 1;
                }
            }
            scanned = limit;
            if (pos > 0) {
                // Move the partial line to the front so the rest of it fits.
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                scanned -= pos;
                limit -= pos;
                pos = 0;
            }
            if (limit == buf.length) {
                throw new ProtocolException("reply line longer than " + buf.length + " bytes");
            }
            fill();
        }
    }

    /** {@code n} bytes of data and their CRLF. */
    private byte[] data(int n) throws IOException {
        byte[] v = n == 0 ? EMPTY : new byte[n];
        int buffered = Math.min(n, limit - pos);
        System.arraycopy(buf, pos, v, 0, buffered);
        pos += buffered;
        if (buffered < n) {
            // A large value goes straight from the stream into its array, not through the buffer.
            int got = in.readNBytes(v, buffered, n - buffered);
            received += got;
            if (got < n - buffered) {
                throw new EOFException("connection closed in the middle of a value");
            }
        }
        while (limit - pos < 2) {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                limit -= pos;
                pos = 0;
            }
            fill();
        }
        if (buf[pos] != '\r' || buf[pos + 1] != '\n') {
            throw new ProtocolException("value of " + n + " bytes not followed by CRLF");
        }
        pos += 2;
        return v;
    }

    private void fill() throws IOException {
        int got = in.read(buf, limit, buf.length - limit);
        if (got < 0) {
            throw new EOFException("connection closed by the server");
        }
        received += got;
        limit += got;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
