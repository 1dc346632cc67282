package dev.scalegram.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A region's cache as a pool of memcached servers, routed as mcrouter does: every key has one home server chosen by
 * rendezvous hashing, and while that server is down its keys go to a small gutter pool instead (Facebook's gutter),
 * so a lost server costs one refill per key rather than a database stampede.
 *
 * <ul>
 *   <li>A server is marked down by any failed call or a failed health check ({@code mn}, every
 *       {@link Options#healthInterval()} on its own connection), and taken back after
 *       {@link Options#recoveryChecks()} good checks in a row, flushed first.</li>
 *   <li>The call that finds a server down is retried once on the gutter, so the caller does not see the failure.
 *       Only when the gutter fails too does a call throw {@link CacheUnavailableException}.</li>
 *   <li>Values stored in the gutter live at most {@link Options#gutterTtl()}, whatever TTL was asked for, and
 *       invalidations are never sent to the gutter: the short TTL is what bounds its staleness. Leases work there as
 *       anywhere, so a dead server's keys still have one filler each.</li>
 * </ul>
 *
 * <p>Meters, tagged {@code server=host:port} and {@code pool=main|gutter}: {@code scalegram.cache.pool.requests},
 * {@code .errors}, {@code .up} (a gauge) and, for main servers, {@code .gutter.keys}.
 */
public final class MemcachedPool implements LeaseCache {

    /**
     * How the pool watches its servers.
     *
     * @param healthInterval time between two health checks of one server
     * @param recoveryChecks good checks in a row before a server that was down takes traffic again
     * @param gutterTtl the longest a value lives in the gutter, whatever TTL the caller asked for
     * @param client how each server is connected to
     */
    public record Options(Duration healthInterval, int recoveryChecks, Duration gutterTtl,
            MemcachedLeaseCache.Options client) {

        public Options {
            Objects.requireNonNull(healthInterval, "healthInterval");
            Objects.requireNonNull(gutterTtl, "gutterTtl");
            Objects.requireNonNull(client, "client");
            if (!healthInterval.isPositive() || !gutterTtl.isPositive()) {
                throw new IllegalArgumentException(
                        "healthInterval and gutterTtl must be positive: " + healthInterval + ", " + gutterTtl);
            }
            if (recoveryChecks < 1) {
                throw new IllegalArgumentException("recoveryChecks must be at least 1: " + recoveryChecks);
            }
        }

        /** Checks every 250 ms, back after 3 good checks, 10 s in the gutter, the client's defaults. */
        public static Options defaults() {
            return new Options(Duration.ofMillis(250), 3, Duration.ofSeconds(10),
                    MemcachedLeaseCache.Options.defaults());
        }
    }

    private static final Logger LOG = Logger.getLogger(MemcachedPool.class.getName());

    /*
     * A token names the server and the epoch that issued it, besides memcached's CAS: a set must go to the server
     * that granted the lease (the route may change between the get and the set when a server goes down or comes
     * back), and a token from before an outage must not fill the flushed server (after a restart its CAS counter
     * starts over, so an old CAS could match a new item). Layout: bit 63 zero, 8 bits of slot + 1, 7 bits of epoch,
     * 48 bits of CAS (memcached's CAS grows by one per store: 2^48 is years of writes).
     */
    private static final int CAS_BITS = 48;
    private static final long CAS_MASK = (1L << CAS_BITS) - 1;
    private static final int EPOCH_BITS = 7;
    private static final int EPOCH_MASK = (1 << EPOCH_BITS) - 1;
    static final int MAX_SERVERS = 255;

    private final Server[] main;
    private final Server[] gutter;
    /** Every server by slot: main first, then gutter. */
    private final Server[] slots;
    private final Options options;
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final ExecutorService batches = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Thread> checkers = new ArrayList<>();
    private volatile boolean closed;

    /**
     * Starts one health checker per server; no connection is opened until the first call or check.
     *
     * @param servers the main pool, at least one
     * @param gutterServers the gutter pool; empty means a down server's keys are simply unavailable
     */
    public MemcachedPool(List<InetSocketAddress> servers, List<InetSocketAddress> gutterServers, Options options,
            MeterRegistry registry) {
        Objects.requireNonNull(servers, "servers");
        Objects.requireNonNull(gutterServers, "gutterServers");
        this.options = Objects.requireNonNull(options, "options");
        this.registry = Objects.requireNonNull(registry, "registry");
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("a pool needs at least one server");
        }
        if (servers.size() + gutterServers.size() > MAX_SERVERS) {
            throw new IllegalArgumentException("at most " + MAX_SERVERS + " servers in a pool");
        }
        Set<String> names = new HashSet<>();
        main = new Server[servers.size()];
        gutter = new Server[gutterServers.size()];
        slots = new Server[main.length + gutter.length];
        for (int i = 0; i < slots.length; i++) {
            boolean isGutter = i >= main.length;
            InetSocketAddress address = isGutter ? gutterServers.get(i - main.length) : servers.get(i);
            String name = name(Objects.requireNonNull(address, "server address"));
            if (!names.add(name)) {
                // One server in two roles would get gutter TTLs on its own keys, or be flushed under the gutter.
                throw new IllegalArgumentException("server listed twice: " + name);
            }
            slots[i] = new Server(name, i, isGutter, address, options.client());
            (isGutter ? gutter : main)[isGutter ? i - main.length : i] = slots[i];
        }
        for (Server s : slots) {
            register(s);
        }
        for (Server s : slots) {
            checkers.add(Thread.ofVirtual().name("memcached-health-" + s.name).start(() -> healthLoop(s)));
        }
    }

    // --- the contract ----------------------------------------------------------------------------------------

    @Override
    public Lookup get(String key, Duration leaseTtl) {
        CacheKeys.check(key);
        MemcachedLeaseCache.positiveSeconds(leaseTtl, "leaseTtl");
        return withRetry(key, s -> {
            int epoch = s.epoch;
            return tagged(s, epoch, s.client.get(key, leaseTtl));
        });
    }

    /**
     * Groups the keys by server and sends each group as one pipelined batch, the groups in parallel on virtual
     * threads. A group whose server fails is retried once on the gutter.
     */
    @Override
    public Map<String, Lookup> getMany(List<String> keys, Duration leaseTtl) {
        MemcachedLeaseCache.positiveSeconds(leaseTtl, "leaseTtl");
        // Each key once, as the single-server client does: a second mg of a key would see our own lease as Z.
        Map<String, Lookup> result = LinkedHashMap.newLinkedHashMap(keys.size());
        for (String key : keys) {
            result.put(CacheKeys.check(key), null);
        }
        if (result.isEmpty()) {
            return result;
        }
        ensureOpen();
        Map<Server, List<String>> groups = new LinkedHashMap<>();
        for (String key : result.keySet()) {
            groups.computeIfAbsent(route(hash64(key)), s -> new ArrayList<>()).add(key);
        }
        List<Map.Entry<Server, List<String>>> work = new ArrayList<>(groups.entrySet());
        List<Future<Map<String, Lookup>>> others = new ArrayList<>();
        for (int i = 1; i < work.size(); i++) {
            Map.Entry<Server, List<String>> g = work.get(i);
            others.add(batches.submit(() -> fetchGroup(g.getKey(), g.getValue(), leaseTtl)));
        }
        // The first group runs on the caller's thread: a batch that touches one server starts no thread at all.
        try {
            result.putAll(fetchGroup(work.getFirst().getKey(), work.getFirst().getValue(), leaseTtl));
            for (Future<Map<String, Lookup>> f : others) {
                result.putAll(f.get());
            }
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case RuntimeException r -> throw r;
                case Error r -> throw r;
                default -> throw new CacheUnavailableException(e.toString(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheUnavailableException("interrupted while waiting for memcached", e);
        } finally {
            // Not cancel(true): interrupting a batch mid-read would close its socket and mark a healthy server down.
            others.forEach(f -> f.cancel(false));
        }
        return result;
    }

    /**
     * Sends the set to the server that granted the token. Refused (false) without a round trip when that server has
     * gone down since, or came back (flushed) in a later epoch; a set that fails is also just refused, since a lease
     * cannot move to another server.
     */
    @Override
    public boolean set(String key, byte[] value, long token, Duration ttl) {
        CacheKeys.check(key);
        Objects.requireNonNull(value, "value");
        MemcachedLeaseCache.ttlSeconds(ttl);
        ensureOpen();
        int slot = (int) (token >>> (CAS_BITS + EPOCH_BITS)) - 1;
        if (token <= 0 || slot < 0 || slot >= slots.length) {
            return false;
        }
        Server s = slots[slot];
        if (!s.up() || (s.epoch & EPOCH_MASK) != ((token >>> CAS_BITS) & EPOCH_MASK)) {
            return false;
        }
        s.requests.increment();
        try {
            return s.client.set(key, value, token & CAS_MASK, s.gutter ? gutterTtl(ttl) : ttl);
        } catch (CacheUnavailableException e) {
            if (!interrupted()) {
                markDown(s, e);
            }
            return false;
        }
    }

    @Override
    public byte[] getPlain(String key) {
        CacheKeys.check(key);
        return withRetry(key, s -> s.client.getPlain(key));
    }

    @Override
    public void setUnconditionally(String key, byte[] value, Duration ttl) {
        CacheKeys.check(key);
        Objects.requireNonNull(value, "value");
        MemcachedLeaseCache.ttlSeconds(ttl);
        withRetry(key, s -> {
            s.client.setUnconditionally(key, value, s.gutter ? gutterTtl(ttl) : ttl);
            return null;
        });
    }

    /**
     * Invalidates on the key's home server only, never on the gutter (its short TTL bounds what it serves). Does not
     * throw when the home server cannot be reached: it is then marked down, and a server that was down is flushed
     * before it takes traffic again, so the value this invalidation missed is never served. (An interrupted caller
     * does get the exception: its failure says nothing about the server, which stays up and is not flushed.)
     */
    @Override
    public void invalidate(String key, Duration staleTtl) {
        CacheKeys.check(key);
        MemcachedLeaseCache.positiveSeconds(staleTtl, "staleTtl");
        onHome(key, c -> c.invalidate(key, staleTtl));
    }

    /** Deletes on the key's home server only, like {@link #invalidate}. */
    @Override
    public void delete(String key) {
        CacheKeys.check(key);
        onHome(key, c -> c.delete(key));
    }

    /** Stops the health checkers, closes every connection and removes this pool's meters. */
    @Override
    public void close() {
        closed = true;
        checkers.forEach(Thread::interrupt);
        for (Thread t : checkers) {
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        batches.shutdownNow();
        for (Server s : slots) {
            s.client.close();
            s.probe.close();
        }
        meters.forEach(registry::remove);
    }

    @Override
    public String toString() {
        return "MemcachedPool[main=" + names(main) + ", gutter=" + names(gutter) + "]";
    }

    // --- for tests --------------------------------------------------------------------------------------------

    /** The key's home server ({@code host:port}), whether it is up or not. */
    String homeOf(String key) {
        return home(hash64(CacheKeys.check(key))).name;
    }

    /** Whether the server ({@code host:port}) takes traffic. */
    boolean isUp(String server) {
        for (Server s : slots) {
            if (s.name.equals(server)) {
                return s.up();
            }
        }
        throw new IllegalArgumentException("not in this pool: " + server);
    }

    /** Runs one health check of every server now, as the checkers do every interval. */
    void checkHealth() {
        for (Server s : slots) {
            check(s);
        }
    }

    /** How a server is named in the hash and in the meters. */
    static String name(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    // --- routing ----------------------------------------------------------------------------------------------

    /** The server a read or a fill of this key goes to now: its home, or while that is down a gutter server. */
    private Server route(long hash) {
        Server home = home(hash);
        if (home.up()) {
            return home;
        }
        return gutterFor(hash, home, null);
    }

    /**
     * Rendezvous over all main servers, up or not: a down server's keys go to the gutter, not to the other main
     * servers, whose caches would otherwise take misses now and hold values that miss invalidations later.
     */
    private Server home(long hash) {
        return highest(main, hash, false);
    }

    /** The gutter server for a key whose home is down, counted on the home's meter. */
    private Server gutterFor(long hash, Server home, CacheUnavailableException cause) {
        Server g = highest(gutter, hash, true);
        if (g == null) {
            throw new CacheUnavailableException("memcached at " + home.name + " is down and no gutter server is up",
                    cause);
        }
        home.gutterKeys.increment();
        return g;
    }

    /** The server with the highest score for this key; ties (never seen with 64 bits) go to the smaller name. */
    private static Server highest(Server[] servers, long hash, boolean upOnly) {
        Server best = null;
        long bestScore = 0;
        for (Server s : servers) {
            if (upOnly && !s.up()) {
                continue;
            }
            long score = fmix64(hash ^ s.hash);
            if (best == null || score > bestScore || (score == bestScore && s.name.compareTo(best.name) < 0)) {
                best = s;
                bestScore = score;
            }
        }
        return best;
    }

    /**
     * The call on the key's current server; if that fails, the server is marked down and the call is tried once on
     * the gutter.
     */
    private <T> T withRetry(String key, Function<Server, T> call) {
        ensureOpen();
        long hash = hash64(key);
        Server s = route(hash);
        try {
            s.requests.increment();
            return call.apply(s);
        } catch (CacheUnavailableException e) {
            if (interrupted()) {
                throw e;
            }
            markDown(s, e);
            if (s.gutter) {
                throw e;
            }
            Server g = gutterFor(hash, s, e);
            try {
                g.requests.increment();
                return call.apply(g);
            } catch (CacheUnavailableException again) {
                if (!interrupted()) {
                    markDown(g, again);
                }
                again.addSuppressed(e);
                throw again;
            }
        }
    }

    /** One server's share of a getMany; on failure its keys go to the gutter, grouped again by gutter server. */
    private Map<String, Lookup> fetchGroup(Server s, List<String> keys, Duration leaseTtl) {
        try {
            return fetch(s, keys, leaseTtl);
        } catch (CacheUnavailableException e) {
            if (interrupted()) {
                throw e;
            }
            markDown(s, e);
            if (s.gutter) {
                throw e;
            }
            Map<Server, List<String>> retry = new LinkedHashMap<>();
            for (String key : keys) {
                retry.computeIfAbsent(gutterFor(hash64(key), s, e), g -> new ArrayList<>()).add(key);
            }
            Map<String, Lookup> out = LinkedHashMap.newLinkedHashMap(keys.size());
            for (Map.Entry<Server, List<String>> g : retry.entrySet()) {
                try {
                    out.putAll(fetch(g.getKey(), g.getValue(), leaseTtl));
                } catch (CacheUnavailableException again) {
                    if (!interrupted()) {
                        markDown(g.getKey(), again);
                    }
                    again.addSuppressed(e);
                    throw again;
                }
            }
            return out;
        }
    }

    private static Map<String, Lookup> fetch(Server s, List<String> keys, Duration leaseTtl) {
        s.requests.increment();
        int epoch = s.epoch;
        Map<String, Lookup> lookups = s.client.getMany(keys, leaseTtl);
        lookups.replaceAll((k, r) -> tagged(s, epoch, r));
        return lookups;
    }

    private void onHome(String key, Consumer<MemcachedLeaseCache> call) {
        ensureOpen();
        Server home = home(hash64(key));
        // A home that is down is still tried if it answered its latest check (it may be back), but not while it is
        // known dead: each try could cost the writer a timeout, and the flush on its return covers what it misses.
        if (!home.up() && !home.answering) {
            return;
        }
        home.requests.increment();
        try {
            call.accept(home.client);
        } catch (CacheUnavailableException e) {
            if (interrupted()) {
                // Not the server's fault, so it is not marked down and no flush will cover this: say so.
                throw e;
            }
            markDown(home, e);
        }
    }

    /**
     * Whether this thread was interrupted: then a failed call is our doing (an interrupted virtual thread's socket
     * is closed under it), not the server's, and must not mark a healthy server down.
     */
    private static boolean interrupted() {
        return Thread.currentThread().isInterrupted();
    }

    private static Lookup tagged(Server s, int epoch, Lookup r) {
        long cas = r.token();
        long token = cas > 0 && cas <= CAS_MASK
                ? ((long) (s.slot + 1) << (CAS_BITS + EPOCH_BITS)) | ((long) (epoch & EPOCH_MASK) << CAS_BITS) | cas
                : 0; // no CAS or one that does not fit: a token no set accepts, so the fill is simply refused
        return new Lookup(r.value(), token, r.won(), r.mustWait(), r.stale());
    }

    private Duration gutterTtl(Duration ttl) {
        return ttl.isZero() || ttl.compareTo(options.gutterTtl()) > 0 ? options.gutterTtl() : ttl;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the memcached pool is closed");
        }
    }

    // --- health -----------------------------------------------------------------------------------------------

    private void healthLoop(Server s) {
        while (!closed) {
            try {
                Thread.sleep(options.healthInterval());
            } catch (InterruptedException e) {
                return; // closing
            }
            check(s);
        }
    }

    private void check(Server s) {
        s.checkLock.lock();
        try {
            if (closed) {
                return;
            }
            try {
                s.probe.ping();
            } catch (CacheUnavailableException e) {
                if (!closed) { // an interrupt from close() is not the server's fault
                    markDown(s, e);
                }
                return;
            }
            s.answering = true;
            long state = s.state.get();
            if ((state & 1) != 0) {
                return;
            }
            // Good checks count from the latest failure: a failed call in between starts the streak over.
            long failures = state >>> 1;
            if (failures != s.streakFailures) {
                s.streakFailures = failures;
                s.goodChecks = 0;
            }
            if (++s.goodChecks >= options.recoveryChecks()) {
                s.goodChecks = 0;
                recover(s, state);
            }
        } catch (IllegalStateException e) {
            // The pool closed under the check.
        } finally {
            s.checkLock.unlock();
        }
    }

    /**
     * Flushes a server that was down, then lets it take traffic again. The flush is the point: while the pool could
     * not reach the server, writers' invalidations for its keys were lost (they go to no one else: the gutter is
     * never invalidated), yet a server that was only unreachable (a partition, a stall, a long GC of the host) still
     * holds its values, and would serve those stale values for up to their full TTL. An empty server refills through
     * leases, one load per key.
     */
    private void recover(Server s, long downState) {
        try {
            s.probe.flushAll();
        } catch (CacheUnavailableException e) {
            markDown(s, e);
            return;
        }
        s.epoch++;
        // Up only if no failure was recorded since the state was read: one that came during the flush wins.
        if (s.state.compareAndSet(downState, downState | 1)) {
            LOG.info(() -> "memcached at " + s.name + " is back: flushed, taking traffic again");
        }
    }

    private static void markDown(Server s, CacheUnavailableException cause) {
        s.errors.increment();
        s.answering = false;
        long before = s.state.getAndUpdate(v -> ((v >>> 1) + 1) << 1); // one more failure, and down
        if ((before & 1) != 0) {
            LOG.log(Level.WARNING, "memcached at " + s.name + " is down"
                    + (s.gutter ? "" : "; its keys go to the gutter") + ": " + cause.getMessage());
        }
    }

    private void register(Server s) {
        Tags tags = Tags.of("server", s.name, "pool", s.gutter ? "gutter" : "main");
        s.requests = Counter.builder("scalegram.cache.pool.requests")
                .description("calls sent to this memcached server (a batch counts once)").tags(tags).register(registry);
        s.errors = Counter.builder("scalegram.cache.pool.errors")
                .description("calls and health checks that failed; each marks the server down").tags(tags)
                .register(registry);
        meters.add(s.requests);
        meters.add(s.errors);
        meters.add(Gauge.builder("scalegram.cache.pool.up", s, x -> x.up() ? 1 : 0)
                .description("1 while the server takes traffic, 0 while it is down").tags(tags).register(registry));
        if (!s.gutter) {
            s.gutterKeys = Counter.builder("scalegram.cache.pool.gutter.keys")
                    .description("keys of this server sent to the gutter while it was down").tags(tags)
                    .register(registry);
            meters.add(s.gutterKeys);
        }
    }

    private static List<String> names(Server[] servers) {
        List<String> names = new ArrayList<>();
        for (Server s : servers) {
            names.add(s.name);
        }
        return names;
    }

    // --- hashing ----------------------------------------------------------------------------------------------

    /**
     * A 64-bit hash of an ASCII key (8 bytes a block, each block mixed in, then a final avalanche). Every client of a
     * region must route a key alike, whatever JVM or version it runs, or invalidations would miss the server that
     * reads use: so a fixed function of the bytes, never {@link String#hashCode()}, and a test pins its values.
     */
    static long hash64(String key) {
        int n = key.length();
        long h = 0x9E3779B97F4A7C15L ^ (n * 0xC2B2AE3D27D4EB4FL);
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long k = 0;
            for (int j = 7; j >= 0; j--) {
                k = (k << 8) | (key.charAt(i + j) & 0xFF);
            }
            h ^= mixBlock(k);
            h = Long.rotateLeft(h, 27) * 5 + 0x52DCE729;
        }
        if (i < n) {
            long k = 0;
            for (int j = n - 1; j >= i; j--) {
                k = (k << 8) | (key.charAt(j) & 0xFF);
            }
            h ^= mixBlock(k);
        }
        return fmix64(h ^ n);
    }

    private static long mixBlock(long k) {
        k *= 0x87C37B91114253D5L;
        k = Long.rotateLeft(k, 31);
        return k * 0x4CF5AD432745937FL;
    }

    /** A bijective avalanche: every input bit flips each output bit with probability about one half. */
    static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xFF51AFD7ED558CCDL;
        k ^= k >>> 33;
        k *= 0xC4CEB9FE1A85EC53L;
        k ^= k >>> 33;
        return k;
    }

    // --- one server -------------------------------------------------------------------------------------------

    private static final class Server {
        final String name;
        final int slot;
        final boolean gutter;
        final long hash;
        final MemcachedLeaseCache client;
        /** One connection of its own for checks and the flush, so that a busy data pool never fails a check. */
        final MemcachedLeaseCache probe;
        /**
         * (failures << 1) | up, in one word, so that taking a server back (a compare-and-set from the state read
         * before its flush) cannot overwrite a failure recorded meanwhile.
         */
        final AtomicLong state = new AtomicLong(1);
        /** Times it came back; a token carries the epoch it was issued in. Written by the checker only. */
        volatile int epoch;
        /** Whether the latest check or call reached it: a down server that answers again may be back. */
        volatile boolean answering = true;
        final ReentrantLock checkLock = new ReentrantLock();
        /** Under checkLock: the streak of good checks, and the failure count it started after. */
        int goodChecks;
        long streakFailures = -1;
        Counter requests;
        Counter errors;
        Counter gutterKeys;

        Server(String name, int slot, boolean gutter, InetSocketAddress address, MemcachedLeaseCache.Options o) {
            this.name = name;
            this.slot = slot;
            this.gutter = gutter;
            this.hash = hash64(name);
            this.client = new MemcachedLeaseCache(address, o);
            this.probe = new MemcachedLeaseCache(address,
                    new MemcachedLeaseCache.Options(1, o.connectTimeout(), o.readTimeout()));
        }

        boolean up() {
            return (state.get() & 1) != 0;
        }
    }
}
