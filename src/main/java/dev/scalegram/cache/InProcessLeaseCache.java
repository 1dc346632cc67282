package dev.scalegram.cache;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The embedded-mode {@link LeaseCache}: memcached 1.6's meta-protocol lease semantics in the JVM.
 *
 * <p>Keys live in lock-striped segments, each an access-ordered map that evicts its least recently used key when full,
 * so the whole cache holds at most {@code maxEntries} keys. Critical sections only touch the map (no I/O, no copying),
 * which keeps them short enough for virtual threads. Expiry is checked lazily on access.
 *
 * <p>One deliberate difference from memcached: the lease on a stale value also ends after {@code leaseTtl} (as the
 * contract's javadoc says), where memcached keeps it until the stale value itself expires.
 */
public final class InProcessLeaseCache implements LeaseCache {

    /** The default bound on the number of keys. */
    public static final int DEFAULT_MAX_ENTRIES = 1_000_000;

    private static final int MAX_SEGMENTS = 64;
    /** Small caches get fewer segments so each still holds enough keys for LRU to mean something. */
    private static final int MIN_ENTRIES_PER_SEGMENT = 16;
    private static final byte[] EMPTY = new byte[0];

    private final Segment[] segments;
    private final int segmentShift;
    private final LongSupplier nanoTime;
    private final AtomicLong tokens = new AtomicLong();

    public InProcessLeaseCache() {
        this(DEFAULT_MAX_ENTRIES);
    }

    public InProcessLeaseCache(int maxEntries) {
        this(maxEntries, System::nanoTime);
    }

    /** With a clock of our own, so tests can move time instead of sleeping. */
    InProcessLeaseCache(int maxEntries, LongSupplier nanoTime) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1: " + maxEntries);
        }
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        int n = Math.min(MAX_SEGMENTS, Integer.highestOneBit(Math.max(1, maxEntries / MIN_ENTRIES_PER_SEGMENT)));
        segments = new Segment[n];
        // Floor division: the segments together never hold more than maxEntries.
        for (int i = 0; i < n; i++) {
            segments[i] = new Segment(maxEntries / n);
        }
        segmentShift = 32 - Integer.numberOfTrailingZeros(n);
    }

    @Override
    public Lookup get(String key, Duration leaseTtl) {
        CacheKeys.check(key);
        long lease = positiveNanos(leaseTtl, "leaseTtl");
        long now = nanoTime.getAsLong();
        Segment s = segment(key);
        byte[] value;
        long token;
        boolean won;
        boolean mustWait;
        boolean stale;
        s.lock.lock();
        try {
            Slot e = s.live(key, now);
            if (e == null) {
                // Vivify: an empty placeholder that lives exactly as long as its lease (memcached's N<ttl>).
                e = new Slot(null, tokens.incrementAndGet(), now + lease);
                s.map.put(key, e);
                return new Lookup(null, e.token, true, false, false);
            }
            value = e.value;
            token = e.token;
            stale = e.stale;
            if (value == null) {
                won = false;
                mustWait = true;
            } else if (!stale) {
                won = false;
                mustWait = false;
            } else if (e.leased && now - e.leaseUntil < 0) {
                won = false;
                mustWait = true;
            } else {
                e.leased = true;
                e.leaseUntil = now + lease;
                won = true;
                mustWait = false;
            }
        } finally {
            s.lock.unlock();
        }
        // Stored arrays are never written after they are stored, so copying outside the lock is safe.
        return new Lookup(copy(value), token, won, mustWait, stale);
    }

    @Override
    public Map<String, Lookup> getMany(List<String> keys, Duration leaseTtl) {
        Map<String, Lookup> result = new LinkedHashMap<>();
        for (String key : keys) {
            // A key listed twice must not be looked up twice: the second lookup would see our own lease as Z and
            // replace the W, and nobody would fill the key.
            if (!result.containsKey(key)) {
                result.put(key, get(key, leaseTtl));
            }
        }
        return result;
    }

    @Override
    public boolean set(String key, byte[] value, long token, Duration ttl) {
        CacheKeys.check(key);
        byte[] stored = copy(Objects.requireNonNull(value, "value"));
        long now = nanoTime.getAsLong();
        long expiresAt = expiry(now, ttl);
        Segment s = segment(key);
        s.lock.lock();
        try {
            Slot e = s.live(key, now);
            if (e == null || e.token != token) {
                return false;
            }
            e.fill(stored, tokens.incrementAndGet(), expiresAt);
            return true;
        } finally {
            s.lock.unlock();
        }
    }

    @Override
    public byte[] getPlain(String key) {
        CacheKeys.check(key);
        long now = nanoTime.getAsLong();
        Segment s = segment(key);
        byte[] value;
        s.lock.lock();
        try {
            Slot e = s.live(key, now);
            value = e == null ? null : e.value;
        } finally {
            s.lock.unlock();
        }
        return copy(value);
    }

    @Override
    public void setUnconditionally(String key, byte[] value, Duration ttl) {
        CacheKeys.check(key);
        byte[] stored = copy(Objects.requireNonNull(value, "value"));
        long now = nanoTime.getAsLong();
        long expiresAt = expiry(now, ttl);
        Segment s = segment(key);
        s.lock.lock();
        try {
            // A fresh token: whoever held a lease on the old entry can no longer overwrite this value.
            s.map.put(key, new Slot(stored, tokens.incrementAndGet(), expiresAt));
        } finally {
            s.lock.unlock();
        }
    }

    @Override
    public void invalidate(String key, Duration staleTtl) {
        CacheKeys.check(key);
        long staleFor = positiveNanos(staleTtl, "staleTtl");
        long now = nanoTime.getAsLong();
        Segment s = segment(key);
        s.lock.lock();
        try {
            Slot e = s.live(key, now);
            if (e == null) {
                return;
            }
            if (e.value == null) {
                // A placeholder has nothing to serve stale. Dropping it refuses the lease holder's set (its value may
                // predate the write) and the next reader vivifies a new placeholder with a new token and wins.
                s.map.remove(key);
                return;
            }
            e.stale = true;
            e.token = tokens.incrementAndGet();
            e.leased = false;
            // Stale for at most staleTtl, and never longer than the value would have lived anyway.
            long staleUntil = now + staleFor;
            if (e.expiresAt == Slot.NEVER || e.expiresAt - staleUntil > 0) {
                e.expiresAt = staleUntil;
            }
        } finally {
            s.lock.unlock();
        }
    }

    @Override
    public void delete(String key) {
        CacheKeys.check(key);
        Segment s = segment(key);
        s.lock.lock();
        try {
            s.map.remove(key);
        } finally {
            s.lock.unlock();
        }
    }

    @Override
    public void close() {
        for (Segment s : segments) {
            s.lock.lock();
            try {
                s.map.clear();
            } finally {
                s.lock.unlock();
            }
        }
    }

    /** The number of keys held, expired ones not yet noticed included. */
    int size() {
        int n = 0;
        for (Segment s : segments) {
            s.lock.lock();
            try {
                n += s.map.size();
            } finally {
                s.lock.unlock();
            }
        }
        return n;
    }

    private Segment segment(String key) {
        // The segment comes from the top bits of a multiplicative hash: HashMap inside the segment indexes by the low
        // bits, and if both used the same bits each segment would use only a fraction of its buckets.
        int h = key.hashCode() * 0x9E3779B9;
        return segments.length == 1 ? segments[0] : segments[h >>> segmentShift];
    }

    private static byte[] copy(byte[] value) {
        if (value == null) {
            return null;
        }
        return value.length == 0 ? EMPTY : Arrays.copyOf(value, value.length);
    }

    private static long expiry(long now, Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative: " + ttl);
        }
        return ttl.isZero() ? Slot.NEVER : now + saturatedNanos(ttl);
    }

    private static long positiveNanos(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (!d.isPositive()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
        return saturatedNanos(d);
    }

    /** Caps at about 73 years so that {@code now + nanos} cannot wrap around. */
    private static long saturatedNanos(Duration d) {
        long cap = Long.MAX_VALUE / 4;
        return d.compareTo(Duration.ofNanos(cap)) >= 0 ? cap : d.toNanos();
    }

    /** One key's state; only read or written under its segment's lock. */
    private static final class Slot {
        /** expiresAt of an entry without expiry; compared by identity, never by arithmetic. */
        static final long NEVER = Long.MIN_VALUE;

        /** The value, or null for a placeholder whose lease holder has not filled it yet. */
        byte[] value;
        long token;
        long expiresAt;
        boolean stale;
        /** Whether someone was handed the lease on this stale value, until leaseUntil. */
        boolean leased;
        long leaseUntil;

        Slot(byte[] value, long token, long expiresAt) {
            this.value = value;
            this.token = token;
            this.expiresAt = expiresAt;
        }

        void fill(byte[] newValue, long newToken, long newExpiresAt) {
            value = newValue;
            token = newToken;
            expiresAt = newExpiresAt;
            stale = false;
            leased = false;
        }

        boolean expired(long now) {
            return expiresAt != NEVER && now - expiresAt >= 0;
        }
    }

    private static final class Segment {
        final ReentrantLock lock = new ReentrantLock();
        final Lru map;

        Segment(int capacity) {
            map = new Lru(capacity);
        }

        /** The key's entry, or null if it is missing or has expired (an expired entry is dropped). */
        Slot live(String key, long now) {
            Slot e = map.get(key);
            if (e != null && e.expired(now)) {
                map.remove(key);
                return null;
            }
            return e;
        }
    }

    /** Access-ordered, so the eldest entry is the least recently used one. */
    private static final class Lru extends LinkedHashMap<String, Slot> {
        private final int capacity;

        Lru(int capacity) {
            super(16, 0.75f, true);
            this.capacity = capacity;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Slot> eldest) {
            return size() > capacity;
        }
    }
}
