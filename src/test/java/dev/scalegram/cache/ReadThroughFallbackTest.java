package dev.scalegram.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A cache outage slows reads down but never fails them, and a failed invalidation is counted. */
class ReadThroughFallbackTest {

    /** A cache whose server is gone: every call fails the way MemcachedLeaseCache fails. */
    static final class DownCache implements LeaseCache {
        private static CacheUnavailableException down() {
            return new CacheUnavailableException("cache server down", null);
        }

        @Override
        public Lookup get(String key, Duration leaseTtl) {
            throw down();
        }

        @Override
        public Map<String, Lookup> getMany(List<String> keys, Duration leaseTtl) {
            throw down();
        }

        @Override
        public boolean set(String key, byte[] value, long token, Duration ttl) {
            throw down();
        }

        @Override
        public byte[] getPlain(String key) {
            throw down();
        }

        @Override
        public void setUnconditionally(String key, byte[] value, Duration ttl) {
            throw down();
        }

        @Override
        public void invalidate(String key, Duration staleTtl) {
            throw down();
        }

        @Override
        public void delete(String key) {
            throw down();
        }

        @Override
        public void close() {}
    }

    @Test
    void readsFallBackToTheLoaderWhenTheCacheIsDown() {
        CacheMetrics metrics = CacheMetrics.noop();
        ReadThrough rt = new ReadThrough(new DownCache(), CacheSettings.defaults(), metrics);
        AtomicInteger loads = new AtomicInteger();
        assertEquals(7L, rt.get("k", Codec.LONG, () -> {
            loads.incrementAndGet();
            return 7L;
        }));
        Map<String, Long> many = rt.getMany(List.of("a", "b", "a"), Codec.LONG, keys -> {
            loads.incrementAndGet();
            return Map.of("a", 1L);
        });
        assertEquals(java.util.Arrays.asList(1L, null), new java.util.ArrayList<>(many.values()));
        assertEquals(2, loads.get());
        rt.invalidate(List.of("a", "b"));
        assertEquals(2, metrics.unavailableCount());
        assertEquals(2, metrics.invalidationsFailed());
    }
}
