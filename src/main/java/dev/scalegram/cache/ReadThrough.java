package dev.scalegram.cache;

import dev.scalegram.cache.LeaseCache.Lookup;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one read path over a {@link LeaseCache}: a fresh hit is returned; on a miss exactly one caller (the lease winner)
 * loads and fills the key; the others take the stale value if there is one, or poll briefly and, if nothing shows up
 * in {@link CacheSettings#maxWait()}, load by themselves without filling. A fill computed before an invalidation is
 * refused by the cache, so no stale value is ever written back.
 *
 * <p>A loader may return null for "absent"; absence is cached as a zero-length value and read back as null. Writers
 * call {@link #invalidate} after their transaction commits; nothing on the write path sets the cache.
 */
public final class ReadThrough {

    private static final byte[] ABSENT = new byte[0];
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final LeaseCache cache;
    private final CacheSettings settings;
    private final CacheMetrics metrics;

    public ReadThrough(LeaseCache cache, CacheSettings settings, CacheMetrics metrics) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    public boolean leasesEnabled() {
        return settings.leases();
    }

    /**
     * The value of one key, from the cache or from {@code loader} (which may return null for absent). When the cache
     * cannot be reached the value comes from the loader and nothing is filled: a cache outage slows reads down, it
     * does not fail them.
     */
    public <T> T get(String key, Codec<T> codec, Supplier<T> loader) {
        try {
            return getCached(key, codec, loader);
        } catch (CacheUnavailableException e) {
            metrics.unavailable();
            metrics.loads(1);
            return loader.get();
        }
    }

    private <T> T getCached(String key, Codec<T> codec, Supplier<T> loader) {
        if (!settings.leases()) {
            return getWithoutLease(key, codec, loader);
        }
        Lookup r = cache.get(key, settings.leaseTtl());
        if (r.hit()) {
            metrics.hit();
            return decode(codec, r.value());
        }
        metrics.miss();
        if (r.won()) {
            return loadAndFill(key, codec, loader, r.token());
        }
        if (r.value() != null) {
            metrics.staleServe();
            return decode(codec, r.value());
        }
        metrics.leaseWait();
        long deadline = System.nanoTime() + settings.maxWait().toNanos();
        long backoff = FIRST_BACKOFF_NANOS;
        while (pause(deadline, backoff)) {
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
            r = cache.get(key, settings.leaseTtl());
            if (r.won()) {
                return loadAndFill(key, codec, loader, r.token());
            }
            if (r.value() != null) {
                if (r.stale()) {
                    metrics.staleServe();
                }
                return decode(codec, r.value());
            }
        }
        // The lease holder is slow or gone: answer from the source, but leave the key to the lease holder.
        metrics.loads(1);
        return loader.get();
    }

    /**
     * The values of many keys with one cache round trip and at most two loader calls: first for the keys this caller
     * won (filled at once, since others may be waiting on them), then for keys won while polling together with those
     * nobody filled in time. Keys missing from the loader's result are absent.
     *
     * @return every distinct key in the order given, mapped to its value or to null if absent
     */
    public <T> Map<String, T> getMany(List<String> keys, Codec<T> codec,
            Function<List<String>, Map<String, T>> loader) {
        try {
            return getManyCached(keys, codec, loader);
        } catch (CacheUnavailableException e) {
            metrics.unavailable();
            Map<String, T> result = new LinkedHashMap<>();
            keys.forEach(k -> result.put(k, null));
            List<String> distinct = List.copyOf(result.keySet());
            metrics.loads(distinct.size());
            Map<String, T> loaded = loader.apply(distinct);
            for (String key : distinct) {
                result.put(key, loaded == null ? null : loaded.get(key));
            }
            return result;
        }
    }

    private <T> Map<String, T> getManyCached(List<String> keys, Codec<T> codec,
            Function<List<String>, Map<String, T>> loader) {
        Map<String, T> result = new LinkedHashMap<>();
        for (String key : keys) {
            result.put(key, null);
        }
        if (result.isEmpty()) {
            return result;
        }
        List<String> distinct = new ArrayList<>(result.keySet());
        if (!settings.leases()) {
            return getManyWithoutLease(distinct, codec, loader, result);
        }
        Map<String, Lookup> lookups = cache.getMany(distinct, settings.leaseTtl());
        Map<String, Long> won = new LinkedHashMap<>();
        List<String> waiting = new ArrayList<>();
        for (String key : distinct) {
            Lookup r = lookups.get(key);
            if (r.hit()) {
                metrics.hit();
                result.put(key, decode(codec, r.value()));
                continue;
            }
            metrics.miss();
            if (r.won()) {
                metrics.leaseWin();
                won.put(key, r.token());
            } else if (r.value() != null) {
                metrics.staleServe();
                result.put(key, decode(codec, r.value()));
            } else {
                metrics.leaseWait();
                waiting.add(key);
            }
        }
        // Keys this caller won are loaded and filled first: other callers may be waiting on exactly these.
        loadAndFillMany(won, codec, loader, result, List.of());
        Map<String, Long> wonLater = new LinkedHashMap<>();
        pollMany(waiting, codec, wonLater, result);
        // Whatever was won during the poll, plus what nobody filled in time, in one more loader call.
        loadAndFillMany(wonLater, codec, loader, result, waiting);
        return result;
    }

    private <T> void loadAndFillMany(Map<String, Long> won, Codec<T> codec,
            Function<List<String>, Map<String, T>> loader, Map<String, T> result, List<String> unfilled) {
        if (won.isEmpty() && unfilled.isEmpty()) {
            return;
        }
        List<String> toLoad = new ArrayList<>(won.keySet());
        toLoad.addAll(unfilled);
        metrics.loads(toLoad.size());
        Map<String, T> loaded = loader.apply(List.copyOf(toLoad));
        for (String key : toLoad) {
            result.put(key, loaded == null ? null : loaded.get(key));
        }
        for (Map.Entry<String, Long> w : won.entrySet()) {
            fill(w.getKey(), encode(codec, result.get(w.getKey())), w.getValue());
        }
    }

    /**
     * Call after a write has committed, with every key it touched: with leases the values turn stale (readers get them
     * while one of them recomputes) and fills computed before now are refused; without leases the keys are deleted.
     */
    public void invalidate(Collection<String> keys) {
        for (String key : keys) {
            try {
                if (settings.leases()) {
                    cache.invalidate(key, settings.staleTtl());
                } else {
                    cache.delete(key);
                }
            } catch (CacheUnavailableException e) {
                // The write has committed; the key keeps its old value until its TTL. Counted so that it shows.
                metrics.invalidationFailed();
            }
        }
    }

    /** Polls the waiting keys together; resolved keys leave {@code waiting}, keys won meanwhile go to {@code won}. */
    private <T> void pollMany(List<String> waiting, Codec<T> codec, Map<String, Long> won, Map<String, T> result) {
        if (waiting.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + settings.maxWait().toNanos();
        long backoff = FIRST_BACKOFF_NANOS;
        while (!waiting.isEmpty() && pause(deadline, backoff)) {
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
            Map<String, Lookup> lookups;
            try {
                lookups = cache.getMany(waiting, settings.leaseTtl());
            } catch (CacheUnavailableException e) {
                metrics.unavailable();
                return; // what is still waiting is loaded by the caller, unfilled
            }
            for (Iterator<String> it = waiting.iterator(); it.hasNext(); ) {
                String key = it.next();
                Lookup r = lookups.get(key);
                if (r.won()) {
                    metrics.leaseWin();
                    won.put(key, r.token());
                    it.remove();
                } else if (r.value() != null) {
                    if (r.stale()) {
                        metrics.staleServe();
                    }
                    result.put(key, decode(codec, r.value()));
                    it.remove();
                }
            }
        }
    }

    private <T> T loadAndFill(String key, Codec<T> codec, Supplier<T> loader, long token) {
        metrics.leaseWin();
        metrics.loads(1);
        T value = loader.get();
        fill(key, encode(codec, value), token);
        return value;
    }

    private void fill(String key, byte[] bytes, long token) {
        // Refused when the key was invalidated while we loaded: our value may predate that write, so dropping it is
        // the point, and the next reader recomputes.
        try {
            if (!cache.set(key, bytes, token, settings.ttl())) {
                metrics.setRefused();
            }
        } catch (CacheUnavailableException e) {
            metrics.unavailable(); // the value was served; only the fill is lost
        }
    }

    private <T> T getWithoutLease(String key, Codec<T> codec, Supplier<T> loader) {
        byte[] bytes = cache.getPlain(key);
        if (bytes != null) {
            metrics.hit();
            return decode(codec, bytes);
        }
        metrics.miss();
        metrics.loads(1);
        T value = loader.get();
        cache.setUnconditionally(key, encode(codec, value), settings.ttl());
        return value;
    }

    private <T> Map<String, T> getManyWithoutLease(List<String> keys, Codec<T> codec,
            Function<List<String>, Map<String, T>> loader, Map<String, T> result) {
        List<String> missing = new ArrayList<>();
        for (String key : keys) {
            byte[] bytes = cache.getPlain(key);
            if (bytes != null) {
                metrics.hit();
                result.put(key, decode(codec, bytes));
            } else {
                metrics.miss();
                missing.add(key);
            }
        }
        if (missing.isEmpty()) {
            return result;
        }
        metrics.loads(missing.size());
        Map<String, T> loaded = loader.apply(List.copyOf(missing));
        for (String key : missing) {
            T value = loaded == null ? null : loaded.get(key);
            result.put(key, value);
            cache.setUnconditionally(key, encode(codec, value), settings.ttl());
        }
        return result;
    }

    /**
     * Sleeps for the backoff, cut short at the deadline. False once the deadline has passed, or if the thread was
     * interrupted (the interrupt stays set; the caller then loads without waiting further).
     */
    private static boolean pause(long deadline, long backoff) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            return false;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(Math.min(backoff, remaining));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static <T> T decode(Codec<T> codec, byte[] bytes) {
        return bytes.length == 0 ? null : codec.decode(bytes);
    }

    private static <T> byte[] encode(Codec<T> codec, T value) {
        if (value == null) {
            return ABSENT;
        }
        byte[] bytes = codec.encode(value);
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("codec encoded a value as zero bytes, which would read back as absent");
        }
        return bytes;
    }
}
