package dev.scalegram.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.cache.LeaseCache.Lookup;
import dev.scalegram.testing.TestMemcached;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lease contract through a pool of two memcached servers and a gutter, plus the routing: rendezvous hashing
 * spreads keys evenly, always sends a key to the same server (whatever the order the servers are listed in), moves
 * only the new server's share when one is added, and getMany sends one batch per server.
 */
class MemcachedPoolTest extends LeaseCacheContract {

    private static TestMemcached first;
    private static TestMemcached second;
    private static TestMemcached gutter;
    private MeterRegistry registry;

    @BeforeAll
    static void startServers() {
        first = TestMemcached.start();
        second = TestMemcached.start();
        gutter = TestMemcached.start();
    }

    @AfterAll
    static void stopServers() {
        for (TestMemcached m : new TestMemcached[] {first, second, gutter}) {
            if (m != null) {
                m.stop();
            }
        }
    }

    @Override
    protected LeaseCache newCache() {
        registry = new SimpleMeterRegistry();
        return new MemcachedPool(List.of(first.address(), second.address()), List.of(gutter.address()),
                MemcachedPool.Options.defaults(), registry);
    }

    private MemcachedPool pool() {
        return (MemcachedPool) cache;
    }

    private static String name(TestMemcached m) {
        return MemcachedPool.name(m.address());
    }

    private static MemcachedPool plainPool(List<InetSocketAddress> servers) {
        return new MemcachedPool(servers, List.of(), MemcachedPool.Options.defaults(), new SimpleMeterRegistry());
    }

    private double requests(String server) {
        return registry.get("scalegram.cache.pool.requests").tag("server", server).counter().count();
    }

    // --- routing ----------------------------------------------------------------------------------------------

    /**
     * Every client in a region must route alike, across JVMs and releases: these values pin the hash (including a
     * key that is not a whole number of 8-byte blocks and a server name).
     */
    @Test
    void theHashIsAFixedFunctionOfTheBytes() {
        assertEquals(0x0AD4844B6F57973DL, MemcachedPool.hash64("o:1"));
        assertEquals(0x4C6AC8CB76349760L, MemcachedPool.hash64("12345678"));
        assertEquals(0x2ED153789DA645DCL, MemcachedPool.hash64("c:123456789012345:7"));
        assertEquals(0xD614B33141C6C630L, MemcachedPool.hash64("127.0.0.1:11211"));
    }

    @Test
    void keysSpreadEvenlyStayPutAndOnlyTheNewServersShareMoves() {
        int n = 10_000;
        try (TestMemcached s1 = TestMemcached.start();
             TestMemcached s2 = TestMemcached.start();
             TestMemcached s3 = TestMemcached.start();
             MemcachedPool two = plainPool(List.of(s1.address(), s2.address()));
             MemcachedPool twoReversed = plainPool(List.of(s2.address(), s1.address()));
             MemcachedPool three = plainPool(List.of(s1.address(), s2.address(), s3.address()))) {
            Map<String, Integer> perServer = new HashMap<>();
            int moved = 0;
            for (int i = 0; i < n; i++) {
                String k = "o:" + i;
                String home = two.homeOf(k);
                assertEquals(home, two.homeOf(k), "the same key, the same server");
                assertEquals(home, twoReversed.homeOf(k), "the order servers are listed in does not matter");
                perServer.merge(home, 1, Integer::sum);
                two.setUnconditionally(k, bytes("v"), TTL);
                String after = three.homeOf(k);
                if (!after.equals(home)) {
                    moved++;
                    assertEquals(name(s3), after, "a key only ever moves to the added server");
                }
            }
            for (TestMemcached s : List.of(s1, s2)) {
                int share = perServer.getOrDefault(name(s), 0);
                assertTrue(share >= 0.3 * n && share <= 0.7 * n, name(s) + " got " + share + " of " + n);
                assertEquals(share, s.stat("curr_items"), "the values are where homeOf says they are");
            }
            assertEquals(0, s3.stat("curr_items"));
            assertTrue(moved >= 0.28 * n && moved <= 0.39 * n, "adding a third server moved " + moved + " of " + n);
        }
    }

    @Test
    void getManySendsOneBatchPerServerAndKeepsTheOrder() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            keys.add(key("many-" + i));
        }
        long onFirst = keys.stream().filter(k -> pool().homeOf(k).equals(name(first))).count();
        assertTrue(onFirst > 0 && onFirst < keys.size(), "the keys span both servers");
        double firstBefore = requests(name(first));
        double secondBefore = requests(name(second));

        Map<String, Lookup> rs = cache.getMany(keys, LEASE);
        assertEquals(keys, List.copyOf(rs.keySet()));
        assertEquals(1, requests(name(first)) - firstBefore, "one pipelined batch for the first server");
        assertEquals(1, requests(name(second)) - secondBefore, "one for the second");
        for (String k : keys) {
            assertTrue(rs.get(k).won());
            assertTrue(cache.set(k, bytes(k), rs.get(k).token(), TTL), "each token fills its own server's key");
        }
        Map<String, Lookup> again = cache.getMany(keys, LEASE);
        assertEquals(keys, List.copyOf(again.keySet()));
        for (String k : keys) {
            assertTrue(again.get(k).hit());
            assertArrayEquals(bytes(k), again.get(k).value());
        }
    }

    @Test
    void aTokenOnlyFillsTheServerThatIssuedIt() {
        String k = key("token");
        Lookup r = cache.get(k, LEASE);
        assertTrue(r.won());
        assertFalse(cache.set(k, bytes("v"), r.token() & ((1L << 48) - 1), TTL),
                "a bare CAS (no server in it) is no token of this pool");
        // Slots 0 and 1 (the two main servers) are 1 and 2 in the token's top bits: swap them.
        assertFalse(cache.set(k, bytes("v"), r.token() ^ (3L << 55), TTL),
                "the same token naming the other server is refused: the set is not routed by the key");
        assertFalse(cache.set(k, bytes("v"), r.token() + (7L << 55), TTL), "nor is one naming no server");
        assertTrue(cache.set(k, bytes("v"), r.token(), TTL));
    }

    @Test
    void serversAreNamedOnceAndTheOptionsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new MemcachedPool(List.of(first.address()),
                List.of(first.address()), MemcachedPool.Options.defaults(), new SimpleMeterRegistry()));
        assertThrows(IllegalArgumentException.class, () -> plainPool(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new MemcachedPool.Options(Duration.ZERO, 3,
                Duration.ofSeconds(10), MemcachedLeaseCache.Options.defaults()));
        assertThrows(IllegalArgumentException.class, () -> new MemcachedPool.Options(Duration.ofMillis(250), 0,
                Duration.ofSeconds(10), MemcachedLeaseCache.Options.defaults()));
    }

    @Test
    void everyServerHasItsMeters() {
        for (TestMemcached m : List.of(first, second)) {
            assertEquals(1.0, registry.get("scalegram.cache.pool.up").tags("server", name(m), "pool", "main")
                    .gauge().value());
            assertEquals(0.0, registry.get("scalegram.cache.pool.gutter.keys").tag("server", name(m)).counter()
                    .count());
        }
        assertEquals(1.0, registry.get("scalegram.cache.pool.up").tags("server", name(gutter), "pool", "gutter")
                .gauge().value());
        cache.getPlain(key("metered"));
        assertEquals(1.0, requests(pool().homeOf(key("metered"))));
    }
}
