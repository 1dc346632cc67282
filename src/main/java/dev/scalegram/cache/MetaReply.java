package dev.scalegram.cache;

import java.nio.charset.StandardCharsets;

/**
 * One decoded reply line of memcached's text protocol (meta replies, plus the classic {@code VALUE}/{@code END} and
 * the error lines). Mutable and reused: a connection decodes every reply into the same instance, so reading a reply
 * allocates nothing but its value.
 */
final class MetaReply {

    /** Reply codes; anything else on the wire is a protocol error. */
    enum Code {
        /** Meta: a value follows ({@code VA <size> <flags>*}). */
        VA,
        /** Meta: success without a value (a stored {@code ms}, a deleted {@code md}, an {@code mg} without v). */
        HD,
        /** Meta: not found ({@code mg} without N). */
        EN,
        /** Meta: not stored. */
        NS,
        /** Meta: the CAS did not match. */
        EX,
        /** Meta: not found ({@code ms} with C, {@code md}). */
        NF,
        /** Meta: the answer to {@code mn}, which ends a pipelined batch. */
        MN,
        /** Classic: {@code VALUE <key> <flags> <bytes> [<cas>]}, a value follows. */
        VALUE,
        /** Classic: the end of a {@code get}. */
        END,
        /** An unknown command. */
        ERROR,
        /** The server refused what we sent: a bug on our side. */
        CLIENT_ERROR,
        /** The server could not do it (out of memory, object too large). */
        SERVER_ERROR
    }

    /** {@link #ttl} when the reply had no {@code t} flag ({@code -1} is a real answer: no expiry). */
    static final long NO_TTL = Long.MIN_VALUE;

    Code code;
    /** The data length of VA/VALUE, else -1. */
    int size;
    /** The data of VA/VALUE (a shared empty array for zero bytes), else null. */
    byte[] value;
    /** The CAS ({@code c} flag, or the classic cas field), or -1. */
    long cas;
    /** The client flags ({@code f} flag, or the classic flags field), or -1. */
    long clientFlags;
    /** The remaining TTL in seconds ({@code t} flag; -1 for none), or {@link #NO_TTL}. */
    long ttl;
    /** The opaque echoed back ({@code O} flag), or -1. We only ever send non-negative numbers. */
    long opaque;
    /** {@code W}: this client won the right to recompute. */
    boolean won;
    /** {@code Z}: someone else already holds the win. */
    boolean mustWait;
    /** {@code X}: the item is stale. */
    boolean stale;
    /** The text after an error code, else null. */
    String message;

    private final byte[] key = new byte[CacheKeys.MAX_LENGTH];
    /** The length of the echoed key ({@code k} flag, or the classic key field), or -1. */
    private int keyLength;

    MetaReply() {
        clear();
    }

    void clear() {
        code = null;
        size = -1;
        value = null;
        cas = -1;
        clientFlags = -1;
        ttl = NO_TTL;
        opaque = -1;
        won = false;
        mustWait = false;
        stale = false;
        message = null;
        keyLength = -1;
    }

    /** Records the echoed key; false if it is longer than any key we could have sent. */
    boolean setKey(byte[] src, int from, int to) {
        int n = to - from;
        if (n > key.length) {
            return false;
        }
        System.arraycopy(src, from, key, 0, n);
        keyLength = n;
        return true;
    }

    boolean hasKey() {
        return keyLength >= 0;
    }

    /** Whether the echoed key is {@code expected}; compares in place (keys are ASCII, see {@link CacheKeys}). */
    boolean keyEquals(String expected) {
        if (keyLength != expected.length()) {
            return false;
        }
        for (int i = 0; i < keyLength; i++) {
            if (key[i] != (byte) expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The echoed key as a String, or null: for messages and tests, not the hot path. */
    String key() {
        return keyLength < 0 ? null : new String(key, 0, keyLength, StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(String.valueOf(code));
        if (size >= 0) {
            b.append(" size=").append(size);
        }
        if (cas >= 0) {
            b.append(" c").append(cas);
        }
        if (clientFlags >= 0) {
            b.append(" f").append(clientFlags);
        }
        if (ttl != NO_TTL) {
            b.append(" t").append(ttl);
        }
        if (keyLength >= 0) {
            b.append(" k").append(key());
        }
        if (opaque >= 0) {
            b.append(" O").append(opaque);
        }
        if (won) {
            b.append(" W");
        }
        if (mustWait) {
            b.append(" Z");
        }
        if (stale) {
            b.append(" X");
        }
        if (message != null) {
            b.append(' ').append(message);
        }
        return b.toString();
    }
}
