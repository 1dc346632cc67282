package dev.scalegram.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.cache.LeaseCache.Lookup;
import dev.scalegram.cache.MetaReply.Code;
import dev.scalegram.testing.TestMemcached;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract against a real memcached 1.6 over TCP, plus what only the wire client has: the reply flags as the
 * server really sends them, the client flag that tells a placeholder from an empty value, pipelining, reconnects and
 * failures.
 */
class MemcachedLeaseCacheTest extends LeaseCacheContract {

    private static TestMemcached server;

    @BeforeAll
    static void startServer() {
        server = TestMemcached.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    @Override
    protected LeaseCache newCache() {
        return new MemcachedLeaseCache(server.address(), MemcachedLeaseCache.Options.defaults());
    }

    private MemcachedLeaseCache mc() {
        return (MemcachedLeaseCache) cache;
    }

    // --- the wire as memcached 1.6 writes it ---------------------------------------------------------------------

    /** Sends raw commands and parses what the real server answers with our reader. */
    private static final class RawClient implements AutoCloseable {
        final Socket socket;
        final MetaReader reader;

        RawClient(InetSocketAddress address) throws IOException {
            socket = new Socket();
            socket.connect(address, 1_000);
            socket.setSoTimeout(2_000);
            reader = new MetaReader(socket.getInputStream(), 1024);
        }

        MetaReply send(String command) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(command.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return reader.read(new MetaReply());
        }

        MetaReply next() throws IOException {
            return reader.read(new MetaReply());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void theParserReadsTheWinStaleAndWaitFlagsTheServerSends() throws IOException {
        String k = key("raw");
        try (RawClient raw = new RawClient(server.address())) {
            MetaReply won = raw.send("mg " + k + " v c f t N30\r\n");
            assertEquals(Code.VA, won.code);
            assertEquals(0, won.size);
            assertEquals(0, won.clientFlags, "a vivified placeholder has no client flags");
            assertTrue(won.won && !won.mustWait && !won.stale, "W: " + won);
            long token = won.cas;

            MetaReply waits = raw.send("mg " + k + " v c f t N30\r\n");
            assertTrue(waits.mustWait && !waits.won && !waits.stale, "Z: " + waits);
            assertTrue(waits.ttl > 0 && waits.ttl <= 30, "the placeholder lives for the lease: " + waits);

            assertEquals(Code.HD, raw.send("ms " + k + " 5 C" + token + " T60 F1\r\nhello\r\n").code);
            MetaReply hit = raw.send("mg " + k + " v c f t N30\r\n");
            assertTrue(!hit.won && !hit.mustWait && !hit.stale, "a fresh hit has no flags: " + hit);
            assertArrayEquals(bytes("hello"), hit.value);
            assertEquals(1, hit.clientFlags);

            assertEquals(Code.HD, raw.send("md " + k + " I T30\r\n").code);
            MetaReply staleWin = raw.send("mg " + k + " v c f t N30\r\n");
            assertTrue(staleWin.won && staleWin.stale && !staleWin.mustWait, "X W: " + staleWin);
            assertArrayEquals(bytes("hello"), staleWin.value);
            MetaReply staleWait = raw.send("mg " + k + " v c f t N30\r\n");
            assertTrue(staleWait.mustWait && staleWait.stale && !staleWait.won, "Z X: " + staleWait);
            assertEquals(Code.EX, raw.send("ms " + k + " 3 C" + token + " T60 F1\r\nold\r\n").code,
                    "a token from before the invalidation");

            MetaReply echoed = raw.send("mg " + k + " v k O77\r\n");
            assertEquals(k, echoed.key());
            assertEquals(77, echoed.opaque);

            assertEquals(Code.EN, raw.send("mg " + key("raw-missing") + " v\r\n").code);
            assertEquals(Code.NF, raw.send("md " + key("raw-missing") + " q\r\n").code,
                    "quiet mode does not hide NF on md: why the client always ends quiet commands with mn");
            assertEquals(Code.MN, raw.send("mn\r\n").code);
            MetaReply error = raw.send("bogus\r\n");
            assertEquals(Code.ERROR, error.code);
        }
    }

    @Test
    void aPlainMgWouldStealTheWinOnAStaleValueSoGetPlainUsesTheClassicGet() throws IOException {
        String k = key("steal");
        try (RawClient raw = new RawClient(server.address())) {
            assertEquals(Code.HD, raw.send("ms " + k + " 1 T60 F1\r\nv\r\n").code);
            assertEquals(Code.HD, raw.send("md " + k + " I T30\r\n").code);
            MetaReply classic = raw.send("get " + k + "\r\n");
            assertEquals(Code.VALUE, classic.code);
            assertEquals(Code.END, raw.next().code);
            MetaReply plainMg = raw.send("mg " + k + " v f\r\n");
            assertTrue(plainMg.won, "memcached 1.6 hands W to an mg without N: " + plainMg);
        }
        // Through the client: getPlain leaves the win to the next lease reader.
        String c = key("steal-client");
        cache.setUnconditionally(c, bytes("v"), TTL);
        cache.invalidate(c, STALE);
        assertArrayEquals(bytes("v"), cache.getPlain(c));
        assertTrue(cache.get(c, LEASE).won());
    }

    @Test
    void theClientFlagTellsAPlaceholderFromAZeroLengthValue() throws IOException {
        String placeholder = key("f-placeholder");
        Lookup lease = cache.get(placeholder, LEASE);
        assertTrue(lease.won());
        assertNull(cache.getPlain(placeholder), "VA 0 f0: a placeholder");
        assertNull(cache.get(placeholder, LEASE).value());

        String empty = key("f-empty");
        Lookup r = cache.get(empty, LEASE);
        assertTrue(cache.set(empty, new byte[0], r.token(), TTL));
        assertArrayEquals(new byte[0], cache.getPlain(empty), "VA 0 f1: a value");

        String foreign = key("f-foreign");
        try (RawClient raw = new RawClient(server.address())) {
            assertEquals(Code.HD, raw.send("ms " + foreign + " 0 T60\r\n\r\n").code);
        }
        assertNull(cache.getPlain(foreign), "zero bytes without F1 are not a value of ours");

        // Invalidated while being filled: memcached keeps a stale placeholder (X, no F1). No value, and not "stale".
        cache.invalidate(placeholder, STALE);
        Lookup after = cache.get(placeholder, LEASE);
        assertNull(after.value());
        assertTrue(after.won());
        assertFalse(after.stale(), "nothing stale to serve");
        assertFalse(cache.set(placeholder, bytes("x"), lease.token(), TTL));
        assertTrue(cache.set(placeholder, bytes("x"), after.token(), TTL));
        assertTrue(cache.get(placeholder, LEASE).hit());
    }

    // --- pipelining ----------------------------------------------------------------------------------------------

    @Test
    void getManyOf200KeysIsOneRoundTrip() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            keys.add(key("pipe-" + i));
        }
        for (int i = 0; i < 200; i += 2) {
            cache.setUnconditionally(keys.get(i), bytes("v" + i), TTL);
        }
        long trips = mc().roundTrips();
        long gets = server.stat("cmd_get");
        Map<String, Lookup> rs = cache.getMany(keys, LEASE);
        assertEquals(1, mc().roundTrips() - trips, "one write, one read pass");
        assertEquals(200, server.stat("cmd_get") - gets, "one mg per key");
        assertEquals(keys, List.copyOf(rs.keySet()));
        for (int i = 0; i < 200; i++) {
            Lookup r = rs.get(keys.get(i));
            if (i % 2 == 0) {
                assertTrue(r.hit(), keys.get(i));
                assertEquals("v" + i, new String(r.value(), StandardCharsets.UTF_8));
            } else {
                assertTrue(r.won(), keys.get(i));
            }
        }
    }

    @Test
    void aBatchLargerThanAWindowTakesAFewRoundTripsAndStaysInStep() {
        // Keys of about 200 bytes: 32 KiB of requests is about 140 of them.
        String pad = "p".repeat(180);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            keys.add(key(pad + i));
        }
        byte[] big = new byte[20_000];
        for (int i = 0; i < 1_000; i += 3) {
            cache.setUnconditionally(keys.get(i), big, TTL);
        }
        long trips = mc().roundTrips();
        Map<String, Lookup> rs = cache.getMany(keys, LEASE);
        long used = mc().roundTrips() - trips;
        assertTrue(used > 1 && used < 20, used + " round trips");
        for (int i = 0; i < 1_000; i++) {
            Lookup r = rs.get(keys.get(i));
            if (i % 3 == 0) {
                assertTrue(r.hit());
                assertEquals(big.length, r.value().length);
            } else {
                assertTrue(r.won());
            }
        }
        assertNull(cache.getPlain(keys.get(1)), "the connection is still in step");
    }

