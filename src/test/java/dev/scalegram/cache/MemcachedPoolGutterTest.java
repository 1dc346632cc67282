package dev.scalegram.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.testing.TestMemcached;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The done-when at the cache level: a memcached server is killed ({@code kill -9}) under a read load, and the
 * reads keep succeeding while the database is not stampeded.
 *
 * <p>The scenario runs twice, with the same servers, keys and load: a {@link ReadThrough} over a {@link MemcachedPool}
 * of two main servers, once with one gutter server and once without a gutter. {@value #THREADS} virtual threads read
 * {@value #KEYS} keys (uniformly; three reads in four a single get, one in four a getMany of 8 keys) through a loader
 * that counts the keys it loads (the "database queries") and takes 0.2 ms a call. After a warm-up that loads every key
 * once, the load runs in phases of {@value #PHASE_READS} key reads each (phases end by a count of reads, not by time,
 * so the assertions do not depend on the machine's speed): before the kill, after the kill of one main server ("the
 * dead server"; its keys, about half, are "dead keys") and, with the gutter, after that server is restarted.
 *
 * <p>What is asserted:
 * <ol>
 *   <li>Every read of both runs returned the loader's value for its key, and none threw.</li>
 *   <li>Before the kill at most 1% of the key reads loaded (everything is warm; in practice none).</li>
 *   <li>With the gutter, the loads in the whole phase after the kill, the refill burst included, are at most
 *       {@code 1.25 x deadKeys x (1 + floor(phaseSeconds / gutterTtl))}: each dead key is loaded once into the gutter
 *       and again only after the gutter's TTL ran out; the 25% allows for readers that waited out ReadThrough's
 *       50 ms maxWait behind a lease holder and loaded without filling.</li>
 *   <li>Without the gutter, the loads after the kill are at least the reads of dead keys in that phase: every such
 *       read goes to the database (ReadThrough falls back to the loader), so the load on the database grows with
 *       the read rate, not with the number of keys. The phase has at least 10 dead-key reads per dead key, so this is
 *       at least 10 x deadKeys, against about 1 x deadKeys with the gutter.</li>
 *   <li>With the gutter, the restarted server is taken back: flushed ({@code cmd_flush} = 1 on the new process) and
 *       used again (it holds at least 90% of its keys after one more phase from its return). From the kill to the
 *       end of that phase the loads are at most {@code 1.25 x deadKeys x (2 + floor(seconds / gutterTtl))}: the
 *       dead keys fill the gutter once and the flushed server once, through leases, plus once per gutter TTL that
 *       ran out meanwhile.</li>
 * </ol>
 * The measured loads per second of each phase are printed; they are not asserted.
 *
 * <p>Why not "within 2x of the loads per second before the kill", as the issue puts it: before the kill everything is
 * a hit and the database sees about 0 loads/s, so any refill at all is infinitely many times that. The honest
 * comparison is the same kill without a gutter, and a bound in keys rather than in time: with the gutter the database
 * pays once per dead key (per gutter TTL), without it once per read. The phase after the kill starts just before the
 * {@code kill -9} and includes the refill burst; nothing is left out.
 */
class MemcachedPoolGutterTest {

    private static final int KEYS = 2_000;
    private static final int THREADS = 32;
    private static final long PHASE_READS = 250_000;
    private static final int MANY = 8;
    private static final Duration GUTTER_TTL = Duration.ofSeconds(10);
    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);

    /** Counters at one moment of the load. */
    private record Snapshot(long reads, long deadReads, long loads, long nanos) {
    }

    /** What happened between two snapshots. */
    private record Phase(String name, long reads, long deadReads, long loads, long nanos) {

        static Phase between(String name, Snapshot from, Snapshot to) {
            return new Phase(name, to.reads - from.reads, to.deadReads - from.deadReads, to.loads - from.loads,
                    to.nanos - from.nanos);
        }

        double seconds() {
            return nanos / 1e9;
        }

        @Override
        public String toString() {
            return String.format("%-28s %7d key reads (%6d of dead keys) in %5.2f s: %6d loads = %8.1f loads/s,"
                    + " %8.0f reads/s", name, reads, deadReads, seconds(), loads, loads / seconds(),
                    reads / seconds());
        }
    }

    /** One run's outcome. */
    private record Run(int deadKeys, Phase before, Phase after, Phase afterRefill, Phase recovered, Phase sinceKill,
            long errors,
            String firstError, long flushes, long itemsOnRestarted) {
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aKilledServerCostsOneLoadPerKeyWithTheGutterAndALoadPerReadWithout() throws Exception {
        Run with = run(true);
        Run without = run(false);
        System.out.println("gutter test: " + KEYS + " keys, " + THREADS + " threads, dead server's keys: with gutter "
                + with.deadKeys + ", without " + without.deadKeys);
        for (Run r : List.of(with, without)) {
            System.out.println(r == with ? "WITH gutter:" : "WITHOUT gutter:");
            System.out.println("  " + r.before);
            System.out.println("  " + r.after);
            System.out.println("  " + r.afterRefill + "   (the part of the phase after its first 300 ms)");
            if (r.recovered != null) {
                System.out.println("  " + r.recovered + "   (the server is back after about 3 checks of 100 ms)");
                System.out.println("  " + r.sinceKill);
            }
        }

        for (Run r : List.of(with, without)) {
            assertEquals(0, r.errors, "every read succeeded with the right value; first failure: " + r.firstError);
            assertTrue(r.before.loads <= r.before.reads / 100, "warm before the kill: " + r.before);
        }

        long rounds = 1 + (long) Math.floor(with.after.seconds() / GUTTER_TTL.toSeconds());
        double bound = 1.25 * with.deadKeys * rounds;
        assertTrue(with.after.loads <= bound, "with the gutter each dead key loads about once: " + with.after.loads
                + " loads, bound " + bound);

        assertTrue(without.after.deadReads >= 10L * without.deadKeys, "the phase reads each dead key many times");
        assertTrue(without.after.loads >= without.after.deadReads,
                "without the gutter every read of a dead key loads: " + without.after);

        assertEquals(1, with.flushes, "the restarted server was flushed before it was used");
        assertTrue(with.itemsOnRestarted >= 0.9 * with.deadKeys,
                "the restarted server is used again: " + with.itemsOnRestarted + " items");
        long roundsSinceKill = 2 + (long) Math.floor(with.sinceKill.seconds() / GUTTER_TTL.toSeconds());
        double boundSinceKill = 1.25 * with.deadKeys * roundsSinceKill;
        assertTrue(with.sinceKill.loads <= boundSinceKill, "from the kill on, the dead keys filled the gutter once"
                + " and the flushed server once: " + with.sinceKill.loads + " loads, bound " + boundSinceKill);
    }

    private Run run(boolean withGutter) throws Exception {
        TestMemcached dead = TestMemcached.start();
        TestMemcached live = TestMemcached.start();
        TestMemcached gutter = withGutter ? TestMemcached.start() : null;
        // A 2 s read timeout, not the default 500 ms: the kill is seen at once (connection reset, then refused), and
        // on a shared, noisy machine a 500 ms stall of the live server or the gutter would mark it down too, which
        // is another scenario (see the pool meters printed).
        MemcachedPool.Options options = new MemcachedPool.Options(Duration.ofMillis(100), 3, GUTTER_TTL,
                new MemcachedLeaseCache.Options(4, Duration.ofSeconds(1), Duration.ofSeconds(2)));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MemcachedPool pool = new MemcachedPool(List.of(dead.address(), live.address()),
                gutter == null ? List.of() : List.of(gutter.address()), options, registry)) {
            String deadName = MemcachedPool.name(dead.address());
            String[] keys = new String[KEYS];
            boolean[] isDead = new boolean[KEYS];
            int deadKeys = 0;
            for (int i = 0; i < KEYS; i++) {
                keys[i] = "o:" + i;
                isDead[i] = pool.homeOf(keys[i]).equals(deadName);
                deadKeys += isDead[i] ? 1 : 0;
            }
            Load load = new Load(new ReadThrough(pool, CacheSettings.defaults(), CacheMetrics.noop()), keys, isDead);

            for (int i = 0; i < KEYS; i += 100) {
                load.readThrough.getMany(List.of(keys).subList(i, i + 100), Codec.LONG, load::loadMany);
            }
            try {
                return phases(load, pool, dead, deadName, deadKeys, withGutter);
            } finally {
                load.stop();
                System.out.println("pool meters (" + (withGutter ? "with" : "without") + " gutter), dead server "
                        + deadName + ":");
                registry.getMeters().stream()
                        .filter(m -> m.getId().getName().startsWith("scalegram.cache.pool"))
                        .map(m -> "  " + m.getId().getName() + " " + m.getId().getTag("pool") + " "
                                + m.getId().getTag("server") + " = " + m.measure().iterator().next().getValue())
                        .sorted()
                        .forEach(System.out::println);
            }
        } finally {
            dead.stop();
            live.stop();
            if (gutter != null) {
                gutter.stop();
            }
        }
    }

    private static Run phases(Load load, MemcachedPool pool, TestMemcached dead, String deadName, int deadKeys,
            boolean withGutter) throws InterruptedException {
        load.start();
        load.awaitReads(load.snapshot().reads + PHASE_READS / 10); // threads running, connections open
        Snapshot s0 = load.snapshot();
        load.awaitReads(s0.reads + PHASE_READS);
        Snapshot s1 = load.snapshot();

        Snapshot s2 = load.snapshot();
        dead.kill9();
        Thread.sleep(300);
        Snapshot s2b = load.snapshot();
        load.awaitReads(s2.reads + PHASE_READS);
        Snapshot s3 = load.snapshot();

        Phase recovered = null;
        Phase sinceKill = null;
        long flushes = 0;
        long items = 0;
        if (withGutter) {
            Snapshot s4 = load.snapshot();
            dead.restart();
            load.await(() -> pool.isUp(deadName), "the restarted server to be taken back");
            load.awaitReads(load.snapshot().reads + PHASE_READS);
            Snapshot s5 = load.snapshot();
            recovered = Phase.between("from the restart on", s4, s5);
            sinceKill = Phase.between("from the kill to the end", s2, s5);
            flushes = dead.stat("cmd_flush");
            items = dead.stat("curr_items");
        }
        load.stop();
        return new Run(deadKeys, Phase.between("before the kill", s0, s1), Phase.between("after the kill", s2, s3),
                Phase.between("after the kill, from +300 ms", s2b, s3), recovered, sinceKill, load.errors.sum(),
                load.firstError.get(), flushes, items);
    }

    /** The readers, their counters and the counting loader. */
    private static final class Load {
        final ReadThrough readThrough;
        final String[] keys;
        final boolean[] isDead;
        final LongAdder reads = new LongAdder();
        final LongAdder deadReads = new LongAdder();
        final AtomicLong loads = new AtomicLong();
        final LongAdder errors = new LongAdder();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        volatile boolean running = true;

        Load(ReadThrough readThrough, String[] keys, boolean[] isDead) {
            this.readThrough = readThrough;
            this.keys = keys;
            this.isDead = isDead;
        }

        /** The database: a key's value is its number; 0.2 ms a query. */
        Map<String, Long> loadMany(List<String> ks) {
            loads.addAndGet(ks.size());
            LockSupport.parkNanos(200_000);
            Map<String, Long> out = new java.util.HashMap<>();
            for (String k : ks) {
                out.put(k, valueOf(k));
            }
            return out;
        }

        Long loadOne(String k) {
            loads.incrementAndGet();
            LockSupport.parkNanos(200_000);
            return valueOf(k);
        }

        static long valueOf(String key) {
            return Long.parseLong(key.substring(2));
        }

        void start() {
            for (int t = 0; t < THREADS; t++) {
                threads.add(Thread.ofVirtual().name("reader-" + t).start(this::readLoop));
            }
        }

        private void readLoop() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (running) {
                try {
                    if (random.nextInt(4) == 0) {
                        List<String> batch = new ArrayList<>(MANY);
                        for (int j = 0; j < MANY; j++) {
                            batch.add(keys[random.nextInt(KEYS)]);
                        }
                        Map<String, Long> got = readThrough.getMany(batch, Codec.LONG, this::loadMany);
                        for (String k : got.keySet()) {
                            check(k, got.get(k));
                        }
                    } else {
                        String k = keys[random.nextInt(KEYS)];
                        check(k, readThrough.get(k, Codec.LONG, () -> loadOne(k)));
                    }
                } catch (RuntimeException | Error e) {
                    errors.increment();
                    firstError.compareAndSet(null, e.toString());
                }
            }
        }

        /** Counts one key read and fails it unless it has the key's value. */
        private void check(String key, Long value) {
            reads.increment();
            if (isDead[(int) valueOf(key)]) {
                deadReads.increment();
            }
            if (value == null || value != valueOf(key)) {
                throw new AssertionError(key + " read as " + value);
            }
        }

        Snapshot snapshot() {
            return new Snapshot(reads.sum(), deadReads.sum(), loads.get(), System.nanoTime());
        }

        void awaitReads(long target) throws InterruptedException {
            await(() -> reads.sum() >= target, target + " key reads");
        }

        /** Waits for a condition, failing (not hanging) if the load stalls. */
        void await(BooleanSupplier condition, String what) throws InterruptedException {
            long deadline = System.nanoTime() + PHASE_TIMEOUT.toNanos();
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("gave up waiting for " + what + " after " + PHASE_TIMEOUT
                            + "; errors so far: " + errors.sum() + ", first: " + firstError.get());
                }
                Thread.sleep(5);
            }
        }

        void stop() throws InterruptedException {
            running = false;
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(10));
            }
        }
    }
}
