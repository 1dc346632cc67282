package dev.scalegram.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.cache.LeaseCache.Lookup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link LeaseCache} contract, for every implementation: subclass it and implement {@link #newCache()}.
 *
 * <p>Only real time is used (no fake clock), with TTLs of whole seconds because memcached counts TTLs in seconds and
 * its clock ticks once a second. Every test uses keys of its own, so a shared memcached server is fine.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
public abstract class LeaseCacheContract {

    /** At least 2 s: memcached may expire an {@code N1} placeholder at its very next clock tick. */
    protected static final Duration LEASE = Duration.ofSeconds(2);
    protected static final Duration STALE = Duration.ofSeconds(30);
    protected static final Duration TTL = Duration.ofSeconds(60);

    protected LeaseCache cache;
    private final String prefix = "t:" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";

    /** A new cache; the contract closes it after each test. */
    protected abstract LeaseCache newCache();

    @BeforeEach
    void open() {
        cache = newCache();
    }

    @AfterEach
    void closeCache() {
        cache.close();
    }

    protected final String key(String name) {
        return prefix + name;
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** Fills a key through the lease, as a winning reader would. */
    private void fill(String key, String value) {
        Lookup r = cache.get(key, LEASE);
        assertTrue(r.won(), "expected to win the lease on " + key);
        assertTrue(cache.set(key, bytes(value), r.token(), TTL));
    }

    private ReadThrough readThrough(boolean leases, Duration maxWait, CacheMetrics metrics) {
        return new ReadThrough(cache, new CacheSettings(leases, TTL, LEASE, STALE, maxWait), metrics);
    }

    /** Runs n tasks on virtual threads, released together, and returns their results. */
    private static <T> List<T> concurrently(int n, Callable<T> task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                futures.add(executor.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(20, TimeUnit.SECONDS));
            }
            return results;
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    // --- leases -------------------------------------------------------------------------------------------------

    @Test
    void firstGetOnAMissWinsTheOthersWaitAndTheFillIsAHit() {
        String k = key("miss");
        Lookup first = cache.get(k, LEASE);
        assertTrue(first.won());
        assertFalse(first.mustWait());
        assertNull(first.value(), "a placeholder has no value");
        assertFalse(first.hit());

        Lookup second = cache.get(k, LEASE);
        assertFalse(second.won());
        assertTrue(second.mustWait());
        assertNull(second.value(), "the placeholder being filled has no value for waiters either");

        assertTrue(cache.set(k, bytes("v1"), first.token(), TTL));
        Lookup third = cache.get(k, LEASE);
        assertTrue(third.hit());
        assertEquals("v1", text(third.value()));
        assertFalse(third.stale());
    }

    @Test
    void aTokenFillsOnce() {
        String k = key("once");
        Lookup r = cache.get(k, LEASE);
        assertTrue(cache.set(k, bytes("v1"), r.token(), TTL));
        assertFalse(cache.set(k, bytes("v2"), r.token(), TTL), "a set changes the token");
        assertEquals("v1", text(cache.get(k, LEASE).value()));
    }

    @Test
    void aSetWithATokenFromBeforeAnInvalidationIsRefused() {
        String k = key("stale-set");
        Lookup won = cache.get(k, LEASE);
        assertTrue(won.won());
        cache.invalidate(k, STALE);
        assertFalse(cache.set(k, bytes("computed-before-the-write"), won.token(), TTL));

        Lookup next = cache.get(k, LEASE);
        assertNull(next.value(), "the refused value must not be served");
        assertTrue(next.won(), "the invalidation ended the old lease: the next reader recomputes");
        assertNotEquals(won.token(), next.token());
    }

    @Test
    void invalidateKeepsTheValueAsStaleForTheWinnerAndTheWaiters() {
        String k = key("invalidate");
        fill(k, "old");
        long before = cache.get(k, LEASE).token();
        cache.invalidate(k, STALE);

        Lookup first = cache.get(k, LEASE);
        assertEquals("old", text(first.value()));
        assertTrue(first.stale());
        assertTrue(first.won());
        assertFalse(first.mustWait());
        assertFalse(first.hit());
        assertNotEquals(before, first.token(), "invalidate changes the token");
        assertFalse(cache.set(k, bytes("from-before"), before, TTL), "the token from before is refused");

        Lookup second = cache.get(k, LEASE);
        assertEquals("old", text(second.value()));
        assertTrue(second.stale());
        assertTrue(second.mustWait());
        assertFalse(second.won());

        assertTrue(cache.set(k, bytes("new"), first.token(), TTL));
        Lookup after = cache.get(k, LEASE);
        assertTrue(after.hit(), "a successful set clears the stale flag and the lease");
        assertEquals("new", text(after.value()));
    }

    @Test
    void invalidatingAMissingKeyLeavesItMissing() {
        String k = key("invalidate-missing");
        cache.invalidate(k, STALE);
        Lookup r = cache.get(k, LEASE);
        assertTrue(r.won());
        assertNull(r.value());
        assertFalse(r.stale());
        assertNull(cache.getPlain(k));
    }

    @Test
    void anUnfilledLeaseExpiresAndTheNextCallerWins() {
        String k = key("lease-expiry");
        Lookup first = cache.get(k, LEASE);
        assertTrue(first.won());
        assertTrue(cache.get(k, LEASE).mustWait(), "the lease is still held");

        sleep(LEASE.plusMillis(300));
        Lookup later = cache.get(k, LEASE);
        assertTrue(later.won(), "after leaseTtl another caller wins");
        assertNull(later.value());
        assertFalse(cache.set(k, bytes("late"), first.token(), TTL), "the expired lease's token is refused");
        assertTrue(cache.set(k, bytes("v"), later.token(), TTL));
    }

    @Test
    void getManyKeepsTheOrderAndReportsEachKey() {
        String hit = key("m-hit");
        String won = key("m-won");
        String waits = key("m-waits");
        String stale = key("m-stale");
        fill(hit, "h");
        fill(stale, "s");
        cache.invalidate(stale, STALE);
        assertTrue(cache.get(waits, LEASE).won(), "someone else holds this lease");

        List<String> keys = List.of(waits, hit, stale, won);
        Map<String, Lookup> rs = cache.getMany(keys, LEASE);
        assertEquals(keys, List.copyOf(rs.keySet()));

        assertTrue(rs.get(hit).hit());
        assertEquals("h", text(rs.get(hit).value()));

        assertTrue(rs.get(won).won());
        assertNull(rs.get(won).value());

        assertTrue(rs.get(waits).mustWait());
        assertFalse(rs.get(waits).won());
        assertNull(rs.get(waits).value());

        assertTrue(rs.get(stale).won());
        assertTrue(rs.get(stale).stale());
        assertEquals("s", text(rs.get(stale).value()));

        assertTrue(cache.set(won, bytes("w"), rs.get(won).token(), TTL), "getMany's tokens fill like get's");
        assertEquals("w", text(cache.get(won, LEASE).value()));
    }

    @Test
    void aZeroLengthValueIsAValueNotAPlaceholder() {
        String k = key("empty");
        Lookup r = cache.get(k, LEASE);
        assertTrue(cache.set(k, new byte[0], r.token(), TTL));
        Lookup hit = cache.get(k, LEASE);
        assertTrue(hit.hit(), "ReadThrough caches absence as zero bytes: it must come back as a hit");
        assertArrayEquals(new byte[0], hit.value());
        assertArrayEquals(new byte[0], cache.getPlain(k));
    }

    // --- plain operations ---------------------------------------------------------------------------------------

    @Test
    void deleteRemovesTheKeyAndRefusesItsToken() {
        String k = key("delete");
        fill(k, "v");
        long token = cache.get(k, LEASE).token();
        cache.delete(k);
        assertNull(cache.getPlain(k));
        assertFalse(cache.set(k, bytes("after-delete"), token, TTL));
        Lookup r = cache.get(k, LEASE);
        assertTrue(r.won());
        assertNull(r.value());
    }

    @Test
    void setUnconditionallyStoresAndEndsAnyLease() {
        String k = key("unconditional");
        Lookup lease = cache.get(k, LEASE);
        cache.setUnconditionally(k, bytes("warm"), TTL);
        Lookup r = cache.get(k, LEASE);
        assertTrue(r.hit());
        assertEquals("warm", text(r.value()));
        assertFalse(cache.set(k, bytes("lease-holder"), lease.token(), TTL), "the old lease can no longer fill");

        cache.setUnconditionally(k, bytes("again"), TTL);
        assertEquals("again", text(cache.getPlain(k)));
    }

    @Test
    void getPlainNeverVivifiesAndSeesStaleValuesButNoPlaceholders() {
        String k = key("plain");
        assertNull(cache.getPlain(k));
        assertTrue(cache.get(k, LEASE).won(), "getPlain left no placeholder behind");
        assertNull(cache.getPlain(k), "a placeholder is not a value");

        String s = key("plain-stale");
        fill(s, "old");
        cache.invalidate(s, STALE);
        assertEquals("old", text(cache.getPlain(s)));
        assertTrue(cache.get(s, LEASE).won(), "getPlain took no lease");
    }

    @Test
    void keysMemcachedCannotTakeAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> cache.get(key("a b"), LEASE));
        assertThrows(IllegalArgumentException.class, () -> cache.getPlain(key("a\r\nflush_all")));
        assertThrows(IllegalArgumentException.class, () -> cache.get("", LEASE));
        assertThrows(IllegalArgumentException.class, () -> cache.get("k".repeat(251), LEASE));
        assertNull(cache.getPlain(key("k".repeat(250 - key("").length()))), "250 bytes is allowed");
    }

    // --- the read-through over this cache -----------------------------------------------------------------------

    @Test
    void aHerdOnAMissingKeyLoadsOnce() throws Exception {
        String k = key("herd");
        AtomicInteger loads = new AtomicInteger();
        ReadThrough rt = readThrough(true, Duration.ofSeconds(2), CacheMetrics.noop());
        List<Long> results = concurrently(200, () -> rt.get(k, Codec.LONG, () -> {
            loads.incrementAndGet();
            sleep(Duration.ofMillis(80));
            return 42L;
        }));
        assertEquals(1, loads.get(), "exactly one reader loads");
        assertEquals(200, results.size());
        assertTrue(results.stream().allMatch(v -> v == 42L), "every reader gets the loaded value: " + results);
    }

    @Test
    void aHerdAfterAnInvalidationLoadsOnceAndServesStaleMeanwhile() throws Exception {
        String k = key("herd-stale");
        CacheMetrics metrics = CacheMetrics.noop();
        ReadThrough rt = readThrough(true, Duration.ofSeconds(2), metrics);
        assertEquals(1L, rt.get(k, Codec.LONG, () -> 1L));
        rt.invalidate(List.of(k));

        AtomicInteger loads = new AtomicInteger();
        List<Long> results = concurrently(200, () -> rt.get(k, Codec.LONG, () -> {
            loads.incrementAndGet();
            sleep(Duration.ofMillis(80));
            return 2L;
        }));
        assertEquals(1, loads.get(), "exactly one reader recomputes");
        assertTrue(results.stream().allMatch(v -> v == 1L || v == 2L), "only the stale or the new value: " + results);
        assertTrue(results.contains(2L), "the winner returns what it loaded");
        assertTrue(metrics.staleServes() > 0, "the others were served the stale value");
        assertEquals(0, metrics.leaseWaits(), "with a stale value at hand nobody waits");
        assertEquals(2L, rt.get(k, Codec.LONG, () -> 3L));
    }

    @Test
    void withoutLeasesEveryoneWhoMissesLoads() throws Exception {
        String k = key("no-leases");
        AtomicInteger loads = new AtomicInteger();
        ReadThrough rt = readThrough(false, Duration.ofMillis(50), CacheMetrics.noop());
        assertFalse(rt.leasesEnabled());
        List<Long> results = concurrently(50, () -> rt.get(k, Codec.LONG, () -> {
            loads.incrementAndGet();
            sleep(Duration.ofMillis(50));
            return 7L;
        }));
        assertTrue(loads.get() > 1, "the thundering herd: " + loads.get() + " loads");
        assertTrue(results.stream().allMatch(v -> v == 7L));
    }

    @Test
    void absenceIsCached() {
        String k = key("absent");
        AtomicInteger loads = new AtomicInteger();
        ReadThrough rt = readThrough(true, Duration.ofMillis(50), CacheMetrics.noop());
        assertNull(rt.get(k, Codec.LONG, () -> {
            loads.incrementAndGet();
            return null;
        }));
        assertNull(rt.get(k, Codec.LONG, () -> {
            loads.incrementAndGet();
            return 5L;
        }));
        assertEquals(1, loads.get(), "the second read is answered by the cached absence");
    }

    @Test
    void aWaiterGetsTheWinnersValueWithoutLoading() throws Exception {
        String k = key("waiter");
        Lookup lease = cache.get(k, LEASE);
        CacheMetrics metrics = CacheMetrics.noop();
        ReadThrough rt = readThrough(true, Duration.ofSeconds(2), metrics);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Long> waiter = executor.submit(() -> rt.get(k, Codec.LONG, () -> -1L));
            sleep(Duration.ofMillis(30));
            assertTrue(cache.set(k, Codec.LONG.encode(9L), lease.token(), TTL));
            assertEquals(9L, waiter.get(5, TimeUnit.SECONDS));
        }
        assertEquals(0, metrics.loads());
        assertEquals(1, metrics.leaseWaits());
    }

    @Test
    void aWaiterGivesUpAtMaxWaitAndLoadsWithoutFilling() {
        String k = key("gives-up");
        Lookup lease = cache.get(k, LEASE);
        CacheMetrics metrics = CacheMetrics.noop();
        ReadThrough rt = readThrough(true, Duration.ofMillis(40), metrics);
        long start = System.nanoTime();
        assertEquals(5L, rt.get(k, Codec.LONG, () -> 5L));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(40), "it waited maxWait first");
        assertEquals(1, metrics.loads());
        assertNull(cache.getPlain(k), "the waiter did not fill the key");
        assertTrue(cache.set(k, Codec.LONG.encode(6L), lease.token(), TTL), "the lease holder still can");
    }
}
