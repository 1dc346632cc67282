package dev.scalegram.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.cache.LeaseCache.Lookup;
import dev.scalegram.testing.TestMemcached;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Health transitions and the gutter's rules, on one main server and one gutter. The background checks are set an hour
 * apart so that the test drives every check itself ({@link MemcachedPool#checkHealth()}) and counts them exactly.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MemcachedPoolHealthTest {

    private static final int RECOVERY_CHECKS = 3;
    private static final Duration GUTTER_TTL = Duration.ofSeconds(10);
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final Duration STALE = Duration.ofSeconds(30);
    private static final Duration TTL = Duration.ofSeconds(60);

    private TestMemcached main;
    private TestMemcached gutter;
    private MeterRegistry registry;
    private MemcachedPool pool;

    @BeforeEach
    void start() {
        main = TestMemcached.start();
        gutter = TestMemcached.start();
        registry = new SimpleMeterRegistry();
        pool = new MemcachedPool(List.of(main.address()), List.of(gutter.address()),
                new MemcachedPool.Options(Duration.ofHours(1), RECOVERY_CHECKS, GUTTER_TTL,
                        // Short timeouts: a paused server costs each check 200 ms, not 500.
                        new MemcachedLeaseCache.Options(4, Duration.ofMillis(200), Duration.ofMillis(200))),
                registry);
    }

    @AfterEach
    void stop() {
        pool.close();
        main.stop();
        gutter.stop();
    }

    private String mainName() {
        return MemcachedPool.name(main.address());
    }

    private double meter(String name) {
        return registry.get(name).tag("server", mainName()).counter().count();
    }

    private double upGauge() {
        return registry.get("scalegram.cache.pool.up").tag("server", mainName()).gauge().value();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void fill(String key, String value) {
        Lookup r = pool.get(key, LEASE);
        assertTrue(r.won(), "expected to win the lease on " + key);
        assertTrue(pool.set(key, bytes(value), r.token(), TTL));
    }

    /** A direct client of the main server, past the pool: what the server itself holds. */
    private MemcachedLeaseCache direct() {
        return new MemcachedLeaseCache(main.address(), MemcachedLeaseCache.Options.defaults());
    }

    /** Checks until the main server is back, asserting it takes exactly {@link #RECOVERY_CHECKS} good ones. */
    private void recoverWithExactlyKChecks() {
        for (int i = 1; i < RECOVERY_CHECKS; i++) {
            pool.checkHealth();
            assertFalse(pool.isUp(mainName()), "still down after " + i + " good check(s)");
        }
        pool.checkHealth();
        assertTrue(pool.isUp(mainName()), "up after " + RECOVERY_CHECKS + " good checks");
    }

    @Test
    void aFailedCallMarksTheServerDownAndIsRetriedOnTheGutter() {
        String k = "h:down";
        fill(k, "v1");
        main.kill9();

        Lookup r = pool.get(k, LEASE);
        assertTrue(r.won(), "no exception: the call went on to the gutter, where the key is a miss");
        assertNull(r.value());
        assertFalse(pool.isUp(mainName()), "the failed call marked it down, before any health check");
        assertEquals(0.0, upGauge());
        assertTrue(meter("scalegram.cache.pool.errors") >= 1);
        assertTrue(meter("scalegram.cache.pool.gutter.keys") >= 1);

        assertTrue(pool.set(k, bytes("g"), r.token(), TTL), "the gutter's lease fills the gutter");
        assertArrayEquals(bytes("g"), pool.get(k, LEASE).value());
        assertArrayEquals(bytes("g"), pool.getPlain(k));
        assertEquals(1, gutter.stat("curr_items"));
    }

    @Test
    void aServerComesBackAfterKGoodChecksFlushedAndOldTokensCannotFillIt() {
        String k = "h:back";
        pool.get("h:back-other", LEASE); // so the lease below has a CAS the new process also reaches (its flush takes 1)
        Lookup before = pool.get(k, LEASE);
        assertTrue(before.won());
        main.kill9();
        pool.checkHealth();
        assertFalse(pool.isUp(mainName()), "a failed check marks it down");

        main.restart();
        recoverWithExactlyKChecks();
        assertEquals(1.0, upGauge());
        assertEquals(1, main.stat("cmd_flush"), "flushed on its return");

        double requests = meter("scalegram.cache.pool.requests");
        Lookup r = pool.get(k, LEASE);
        assertTrue(r.won());
        assertEquals(requests + 1, meter("scalegram.cache.pool.requests"), "the key is routed to its home again");
        // The restarted memcached counts CAS from 1 again: vivify the key anew until its CAS is the old lease's, the
        // case where only the token's epoch tells the two leases apart.
        long casMask = (1L << 48) - 1;
        while ((r.token() & casMask) < (before.token() & casMask)) {
            pool.delete(k);
            r = pool.get(k, LEASE);
            assertTrue(r.won());
        }
        assertEquals(before.token() & casMask, r.token() & casMask, "the old lease's CAS came round again");
        assertFalse(pool.set(k, bytes("old"), before.token(), TTL),
                "yet the lease from before the outage cannot fill the returned server");
        assertTrue(pool.set(k, bytes("new"), r.token(), TTL));
        assertEquals(1, main.stat("curr_items"));
        assertEquals(0, gutter.stat("curr_items"));
    }

    /**
     * The server is frozen (SIGSTOP), not killed, so it keeps its values: a value set before the outage is still in
     * its memory when it answers again, and only the flush on return keeps the pool from serving it.
     */
    @Test
    void aValueSetBeforeAnOutageIsNotServedAfterIt() {
        String k = "h:flush";
        fill(k, "before");
        main.pause();
        try {
            pool.checkHealth();
            assertFalse(pool.isUp(mainName()), "a check that times out marks it down");
            Lookup during = pool.get(k, LEASE);
            assertTrue(during.won(), "during the outage the key is the gutter's, where it is a miss");
            assertTrue(pool.set(k, bytes("during"), during.token(), TTL));
        } finally {
            main.resume();
        }
        pool.checkHealth();
        assertFalse(pool.isUp(mainName()));
        try (MemcachedLeaseCache direct = direct()) {
            assertArrayEquals(bytes("before"), direct.getPlain(k), "the server still holds the old value");
            pool.checkHealth();
            pool.checkHealth();
            assertTrue(pool.isUp(mainName()));
            assertNull(direct.getPlain(k), "and the flush removed it");
        }
        Lookup after = pool.get(k, LEASE);
        assertTrue(after.won(), "not the value from before the outage, nor the gutter's: a miss on the home server");
        assertNull(after.value());
    }

    @Test
    void aFailureDuringRecoveryStartsTheCountOver() {
        main.pause();
        pool.checkHealth();
        main.resume();
        pool.checkHealth();
        pool.checkHealth();
        assertFalse(pool.isUp(mainName()), "two good checks of three");
        main.pause();
        pool.checkHealth();
        main.resume();
        recoverWithExactlyKChecks();
    }

    @Test
    void gutterValuesLiveShortlyAndAreNotInvalidated() throws IOException {
        main.kill9();
        String k = "h:gutter";
        Lookup r = pool.get(k, LEASE);
        assertTrue(pool.set(k, bytes("g"), r.token(), Duration.ofHours(1)));
        long ttl = remainingTtl(gutter, k);
        assertTrue(ttl > 0 && ttl <= GUTTER_TTL.toSeconds(), "an hour was asked for, the gutter keeps " + ttl + " s");

        pool.invalidate(k, STALE);
        pool.delete(k);
        Lookup still = pool.get(k, LEASE);
        assertTrue(still.hit(), "invalidations do not go to the gutter: its TTL bounds the staleness");
        assertArrayEquals(bytes("g"), still.value());

        pool.setUnconditionally("h:plain", bytes("p"), Duration.ZERO);
        long plainTtl = remainingTtl(gutter, "h:plain");
        assertTrue(plainTtl > 0 && plainTtl <= GUTTER_TTL.toSeconds(), "no expiry becomes the gutter TTL: " + plainTtl);
    }

    @Test
    void invalidationsStillGoToADownHomeThatAnswersAgainButNotToADeadOne() {
        String k = "h:inv";
        fill(k, "v");
        main.pause();
        pool.checkHealth();
        main.resume();
        assertFalse(pool.isUp(mainName()));

        double requests = meter("scalegram.cache.pool.requests");
        pool.checkHealth(); // good, but one of three
        pool.invalidate(k, STALE);
        assertEquals(requests + 1, meter("scalegram.cache.pool.requests"), "sent: the server may be back");
        try (MemcachedLeaseCache direct = direct()) {
            assertTrue(direct.get(k, LEASE).stale(), "and it arrived");
        }

        main.kill9();
        pool.checkHealth(); // fails: known dead
        double errors = meter("scalegram.cache.pool.errors");
        requests = meter("scalegram.cache.pool.requests");
        pool.invalidate(k, STALE);
        pool.delete(k);
        assertEquals(requests, meter("scalegram.cache.pool.requests"), "not sent to a server known dead");
        assertEquals(errors, meter("scalegram.cache.pool.errors"));
    }

    @Test
    void anInvalidationThatFailsMarksTheServerDownInsteadOfThrowing() {
        String k = "h:inv-fails";
        fill(k, "v");
        main.kill9();
        pool.invalidate(k, STALE); // the server was up: tried, failed
        assertFalse(pool.isUp(mainName()), "down, so that it is flushed before it serves the missed key again");
    }

    @Test
    void withTheGutterDownTooTheCacheIsUnavailableAndReadsGoToTheLoader() {
        main.kill9();
        gutter.kill9();
        assertThrows(CacheUnavailableException.class, () -> pool.get("h:both", LEASE));
        assertThrows(CacheUnavailableException.class, () -> pool.getMany(List.of("h:both", "h:x"), LEASE));
        assertFalse(pool.isUp(MemcachedPool.name(gutter.address())));
        assertThrows(CacheUnavailableException.class, () -> pool.getPlain("h:both"),
                "with every gutter server down there is nowhere to go");

        AtomicInteger loads = new AtomicInteger();
        ReadThrough rt = new ReadThrough(pool, CacheSettings.defaults(), CacheMetrics.noop());
        assertEquals(7L, rt.get("h:both", Codec.LONG, () -> {
            loads.incrementAndGet();
            return 7L;
        }));
        assertEquals(1, loads.get());
    }

    @Test
    void aClosedPoolRefusesWork() {
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.get("h:closed", LEASE));
        assertThrows(IllegalStateException.class, () -> pool.getMany(List.of("h:closed"), LEASE));
        assertTrue(registry.find("scalegram.cache.pool.up").meters().isEmpty(), "its meters are removed");
    }

    /** The remaining TTL memcached reports for a key ({@code mg <key> t}), in seconds. */
    private static long remainingTtl(TestMemcached server, String key) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server.address(), 1_000);
            s.setSoTimeout(2_000);
            s.getOutputStream().write(("mg " + key + " t\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            for (String token : line.split(" ")) {
                if (token.startsWith("t")) {
                    return Long.parseLong(token.substring(1));
                }
            }
            throw new AssertionError("no TTL in " + line);
        }
    }
}
