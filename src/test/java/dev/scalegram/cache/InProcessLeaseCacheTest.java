package dev.scalegram.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.cache.LeaseCache.Lookup;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The contract for the in-process cache, plus what only it has: a bound on keys and a clock tests can move. */
class InProcessLeaseCacheTest extends LeaseCacheContract {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Override
    protected LeaseCache newCache() {
        return new InProcessLeaseCache();
    }

    private InProcessLeaseCache fakeClockCache(int maxEntries) {
        return new InProcessLeaseCache(maxEntries, now::get);
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void holdsAtMostMaxEntriesAndAnEvictedKeyIsAMiss() {
        try (InProcessLeaseCache c = new InProcessLeaseCache(1_000)) {
            for (int i = 0; i < 10_000; i++) {
                c.setUnconditionally("k" + i, bytes("v" + i), TTL);
                assertTrue(c.size() <= 1_000, "size " + c.size() + " after " + i + " keys");
            }
            assertTrue(c.size() > 900, "segments fill up before they evict: " + c.size());
            int present = 0;
            for (int i = 0; i < 10_000; i++) {
                if (c.getPlain("k" + i) != null) {
                    present++;
                }
            }
            assertEquals(c.size(), present);
            assertNull(c.getPlain("k0"), "the first key written has long been evicted");
            Lookup r = c.get("k0", LEASE);
            assertTrue(r.won(), "an evicted key is a miss");
            assertNull(r.value());
        }
    }

    @Test
    void evictsTheLeastRecentlyUsedKey() {
        try (InProcessLeaseCache c = new InProcessLeaseCache(16)) {
            for (int i = 0; i < 16; i++) {
                c.setUnconditionally("k" + i, bytes("v"), TTL);
            }
            assertTrue(c.get("k0", LEASE).hit(), "touch k0");
            c.setUnconditionally("k16", bytes("v"), TTL);
            assertEquals(16, c.size());
            assertTrue(c.get("k0", LEASE).hit(), "recently used: kept");
            assertNull(c.getPlain("k1"), "least recently used: evicted");
        }
    }

    @Test
    void anEvictedLeaseCannotFill() {
        try (InProcessLeaseCache c = new InProcessLeaseCache(1)) {
            Lookup lease = c.get("a", LEASE);
            c.setUnconditionally("b", bytes("v"), TTL);
            assertFalse(c.set("a", bytes("v"), lease.token(), TTL));
        }
    }

    @Test
    void valuesExpireAfterTheirTtl() {
        try (InProcessLeaseCache c = fakeClockCache(100)) {
            Lookup r = c.get("k", LEASE);
            assertTrue(c.set("k", bytes("v"), r.token(), Duration.ofSeconds(10)));
            advance(Duration.ofSeconds(9));
            assertTrue(c.get("k", LEASE).hit());
            advance(Duration.ofSeconds(1));
            assertNull(c.getPlain("k"));
            Lookup after = c.get("k", LEASE);
            assertTrue(after.won(), "an expired value is a miss");
            assertNull(after.value());
        }
    }

    @Test
    void aZeroTtlNeverExpires() {
        try (InProcessLeaseCache c = fakeClockCache(100)) {
            c.setUnconditionally("k", bytes("v"), Duration.ZERO);
            advance(Duration.ofDays(3_650));
            assertTrue(c.get("k", LEASE).hit());
        }
    }

    @Test
    void aPlaceholderLeaseExpiresOnTheClock() {
        try (InProcessLeaseCache c = fakeClockCache(100)) {
            Lookup first = c.get("k", Duration.ofSeconds(2));
            advance(Duration.ofMillis(1_999));
            assertTrue(c.get("k", Duration.ofSeconds(2)).mustWait());
            advance(Duration.ofMillis(1));
            Lookup second = c.get("k", Duration.ofSeconds(2));
            assertTrue(second.won());
            assertTrue(second.token() > first.token(), "tokens only grow");
        }
    }

    @Test
    void theLeaseOnAStaleValueExpiresToo() {
        try (InProcessLeaseCache c = fakeClockCache(100)) {
            c.setUnconditionally("k", bytes("old"), TTL);
            c.invalidate("k", STALE);
            Lookup first = c.get("k", Duration.ofSeconds(2));
            assertTrue(first.won());
            assertTrue(c.get("k", Duration.ofSeconds(2)).mustWait());
            advance(Duration.ofSeconds(2));
            Lookup second = c.get("k", Duration.ofSeconds(2));
            assertTrue(second.won(), "the first winner gave up: a new one takes over");
            assertTrue(second.stale());
            assertArrayEquals(bytes("old"), second.value());
            assertEquals(first.token(), second.token(), "the stale value's token is the same for both");
        }
    }

    @Test
    void aStaleValueLivesForStaleTtlButNoLongerThanItsOwnTtl() {
        try (InProcessLeaseCache c = fakeClockCache(100)) {
            c.setUnconditionally("long", bytes("v"), Duration.ofHours(1));
            c.setUnconditionally("short", bytes("v"), Duration.ofSeconds(5));
            c.invalidate("long", Duration.ofSeconds(30));
            c.invalidate("short", Duration.ofSeconds(30));
            advance(Duration.ofSeconds(5));
            assertNull(c.getPlain("short"), "invalidation did not extend its life");
            assertArrayEquals(bytes("v"), c.getPlain("long"));
            advance(Duration.ofSeconds(25));
            assertNull(c.getPlain("long"), "stale for at most staleTtl");
        }
    }

    @Test
    void aKeyListedTwiceInGetManyKeepsItsWin() {
        try (InProcessLeaseCache c = new InProcessLeaseCache(100)) {
            Map<String, Lookup> rs = c.getMany(List.of("a", "b", "a"), LEASE);
            assertEquals(List.of("a", "b"), List.copyOf(rs.keySet()));
            assertTrue(rs.get("a").won());
            assertTrue(rs.get("b").won());
        }
    }

    @Test
    void valuesAreCopiedInAndOut() {
        try (InProcessLeaseCache c = new InProcessLeaseCache(100)) {
            byte[] v = bytes("abc");
            c.setUnconditionally("k", v, TTL);
            v[0] = 'x';
            byte[] read = c.getPlain("k");
            assertArrayEquals(bytes("abc"), read);
            read[0] = 'y';
            assertArrayEquals(bytes("abc"), c.get("k", LEASE).value());
        }
    }

    @Test
    void closeEmptiesTheCache() {
        InProcessLeaseCache c = new InProcessLeaseCache(100);
        c.setUnconditionally("k", bytes("v"), TTL);
        c.close();
        assertEquals(0, c.size());
    }
}
