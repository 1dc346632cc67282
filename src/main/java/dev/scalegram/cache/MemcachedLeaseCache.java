package dev.scalegram.cache;

import dev.scalegram.cache.MetaReader.ProtocolException;
import dev.scalegram.cache.MetaReply.Code;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@link LeaseCache} on one memcached 1.6 server, spoken to in the meta protocol by a client of our own (no Java
 * client speaks it). The contract maps onto the wire one to one:
 * <ul>
 *   <li>{@link #get}: {@code mg <key> v c f t N<leaseTtl>}; {@link #getMany}: the same with {@code k O<index>} for
 *       every key, then {@code mn}, written at once and read back in one pass.</li>
 *   <li>{@link #set}: {@code ms <key> <len> C<token> T<ttl> F1}; {@code EX} (or {@code NF}) means refused.</li>
 *   <li>{@link #invalidate}: {@code md <key> I T<staleTtl> q}; {@link #delete}: {@code md <key> q}; both followed by
 *       {@code mn} so the end of the reply is known.</li>
 *   <li>{@link #setUnconditionally}: {@code ms} without {@code C}.</li>
 *   <li>{@link #getPlain}: the classic {@code get <key>}, not {@code mg}: memcached 1.6 hands the win ({@code W}) on a
 *       stale item to any {@code mg}, with or without {@code N}, so a plain {@code mg} would steal the lease that the
 *       next lease reader must get.</li>
 * </ul>
 *
 * <p>Every value is stored with client flag 1 ({@code F1}). A vivified placeholder is a zero-length item with flags
 * 0, while {@link ReadThrough} caches absence as a zero-length value: the flag tells them apart, and a zero-length
 * item without it (fresh or stale) reads as no value.
 *
 * <p>TTLs are whole seconds on the wire: durations are rounded up (at least 1 s), zero means no expiry, and anything
 * over 30 days is clamped to 30 days (memcached would read a larger number as an absolute Unix time).
 *
 * <p>Requests go over a small pool of connections (see {@link Options}); each connection serves one request at a time.
 * Any failure (server down, timeout, a reply that makes no sense) closes the connection and throws
 * {@link CacheUnavailableException}; the next request opens a new one. A pooled connection that turns out to have died
 * while idle (the server restarted) is retried once on a new connection, since the server never saw the request.
 */
public final class MemcachedLeaseCache implements LeaseCache {

    /**
     * How the client connects.
     *
     * @param connections connections kept to the server; a request beyond that waits for a free one for at most
     *     connectTimeout + readTimeout
     * @param connectTimeout how long opening a connection may take
     * @param readTimeout how long the server may take to send the next bytes of a reply
     */
    public record Options(int connections, Duration connectTimeout, Duration readTimeout) {

        public Options {
            if (connections < 1) {
                throw new IllegalArgumentException("connections must be at least 1: " + connections);
            }
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(readTimeout, "readTimeout");
            if (!connectTimeout.isPositive() || !readTimeout.isPositive()) {
                // A zero socket timeout means "wait forever" to java.net: not something to get by accident.
                throw new IllegalArgumentException("timeouts must be positive: " + connectTimeout + ", " + readTimeout);
            }
        }

        /** 4 connections, a 1 s connect timeout, a 500 ms read timeout. */
        public static Options defaults() {
            return new Options(4, Duration.ofSeconds(1), Duration.ofMillis(500));
        }
    }

    /** The client flag every stored value carries; a placeholder memcached vivified has flags 0. */
    static final long VALUE_FLAG = 1;
    /** memcached reads an expiry above this many seconds (30 days) as an absolute Unix time. */
    static final long MAX_RELATIVE_TTL_SECONDS = 30L * 24 * 60 * 60;
    /**
     * getMany writes a window of requests whole before it reads any reply. If the write could block, it could block
     * forever: the server stops reading while its own replies to us are stuck, and we read nothing until we have
     * written. 32 KiB of requests always fits in the kernel's socket buffers (ours plus the server's), so the write
     * completes whatever the server does. That is a few hundred keys per window, so ordinary batches take one round
     * trip.
     */
    static final int WINDOW_BYTES = 32 * 1024;

    private static final byte[] MG = ascii("mg ");
    private static final byte[] LEASE_GET = ascii(" v c f t N");
    private static final byte[] KEY_AND_OPAQUE = ascii(" k O");
    private static final byte[] MN = ascii("mn\r\n");
    private static final byte[] MS = ascii("ms ");
    private static final byte[] SPACE = ascii(" ");
    private static final byte[] CAS = ascii(" C");
    private static final byte[] TTL = ascii(" T");
    private static final byte[] AS_VALUE = ascii(" F1\r\n");
    private static final byte[] MD = ascii("md ");
    private static final byte[] INVALIDATE = ascii(" I T");
    private static final byte[] QUIET_THEN_MN = ascii(" q\r\nmn\r\n");
    private static final byte[] GET = ascii("get ");
    /** noreply, so that the one reply is {@code MN}: flush_all's own {@code OK} is not a reply the reader knows. */
    private static final byte[] FLUSH_ALL_THEN_MN = ascii("flush_all noreply\r\nmn\r\n");

    private final MetaConnectionPool pool;

    public MemcachedLeaseCache(InetSocketAddress server, Options options) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(options, "options");
        // No connection is opened here: a server that is down at start-up is simply unavailable until it is back.
        pool = new MetaConnectionPool(server, options.connections(), millis(options.connectTimeout()),
                millis(options.readTimeout()), nanos(options.connectTimeout().plus(options.readTimeout())));
    }

    @Override
    public Lookup get(String key, Duration leaseTtl) {
        CacheKeys.check(key);
        long lease = positiveSeconds(leaseTtl, "leaseTtl");
        return call(c -> {
            c.put(MG).key(key).put(LEASE_GET).number(lease).crlf();
            c.flush();
            return lookup(expect(c.read(), Code.VA));
        });
    }

    @Override
    public Map<String, Lookup> getMany(List<String> keys, Duration leaseTtl) {
        long lease = positiveSeconds(leaseTtl, "leaseTtl");
        // Each key once: sent twice, the second mg would see our own fresh lease as Z and its answer would replace
        // the W, so nobody would fill the key. A repeated put keeps the first position.
        Map<String, Lookup> result = LinkedHashMap.newLinkedHashMap(keys.size());
        for (String key : keys) {
            result.put(CacheKeys.check(key), null);
        }
        if (result.isEmpty()) {
            return result;
        }
        String[] distinct = result.keySet().toArray(new String[0]);
        Lookup[] lookups = call(c -> fetch(c, distinct, lease));
        for (int i = 0; i < distinct.length; i++) {
            result.put(distinct[i], lookups[i]);
        }
        return result;
    }

    @Override
    public boolean set(String key, byte[] value, long token, Duration ttl) {
        CacheKeys.check(key);
        Objects.requireNonNull(value, "value");
        long seconds = ttlSeconds(ttl);
        if (token <= 0) {
            // memcached's CAS values start at 1, so this is no token it handed out.
            return false;
        }
        return call(c -> {
            c.put(MS).key(key).put(SPACE).number(value.length).put(CAS).number(token).put(TTL).number(seconds)
                    .put(AS_VALUE).data(value);
            c.flush();
            MetaReply r = c.read();
            return switch (r.code) {
                case HD -> true;
                // EX: the token is not current (invalidated, refilled); NF: the key is gone (deleted, evicted, expired).
                case EX, NF, NS -> false;
                default -> throw unexpected(r);
            };
        });
    }

    @Override
    public byte[] getPlain(String key) {
        CacheKeys.check(key);
        return call(c -> {
            c.put(GET).key(key).crlf();
            c.flush();
            MetaReply r = c.read();
            if (r.code == Code.END) {
                return null;
            }
            if (r.code != Code.VALUE || !r.keyEquals(key)) {
                throw unexpected(r);
            }
            byte[] value = hasValue(r) ? r.value : null;
            expect(c.read(), Code.END);
            return value;
        });
    }

    @Override
    public void setUnconditionally(String key, byte[] value, Duration ttl) {
        CacheKeys.check(key);
        Objects.requireNonNull(value, "value");
        long seconds = ttlSeconds(ttl);
        call(c -> {
            c.put(MS).key(key).put(SPACE).number(value.length).put(TTL).number(seconds).put(AS_VALUE).data(value);
            c.flush();
            MetaReply r = c.read();
            // NS: the server declined to store it, which a cache may do.
            if (r.code != Code.HD && r.code != Code.NS) {
                throw unexpected(r);
            }
            return null;
        });
    }

    @Override
    public void invalidate(String key, Duration staleTtl) {
        CacheKeys.check(key);
        long seconds = positiveSeconds(staleTtl, "staleTtl");
        call(c -> {
            c.put(MD).key(key).put(INVALIDATE).number(seconds).put(QUIET_THEN_MN);
            c.flush();
            return untilMn(c);
        });
    }

    @Override
    public void delete(String key) {
        CacheKeys.check(key);
        call(c -> {
            c.put(MD).key(key).put(QUIET_THEN_MN);
            c.flush();
            return untilMn(c);
        });
    }

    /** One round trip that does nothing ({@code mn}, answered {@code MN}): a health check. */
    void ping() {
        call(c -> {
            c.put(MN);
            c.flush();
            expect(c.read(), Code.MN);
            return null;
        });
    }

    /**
     * Empties the server ({@code flush_all}): for a pool taking a server back after an outage, when the values it
     * still holds may have missed invalidations.
     */
    void flushAll() {
        call(c -> {
            c.put(FLUSH_ALL_THEN_MN);
            c.flush();
            expect(c.read(), Code.MN);
            return null;
        });
    }

    /** Closes every connection; calls after this throw {@link IllegalStateException}. */
    @Override
    public void close() {
        pool.close();
    }

    /** Round trips made so far (one per request written, a getMany window counting once): for tests. */
    long roundTrips() {
        return pool.roundTrips();
    }

    @Override
    public String toString() {
        return "MemcachedLeaseCache[" + pool.server() + "]";
    }

    // --- requests -----------------------------------------------------------------------------------------------

    /** The lease gets of all keys, a window at a time (see {@link #WINDOW_BYTES}); the answers in key order. */
    private static Lookup[] fetch(MetaConnection c, String[] keys, long lease) throws IOException {
        Lookup[] out = new Lookup[keys.length];
        int from = 0;
        while (from < keys.length) {
            int to = from;
            do {
                // k and O<index> come back with the reply: a reply that answers the wrong key is caught, not used.
                c.put(MG).key(keys[to]).put(LEASE_GET).number(lease).put(KEY_AND_OPAQUE).number(to).crlf();
                to++;
            } while (to < keys.length && c.pending() < WINDOW_BYTES);
            c.put(MN);
            c.flush();
            int answered = 0;
            for (MetaReply r = c.read(); r.code != Code.MN; r = c.read()) {
                if (r.code != Code.VA) {
                    throw unexpected(r);
                }
                long i = r.opaque;
                if (i < from || i >= to || out[(int) i] != null || !r.keyEquals(keys[(int) i])) {
                    throw new ProtocolException("a reply that answers no key of the batch: " + r);
                }
                out[(int) i] = lookup(r);
                answered++;
            }
            if (answered != to - from) {
                throw new ProtocolException((to - from - answered) + " of " + (to - from) + " keys got no reply");
            }
            from = to;
        }
        return out;
    }

    /**
     * Reads the replies to quiet commands up to the {@code mn}. Quiet mode hides {@code HD}, but memcached 1.6.18
     * still answers {@code NF} for a missing key; either is fine. Waiting for {@code MN} keeps the connection in step
     * and surfaces errors.
     */
    private static Void untilMn(MetaConnection c) throws IOException {
        for (MetaReply r = c.read(); r.code != Code.MN; r = c.read()) {
            if (r.code != Code.HD && r.code != Code.NF) {
                throw unexpected(r);
            }
        }
        return null;
    }

    private static MetaReply expect(MetaReply r, Code code) throws ProtocolException {
        if (r.code != code) {
            throw unexpected(r);
        }
        return r;
    }

    private static ProtocolException unexpected(MetaReply r) {
        return new ProtocolException("unexpected reply: " + r);
    }

    /** A lease get's reply as the contract's {@link Lookup}. */
    static Lookup lookup(MetaReply r) {
        byte[] value = hasValue(r) ? r.value : null;
        // X on a placeholder (invalidated while being filled) leaves nothing to serve stale: report a plain win or
        // wait, as the in-process cache does.
        return new Lookup(value, r.cas, r.won, r.mustWait, r.stale && value != null);
    }

    /** A placeholder is zero bytes without {@link #VALUE_FLAG}; anything else is a value. */
    static boolean hasValue(MetaReply r) {
        return r.size > 0 || (r.clientFlags >= 0 && (r.clientFlags & VALUE_FLAG) != 0);
    }

    // --- connections --------------------------------------------------------------------------------------------

    /** One request on one connection: build, flush, read the replies. */
    @FunctionalInterface
    private interface Exchange<T> {
        T run(MetaConnection c) throws IOException;
    }

    private <T> T call(Exchange<T> exchange) {
        try {
            return attempt(exchange, true);
        } catch (IOException e) {
            throw new CacheUnavailableException("memcached at " + pool.server() + ": " + e, e);
        }
    }

    private <T> T attempt(Exchange<T> exchange, boolean mayRetry) throws IOException {
        MetaConnection c = pool.acquire();
        long receivedBefore = c.received();
        try {
            T result = exchange.run(c);
            c.proven(true);
            pool.release(c);
            return result;
        } catch (IOException e) {
            pool.discard(c);
            if (mayRetry && c.proven() && c.received() == receivedBefore && diedWhileIdle(e)
                    && !Thread.currentThread().isInterrupted()) {
                pool.discardIdle();
                return attempt(exchange, false);
            }
            throw e;
        } catch (RuntimeException | Error e) {
            // Possibly half a request written or half a reply read: the connection cannot be trusted any more.
            pool.discard(c);
            throw e;
        }
    }

    /**
     * An EOF or a reset before the first byte of the reply: the server closed the connection before this request
     * (it restarted, or dropped an idle client), so it never ran it and a retry cannot run it twice. A timeout is not
     * this: the server may be alive and slow, and may still act on the request.
     */
    private static boolean diedWhileIdle(IOException e) {
        return e instanceof EOFException || (e instanceof SocketException && !(e instanceof ConnectException));
    }

    // --- durations ----------------------------------------------------------------------------------------------

    /** A value's TTL in memcached seconds: 0 is "never expires". */
    static long ttlSeconds(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative: " + ttl);
        }
        return ttl.isZero() ? 0 : seconds(ttl);
    }

    /** A lease or stale TTL: zero would mean "forever" to memcached, so it must be positive. */
    static long positiveSeconds(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (!d.isPositive()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
        return seconds(d);
    }

    /**
     * Whole seconds, rounded up and at least 1: memcached's clock ticks once a second, and a lease or value ending
     * earlier than asked is worse than one ending a little later.
     */
    private static long seconds(Duration d) {
        long s = d.getSeconds();
        if (s >= MAX_RELATIVE_TTL_SECONDS) {
            return MAX_RELATIVE_TTL_SECONDS;
        }
        return Math.max(1, d.getNano() > 0 ? s + 1 : s);
    }

    /** A positive duration as socket-option milliseconds, rounded up so it never becomes 0 ("no timeout"). */
    private static int millis(Duration d) {
        if (d.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) >= 0) {
            return Integer.MAX_VALUE;
        }
        long ms = d.toMillis();
        return (int) Math.max(1, d.minusMillis(ms).isZero() ? ms : ms + 1);
    }

    private static long nanos(Duration d) {
        return d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
