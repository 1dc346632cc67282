package dev.scalegram.cache;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link ReadThrough} uses the cache.
 *
 * @param leases false turns leases off (plain get, load on every miss, unconditional set, delete on write): only so a
 *     benchmark can show the thundering herd that leases prevent
 * @param ttl how long a filled value lives; {@link Duration#ZERO} means no expiry (memcached's {@code T0})
 * @param leaseTtl how long a lease holder has to fill a key before another caller may win it
 * @param staleTtl how long an invalidated value may still be served while it is recomputed
 * @param maxWait how long a caller that lost the lease and has no stale value polls before loading by itself
 */
public record CacheSettings(boolean leases, Duration ttl, Duration leaseTtl, Duration staleTtl, Duration maxWait) {

    public CacheSettings {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(leaseTtl, "leaseTtl");
        Objects.requireNonNull(staleTtl, "staleTtl");
        Objects.requireNonNull(maxWait, "maxWait");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative: " + ttl);
        }
        // memcached reads N0/T0 as "never expires": a zero lease would be a lease nobody can ever win back.
        if (!leaseTtl.isPositive() || !staleTtl.isPositive()) {
            throw new IllegalArgumentException("leaseTtl and staleTtl must be positive: " + leaseTtl + ", " + staleTtl);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative: " + maxWait);
        }
    }

    /** Leases on, values for an hour, a 2 s lease, stale values for 30 s, waiters poll for 50 ms. */
    public static CacheSettings defaults() {
        return new CacheSettings(true, Duration.ofHours(1), Duration.ofSeconds(2), Duration.ofSeconds(30),
                Duration.ofMillis(50));
    }
}