    @Test
    void aKeyListedTwiceIsAskedOnceAndKeepsItsWin() {
        String a = key("dup-a");
        String b = key("dup-b");
        long gets = server.stat("cmd_get");
        Map<String, Lookup> rs = cache.getMany(List.of(a, b, a), LEASE);
        assertEquals(List.of(a, b), List.copyOf(rs.keySet()));
        assertTrue(rs.get(a).won());
        assertTrue(rs.get(b).won());
        assertEquals(2, server.stat("cmd_get") - gets);
        assertTrue(cache.getMany(List.of(), LEASE).isEmpty());
    }

    @Test
    void aBadKeyInABatchFailsBeforeAnythingIsSent() {
        long trips = mc().roundTrips();
        assertThrows(IllegalArgumentException.class, () -> cache.getMany(List.of(key("ok"), "bad key"), LEASE));
        assertEquals(trips, mc().roundTrips());
    }

    // --- connections ---------------------------------------------------------------------------------------------

    @Test
    void manyVirtualThreadsShareOneConnection() throws Exception {
        try (MemcachedLeaseCache one = new MemcachedLeaseCache(server.address(),
                new MemcachedLeaseCache.Options(1, Duration.ofSeconds(1), Duration.ofSeconds(2)));
             ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Boolean>> done = new ArrayList<>();
            for (int t = 0; t < 100; t++) {
                String k = key("shared-" + t);
                done.add(executor.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        one.setUnconditionally(k, bytes("v" + i), TTL);
                        if (!("v" + i).equals(new String(one.getPlain(k), StandardCharsets.UTF_8))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : done) {
                assertTrue(f.get(20, TimeUnit.SECONDS));
            }
        }
        assertTrue(server.stat("curr_connections") < 50, "connections are pooled, not opened per request");
    }

    @Test
    void theClientReconnectsAfterTheServerRestarts() {
        try (TestMemcached own = TestMemcached.start();
             MemcachedLeaseCache c = new MemcachedLeaseCache(own.address(), MemcachedLeaseCache.Options.defaults())) {
            String k = key("restart");
            c.setUnconditionally(k, bytes("before"), TTL);
            assertArrayEquals(bytes("before"), c.getPlain(k));

            own.restart();
            long trips = c.roundTrips();
            Lookup r = c.get(k, LEASE);
            assertEquals(2, c.roundTrips() - trips, "the pooled connection died with the old server: one retry");
            assertTrue(r.won(), "an empty server after the restart, reached on a new connection");
            assertTrue(c.set(k, bytes("after"), r.token(), TTL));
            assertArrayEquals(bytes("after"), c.getPlain(k));

            own.stop();
            assertThrows(CacheUnavailableException.class, () -> c.getPlain(k), "down is an exception, not a miss");
            own.restart();
            assertNull(c.getPlain(k), "and back again");
        }
    }

    @Test
    void nothingListeningIsCacheUnavailable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            port = s.getLocalPort();
        }
        try (MemcachedLeaseCache c = new MemcachedLeaseCache(new InetSocketAddress("127.0.0.1", port),
                MemcachedLeaseCache.Options.defaults())) {
            CacheUnavailableException e = assertThrows(CacheUnavailableException.class, () -> c.get(key("x"), LEASE));
            assertNotNull(e.getCause());
            assertThrows(CacheUnavailableException.class, () -> c.getMany(List.of(key("x")), LEASE));
            assertThrows(CacheUnavailableException.class, () -> c.invalidate(key("x"), STALE));
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(new InetSocketAddress("127.0.0.1", 0));
            // Accepts (the kernel does, from the backlog) but never answers.
            try (MemcachedLeaseCache c = new MemcachedLeaseCache(
                    new InetSocketAddress("127.0.0.1", silent.getLocalPort()),
                    new MemcachedLeaseCache.Options(2, Duration.ofSeconds(1), Duration.ofMillis(200)))) {
                long start = System.nanoTime();
                assertThrows(CacheUnavailableException.class, () -> c.get(key("t"), LEASE));
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(ms >= 190 && ms < 2_000, "gave up after the read timeout, not at once nor never: " + ms);
            }
        }
    }

