/**
 * The look-aside cache with Facebook-style leases.
 *
 * <p>{@link dev.scalegram.cache.LeaseCache} is the contract: exactly the semantics of memcached's meta protocol
 * ({@code mg N/W/Z/X}, {@code ms C}, {@code md I}), so the in-process cache used in embedded mode and the memcached
 * client used on clusters are interchangeable. {@link dev.scalegram.cache.ReadThrough} is the only caller-facing read
 * path: one filler per key on a miss, the rest wait a bounded time or take the stale value, and no stale sets.
 */
package dev.scalegram.cache;
