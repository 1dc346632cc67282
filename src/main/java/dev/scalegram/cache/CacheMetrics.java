package dev.scalegram.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Counters of the {@link ReadThrough} path, registered as {@code scalegram.cache.*}. Every key looked up counts once as
 * a hit or a miss; the other counters say what happened to the misses.
 */
public final class CacheMetrics {

    private final Counter hits;
    private final Counter misses;
    private final Counter leaseWins;
    private final Counter leaseWaits;
    private final Counter staleServes;
    private final Counter loads;
    private final Counter setsRefused;
    private final Counter unavailable;
    private final Counter invalidationsFailed;

    public CacheMetrics(MeterRegistry registry) {
        hits = counter(registry, "scalegram.cache.hits", "keys found fresh in the cache");
        misses = counter(registry, "scalegram.cache.misses", "keys not found fresh (missing, stale or being filled)");
        leaseWins = counter(registry, "scalegram.cache.lease.wins", "leases won: this caller recomputed the key");
        leaseWaits = counter(registry, "scalegram.cache.lease.waits",
                "keys another caller was filling, with no stale value: this caller polled");
        staleServes = counter(registry, "scalegram.cache.stale.serves", "stale values returned while being recomputed");
        loads = counter(registry, "scalegram.cache.loads", "keys loaded from the source of truth");
        setsRefused = counter(registry, "scalegram.cache.sets.refused",
                "fills refused because the key was invalidated, deleted or evicted meanwhile");
        unavailable = counter(registry, "scalegram.cache.unavailable",
                "cache calls that failed (server down, timeout); reads fell back to the source of truth");
        invalidationsFailed = counter(registry, "scalegram.cache.invalidations.failed",
                "invalidations that could not reach the cache: the key keeps its old value until its TTL");
    }

    void unavailable() {
        unavailable.increment();
    }

    void invalidationFailed() {
        invalidationsFailed.increment();
    }

    public long unavailableCount() {
        return (long) unavailable.count();
    }

    public long invalidationsFailed() {
        return (long) invalidationsFailed.count();
    }

    /** Metrics that count (the getters work) but are exported nowhere. */
    public static CacheMetrics noop() {
        return new CacheMetrics(new SimpleMeterRegistry());
    }

    private static Counter counter(MeterRegistry registry, String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }

    void hit() {
        hits.increment();
    }

    void miss() {
        misses.increment();
    }

    void leaseWin() {
        leaseWins.increment();
    }

    void leaseWait() {
        leaseWaits.increment();
    }

    void staleServe() {
        staleServes.increment();
    }

    void loads(int keys) {
        loads.increment(keys);
    }

    void setRefused() {
        setsRefused.increment();
    }

    public long hits() {
        return (long) hits.count();
    }

    public long misses() {
        return (long) misses.count();
    }

    public long leaseWins() {
        return (long) leaseWins.count();
    }

    public long leaseWaits() {
        return (long) leaseWaits.count();
    }

    public long staleServes() {
        return (long) staleServes.count();
    }

    /** Keys loaded from the loader (a batch of n keys counts n). */
    public long loads() {
        return (long) loads.count();
    }

    public long setsRefused() {
        return (long) setsRefused.count();
    }
}