    @Test
    void aClosedClientRefusesWork() {
        MemcachedLeaseCache c = new MemcachedLeaseCache(server.address(), MemcachedLeaseCache.Options.defaults());
        c.setUnconditionally(key("closed"), bytes("v"), TTL);
        c.close();
        assertThrows(IllegalStateException.class, () -> c.getPlain(key("closed")));
    }

    // --- TTLs on the wire ----------------------------------------------------------------------------------------

    @Test
    void ttlsAreWholeSecondsRoundedUpWithZeroForNeverAndAThirtyDayCap() {
        assertEquals(0, MemcachedLeaseCache.ttlSeconds(Duration.ZERO));
        assertEquals(1, MemcachedLeaseCache.ttlSeconds(Duration.ofMillis(1)));
        assertEquals(2, MemcachedLeaseCache.ttlSeconds(Duration.ofMillis(1_001)));
        assertEquals(60, MemcachedLeaseCache.ttlSeconds(Duration.ofSeconds(60)));
        assertEquals(2_592_000, MemcachedLeaseCache.ttlSeconds(Duration.ofDays(365)));
        assertEquals(2_592_000, MemcachedLeaseCache.ttlSeconds(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)));
        assertThrows(IllegalArgumentException.class, () -> MemcachedLeaseCache.ttlSeconds(Duration.ofSeconds(-1)));
        assertEquals(1, MemcachedLeaseCache.positiveSeconds(Duration.ofNanos(1), "lease"));
        assertThrows(IllegalArgumentException.class,
                () -> MemcachedLeaseCache.positiveSeconds(Duration.ZERO, "lease"));
    }

    @Test
    void aYearLongTtlIsClampedNotReadAsADateInThePast() {
        String k = key("year");
        cache.setUnconditionally(k, bytes("v"), Duration.ofDays(365));
        assertArrayEquals(bytes("v"), cache.getPlain(k));
        String never = key("never");
        cache.setUnconditionally(never, bytes("v"), Duration.ZERO);
        assertArrayEquals(bytes("v"), cache.getPlain(never));
    }

    @Test
    void invalidValuesAreRejectedBeforeTheWire() {
        long trips = mc().roundTrips();
        assertThrows(IllegalArgumentException.class, () -> cache.get(key("x"), Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> cache.invalidate(key("x"), Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> cache.delete("a\nb"));
        assertThrows(NullPointerException.class, () -> cache.set(key("x"), null, 1, TTL));
        assertFalse(cache.set(key("x"), bytes("v"), 0, TTL), "no memcached CAS is 0");
        assertEquals(trips, mc().roundTrips());
    }
}
