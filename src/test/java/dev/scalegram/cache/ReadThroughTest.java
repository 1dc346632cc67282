package dev.scalegram.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.cache.LeaseCache.Lookup;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ReadThrough}'s own logic over the in-process cache: batches, metrics, codecs, the leases-off switch. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReadThroughTest {

    private static final Duration LEASE = Duration.ofSeconds(2);

    private final AtomicLong now = new AtomicLong();
    private final InProcessLeaseCache cache = new InProcessLeaseCache(1_000, now::get);
    private final CacheMetrics metrics = CacheMetrics.noop();

    @AfterEach
    void close() {
        cache.close();
    }

    private ReadThrough readThrough(boolean leases, Duration maxWait) {
        return new ReadThrough(cache, new CacheSettings(leases, Duration.ofMinutes(1), LEASE,
                Duration.ofSeconds(30), maxWait), metrics);
    }

    /** Until the reader under test has seen the lease held by someone else and begun to poll. */
    private void awaitLeaseWaits(long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (metrics.leaseWaits() < n) {
            assertTrue(System.nanoTime() < deadline, "the reader never waited: " + metrics.leaseWaits());
            Thread.sleep(1);
        }
    }

    /** A batch loader that records its calls and answers each key with its length, except keys named "none". */
    private static final class Loader implements java.util.function.Function<List<String>, Map<String, Long>> {
        final List<List<String>> calls = new ArrayList<>();

        @Override
        public synchronized Map<String, Long> apply(List<String> keys) {
            calls.add(keys);
            Map<String, Long> m = new HashMap<>();
            for (String k : keys) {
                if (!k.startsWith("none")) {
                    m.put(k, (long) k.length());
                }
            }
            return m;
        }
    }

    @Test
    void getManyLoadsWonKeysFirstThenGivenUpKeysAndFillsOnlyTheWon() {
        cache.setUnconditionally("hit", Codec.LONG.encode(100L), Duration.ZERO);
        cache.setUnconditionally("stale", Codec.LONG.encode(200L), Duration.ZERO);
        cache.invalidate("stale", Duration.ofSeconds(30));
        assertTrue(cache.get("stale", LEASE).won(), "someone else recomputes the stale key");
        Lookup held = cache.get("held", LEASE);

        Loader loader = new Loader();
        ReadThrough rt = readThrough(true, Duration.ofMillis(20));
        List<String> keys = List.of("miss1", "held", "hit", "none1", "stale", "miss1");
        Map<String, Long> result = rt.getMany(keys, Codec.LONG, loader);

        assertEquals(List.of("miss1", "held", "hit", "none1", "stale"), List.copyOf(result.keySet()));
        assertEquals(5L, result.get("miss1"));
        assertEquals(4L, result.get("held"), "given up on after maxWait, loaded");
        assertEquals(100L, result.get("hit"));
        assertNull(result.get("none1"));
        assertTrue(result.containsKey("none1"));
        assertEquals(200L, result.get("stale"), "stale served");
        assertEquals(List.of(List.of("miss1", "none1"), List.of("held")), loader.calls,
                "won keys loaded first (others may wait on them), then the key given up on");

        assertEquals(5L, Codec.LONG.decode(cache.getPlain("miss1")));
        assertArrayEquals(new byte[0], cache.getPlain("none1"), "absence cached");
        assertNull(cache.getPlain("held"), "a key we did not win is not filled");
        assertTrue(cache.set("held", Codec.LONG.encode(4L), held.token(), Duration.ZERO));

        assertEquals(1, metrics.hits());
        assertEquals(4, metrics.misses());
        assertEquals(2, metrics.leaseWins());
        assertEquals(1, metrics.leaseWaits());
        assertEquals(1, metrics.staleServes());
        assertEquals(3, metrics.loads());

        Map<String, Long> again = rt.getMany(List.of("miss1", "none1", "held"), Codec.LONG, loader);
        assertEquals(2, loader.calls.size(), "all three are hits now");
        assertEquals(Arrays.asList(5L, null, 4L), new ArrayList<>(again.values()));
    }

    @Test
    void getManyWaitersPickUpValuesAndWinsTogether() throws Exception {
        Lookup filled = cache.get("filled-later", LEASE);
        cache.get("expires", LEASE);
        Loader loader = new Loader();
        ReadThrough rt = readThrough(true, Duration.ofSeconds(5));
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Map<String, Long>> f = executor.submit(
                    () -> rt.getMany(List.of("expires", "filled-later"), Codec.LONG, loader));
            awaitLeaseWaits(2);
            assertTrue(cache.set("filled-later", Codec.LONG.encode(77L), filled.token(), Duration.ZERO));
            now.addAndGet(LEASE.toNanos());
            Map<String, Long> result = f.get(5, TimeUnit.SECONDS);
            assertEquals(77L, result.get("filled-later"));
            assertEquals(7L, result.get("expires"));
        }
        assertEquals(List.of(List.of("expires")), loader.calls, "the key won while polling was loaded");
        assertTrue(cache.get("expires", LEASE).hit(), "and filled");
    }

    @Test
    void aWaiterThatWinsAnExpiredLeaseLoadsAndFills() throws Exception {
        cache.get("k", LEASE);
        ReadThrough rt = readThrough(true, Duration.ofSeconds(5));
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Long> f = executor.submit(() -> rt.get("k", Codec.LONG, () -> 3L));
            awaitLeaseWaits(1);
            now.addAndGet(LEASE.toNanos());
            assertEquals(3L, f.get(5, TimeUnit.SECONDS));
        }
        assertEquals(1, metrics.leaseWins());
        assertTrue(cache.get("k", LEASE).hit());
    }

    @Test
    void aFillRefusedBecauseOfAConcurrentWriteIsCountedAndTheValueStillReturned() {
        ReadThrough rt = readThrough(true, Duration.ofMillis(20));
        Long v = rt.get("k", Codec.LONG, () -> {
            rt.invalidate(List.of("k"));
            return 1L;
        });
        assertEquals(1L, v);
        assertEquals(1, metrics.setsRefused());
        assertTrue(cache.get("k", LEASE).won(), "the next reader recomputes");
    }

    @Test
    void withoutLeasesReadsArePlainAndInvalidateDeletes() {
        Loader loader = new Loader();
        ReadThrough rt = readThrough(false, Duration.ofMillis(20));
        Map<String, Long> first = rt.getMany(List.of("abc", "none", "abc"), Codec.LONG, loader);
        assertEquals(Arrays.asList(3L, null), new ArrayList<>(first.values()));
        assertEquals(List.of(List.of("abc", "none")), loader.calls);
        assertEquals(3L, rt.get("abc", Codec.LONG, () -> -1L));
        assertNull(rt.get("none", Codec.LONG, () -> -1L), "absence cached here too");

        rt.invalidate(List.of("abc"));
        assertNull(cache.getPlain("abc"), "deleted, not marked stale");
        assertEquals(9L, rt.get("abc", Codec.LONG, () -> 9L));
        assertEquals(2, metrics.hits());
        assertEquals(3, metrics.loads());
        assertEquals(0, metrics.leaseWins());
    }

    @Test
    void aCodecThatEncodesAValueAsZeroBytesIsRejected() {
        ReadThrough rt = readThrough(true, Duration.ofMillis(20));
        assertThrows(IllegalArgumentException.class, () -> rt.get("k", Codec.BYTES, () -> new byte[0]));
    }

    @Test
    void codecsRoundTrip() {
        for (long v : new long[] {0, -1, 42, Long.MIN_VALUE, Long.MAX_VALUE}) {
            assertEquals(v, Codec.LONG.decode(Codec.LONG.encode(v)));
        }
        assertArrayEquals("-17".getBytes(java.nio.charset.StandardCharsets.US_ASCII), Codec.LONG.encode(-17L));
        long[] ids = {1, Long.MAX_VALUE, -5};
        assertEquals(24, Codec.LONG_ARRAY.encode(ids).length);
        assertArrayEquals(ids, Codec.LONG_ARRAY.decode(Codec.LONG_ARRAY.encode(ids)));
        assertEquals(1, Codec.LONG_ARRAY.encode(new long[0]).length, "never zero bytes");
        assertArrayEquals(new long[0], Codec.LONG_ARRAY.decode(Codec.LONG_ARRAY.encode(new long[0])));
        assertThrows(IllegalArgumentException.class, () -> Codec.LONG_ARRAY.decode(new byte[3]));
        byte[] b = {1, 2, 3};
        assertArrayEquals(b, Codec.BYTES.decode(Codec.BYTES.encode(b)));
    }

    @Test
    void anEmptyRangeIsCachedAsEmptyNotAbsent() {
        ReadThrough rt = readThrough(true, Duration.ofMillis(20));
        assertArrayEquals(new long[0], rt.get("r", Codec.LONG_ARRAY, () -> new long[0]));
        assertArrayEquals(new long[0], rt.get("r", Codec.LONG_ARRAY, () -> null));
    }

    @Test
    void countersAreRegisteredUnderTheirNames() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ReadThrough rt = new ReadThrough(cache, CacheSettings.defaults(), new CacheMetrics(registry));
        rt.get("k", Codec.LONG, () -> 1L);
        rt.get("k", Codec.LONG, () -> 1L);
        assertEquals(1.0, registry.get("scalegram.cache.hits").counter().count());
        assertEquals(1.0, registry.get("scalegram.cache.misses").counter().count());
        assertEquals(1.0, registry.get("scalegram.cache.lease.wins").counter().count());
        assertEquals(1.0, registry.get("scalegram.cache.loads").counter().count());
        for (String name : List.of("scalegram.cache.lease.waits", "scalegram.cache.stale.serves",
                "scalegram.cache.sets.refused")) {
            assertEquals(0.0, registry.get(name).counter().count(), name);
        }
    }

    @Test
    void settingsDefaultsAndChecks() {
        CacheSettings d = CacheSettings.defaults();
        assertTrue(d.leases());
        assertEquals(Duration.ofHours(1), d.ttl());
        assertEquals(Duration.ofSeconds(2), d.leaseTtl());
        assertEquals(Duration.ofSeconds(30), d.staleTtl());
        assertEquals(Duration.ofMillis(50), d.maxWait());
        assertThrows(IllegalArgumentException.class,
                () -> new CacheSettings(true, d.ttl(), Duration.ZERO, d.staleTtl(), d.maxWait()));
    }
}
