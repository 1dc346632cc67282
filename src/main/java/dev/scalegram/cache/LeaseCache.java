package dev.scalegram.cache;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A key-value cache with leases, shaped after memcached's meta protocol so that stock memcached 1.6 implements it.
 *
 * <p>The contract, which {@code LeaseCacheContract} tests for every implementation:
 * <ul>
 *   <li>{@link #get} of a missing key creates an empty placeholder and hands the caller a lease ({@link Lookup#won()},
 *       memcached's {@code W}); every other caller until the lease is filled or expires gets {@link Lookup#mustWait()}
 *       ({@code Z}) and no value. Exactly one caller per miss recomputes.</li>
 *   <li>{@link #invalidate} keeps the value but marks it stale and changes its token ({@code md key I}). The next
 *       reader gets the stale value and the lease ({@code X W}); the others get the stale value and {@code Z}.</li>
 *   <li>{@link #set} stores only if the token matches the current one ({@code ms key C<token>}): a value computed
 *       before an invalidation is refused ({@code EX}). There are no stale sets.</li>
 *   <li>A fresh value is returned as a hit ({@link Lookup#hit()}) with neither flag.</li>
 * </ul>
 * Values are opaque bytes; keys are ASCII without spaces or control characters, at most 250 bytes (memcached's limit).
 */
public interface LeaseCache extends AutoCloseable {

    /**
     * Looks a key up and, on a miss or a stale value, takes or reports the lease.
     *
     * @param leaseTtl how long a lease holder has to fill the key before another caller may win it
     */
    Lookup get(String key, Duration leaseTtl);

    /** {@link #get} for many keys in one round trip; the result has an entry for every key, in the order given. */
    Map<String, Lookup> getMany(List<String> keys, Duration leaseTtl);

    /**
     * Stores a value if {@code token} is the key's current token (the one a winning {@link #get} returned).
     *
     * @return true if stored; false if the key was invalidated, deleted or evicted since the token was issued
     */
    boolean set(String key, byte[] value, long token, Duration ttl);

    /**
     * A plain get with no lease: the value (fresh or stale) or null. Only for the leases-off mode that exists to show
     * the thundering herd; never vivifies a placeholder.
     */
    byte[] getPlain(String key);

    /** Stores a value unconditionally. Only for paths that have no lease (leases switched off, warm-up tools). */
    void setUnconditionally(String key, byte[] value, Duration ttl);

    /**
     * Marks the value stale and changes its token so that no set carrying an older token succeeds. A missing key
     * stays missing (memcached's {@code md key I q} on a miss is a no-op).
     *
     * @param staleTtl how long a stale value may still be served while someone recomputes it
     */
    void invalidate(String key, Duration staleTtl);

    /** Removes a key outright. */
    void delete(String key);

    @Override
    void close();

    /**
     * The answer to a lease get.
     *
     * @param value the value, fresh or stale, or null if there is none (a miss, or a placeholder still being filled)
     * @param token the key's current token: pass it to {@link #set} after winning
     * @param won this caller holds the lease and should recompute and set ({@code W})
     * @param mustWait someone else holds the lease ({@code Z})
     * @param stale the value was invalidated ({@code X})
     */
    record Lookup(byte[] value, long token, boolean won, boolean mustWait, boolean stale) {

        /** A fresh hit: a value, not stale, nobody needs to recompute. */
        public boolean hit() {
            return value != null && !stale && !won && !mustWait;
        }
    }
}
