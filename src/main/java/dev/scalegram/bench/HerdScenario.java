package dev.scalegram.bench;

import dev.scalegram.config.Topology;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.ScalegramId;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The thundering herd: one hot key, the like count of one status, read by 500 clients while a writer changes it 50
 * times a second, once with leases and once without. Every change is a real like or unlike through
 * {@link Graph#write}, so the invalidation is the one the product does. A database load is a key the read path
 * loaded from PostgreSQL ({@code scalegram.cache.loads}): with one key per read each load is one SELECT on the
 * {@code counts} table.
 */
final class HerdScenario implements Scenario {

    @Override
    public String name() {
        return "herd";
    }

    @Override
    public String summary() {
        return "one hot key read by 500 clients, invalidated 50 times a second, leases on vs off";
    }

    @Override
    public boolean supportsTopology() {
        return true;
    }

    @Override
    public Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("clients", 500);
        d.put("invalidations_per_second", 50.0);
        d.put("writer_threads", 8);
        d.put("warmup_seconds", 5.0);
        d.put("seconds", 25.0);
        return d;
    }

    @Override
    public Outcome run(BenchContext ctx) throws Exception {
        Params p = ctx.params();
        p.note("hot_key", "g1:c:{status}:LIKED_BY, read with Graph.assocCount in the bench's JVM (ReadThrough over "
                + BenchContext.describeCache(ctx.topology()) + ")");
        p.note("readers", "closed loop on virtual threads, no think time; each parks 1 ns between reads so that all of "
                + "them, and threads woken by database replies, take turns (see LoadGenerator.closedLoop)");
        p.note("writer", "likes by distinct likers through graph.write on a fixed schedule, on writer_threads platform "
                + "threads (at most that many in flight); each changes the count, so each invalidates the key once "
                + "(leases: marked stale; no leases: deleted)");
        p.note("db_loads", "delta of scalegram.cache.loads (keys loaded from PostgreSQL by the read path) over the "
                + "measured period; nothing else reads through the cache during it");
        Map<String, Object> lease = runOnce(ctx, true);
        Map<String, Object> noLease = runOnce(ctx, false);

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("lease", lease);
        results.put("no_lease", noLease);
        double l = ((Number) lease.get("db_loads_per_invalidation")).doubleValue();
        double n = ((Number) noLease.get("db_loads_per_invalidation")).doubleValue();
        Map<String, Object> ratios = new LinkedHashMap<>();
        ratios.put("reduction", l <= 0 ? 0 : Percentiles.round(n / l));
        double lp99 = ((Number) lease.get("read_p99_us")).doubleValue();
        double np99 = ((Number) noLease.get("read_p99_us")).doubleValue();
        ratios.put("read_p99_no_lease_vs_lease", lp99 <= 0 ? 0 : Percentiles.round(np99 / lp99));
        return new Outcome(results, ratios, chart(p, lease, noLease, ratios.get("reduction")));
    }

    private Map<String, Object> runOnce(BenchContext ctx, boolean leases) throws Exception {
        Params p = ctx.params();
        String mode = leases ? "lease" : "no_lease";
        ctx.log().printf("  --- leases %s ---%n", leases ? "on" : "off");
        Topology base = BenchServer.forBench(ctx.topology());
        Topology.CacheConfig c = base.cache();
        Topology t = base.withCache(new Topology.CacheConfig(leases, c.ttlSeconds(), c.leaseTtlMillis(),
                c.staleTtlSeconds(), c.maxWaitMillis(), c.maxEntries()));
        try (BenchServer server = ctx.startServer("herd-" + mode, t);
             HttpApi api = new HttpApi(server.base())) {
            Graph graph = server.graph();
            long status = Dataset.post(api, ctx.username("bench_herd_" + (leases ? "l" : "n")), "The hot post").statusId();
            int shard = ScalegramId.shard(status);
            int logical = graph.shards().logicalShards();
            long postMillis = ScalegramId.createdAt(status).toEpochMilli();
            graph.assocCount(status, Relation.LIKED_BY); // the key exists before the herd arrives

            Duration warmup = p.seconds("warmup_seconds");
            Duration measured = p.seconds("seconds");
            // The writer: likes by distinct likers, so each one changes the count, on a fixed schedule. It starts before
            // the readers and runs past their end, so the whole measured period is covered. Writes run on platform
            // threads, not virtual ones: the readers keep every carrier busy, and the writes' schedule must not depend
            // on getting one. Several may be in flight: with memcached each write's invalidation queues for a
            // connection behind the readers, and one at a time could not keep up the rate.
            AtomicLong invalidations = new AtomicLong();
            AtomicReference<Exception> writerFailed = new AtomicReference<>();
            AtomicLong writes = new AtomicLong();
            LoadGenerator.Result[] writeResult = new LoadGenerator.Result[1];
            int writers = p.integer("writer_threads");
            ExecutorService writePool = Executors.newFixedThreadPool(writers,
                    Thread.ofPlatform().name("herd-write-", 0).factory());
            Thread writer = Thread.ofPlatform().name("herd-writer").start(() -> {
                try {
                    writeResult[0] = LoadGenerator.of("herd/" + mode + "/writes", Duration.ZERO,
                            warmup.plus(measured).plusSeconds(2)).runOn(writePool)
                            .openLoop(p.number("invalidations_per_second"), writers, () -> {
                                long liker = Dataset.likerId((int) writes.getAndIncrement(), logical, postMillis);
                                if (graph.write(shard, tx -> tx.assocAdd(status, Relation.LIKED_BY, liker))) {
                                    invalidations.incrementAndGet();
                                }
                            });
                } catch (Exception e) {
                    writerFailed.set(e);
                }
            });
            Thread.sleep(200);

            double[] before = new double[8];
            double[] after = new double[8];
            long[] inv = new long[2];
            LoadGenerator.Result reads;
            try {
                reads = LoadGenerator.of("herd/" + mode + "/reads", warmup, measured)
                        .progressTo(ctx.log())
                        .onMeasure(() -> {
                            inv[0] = invalidations.get();
                            snapshot(server, before);
                        }, () -> {
                            inv[1] = invalidations.get();
                            snapshot(server, after);
                        })
                        .closedLoop(p.integer("clients"), () -> graph.assocCount(status, Relation.LIKED_BY));
            } catch (RuntimeException | InterruptedException e) {
                writer.interrupt(); // do not leave it writing to a server that is about to stop
                writer.join();
                writePool.shutdownNow();
                throw e;
            }
            writer.join();
            writePool.shutdown();
            if (writerFailed.get() != null) {
                throw writerFailed.get();
            }
            ctx.log().println("  " + reads.line());
            ctx.log().println("  " + writeResult[0].line());

            long invalidated = inv[1] - inv[0];
            long loads = Math.round(after[0] - before[0]);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("leases", leases);
            r.put("invalidations", invalidated);
            r.put("invalidations_per_s", Percentiles.round(invalidated / (measured.toNanos() / 1e9)));
            r.put("db_loads", loads);
            r.put("db_loads_per_invalidation", invalidated == 0 ? 0 : Percentiles.round((double) loads / invalidated));
            r.put("reads", reads.count());
            r.put("read_rate_per_s", Math.round(reads.achievedRate()));
            r.put("read_p50_us", reads.percentileMicros(50));
            r.put("read_p99_us", reads.percentileMicros(99));
            r.put("read_p99_9_us", reads.percentileMicros(99.9));
            r.put("read_max_us", Percentiles.round(reads.histogram().getMaxValue() / 1000.0));
            r.put("read_errors", reads.errors());
            String[] names = {"", "misses", "lease_wins", "lease_waits", "stale_serves", "sets_refused",
                    "sql_statements", "hits"};
            Map<String, Object> cache = new LinkedHashMap<>();
            for (int i = 1; i < names.length; i++) {
                cache.put(names[i], Math.round(after[i] - before[i]));
            }
            r.put("during_measurement", cache);
            Map<String, Object> w = writeResult[0].summary();
            w.remove("mode");
            r.put("writes", w);
            ctx.log().printf("  leases %s: %,d invalidations, %,d database loads = %.2f per invalidation%n",
                    leases ? "on" : "off", invalidated, loads, (double) loads / Math.max(1, invalidated));
            return r;
        }
    }

    private static void snapshot(BenchServer s, double[] into) {
        into[0] = s.counter("scalegram.cache.loads");
        into[1] = s.counter("scalegram.cache.misses");
        into[2] = s.counter("scalegram.cache.lease.wins");
        into[3] = s.counter("scalegram.cache.lease.waits");
        into[4] = s.counter("scalegram.cache.stale.serves");
        into[5] = s.counter("scalegram.cache.sets.refused");
        into[6] = s.counter("scalegram.db.statements");
        into[7] = s.counter("scalegram.cache.hits");
    }

    private static SvgChart chart(Params p, Map<String, Object> lease, Map<String, Object> noLease, Object reduction) {
        List<String> cats = List.of("leases on", "leases off");
        SvgChart.Panel loads = new SvgChart.Panel("Database loads per invalidation", "loads per invalidation", true,
                cats, List.of(new SvgChart.Series("loads / invalidation",
                        List.of(num(lease, "db_loads_per_invalidation"), num(noLease, "db_loads_per_invalidation")))));
        SvgChart.Panel latency = new SvgChart.Panel("Read latency", "latency (µs)", true, cats, List.of(
                new SvgChart.Series("p50", List.of(num(lease, "read_p50_us"), num(noLease, "read_p50_us"))),
                new SvgChart.Series("p99", List.of(num(lease, "read_p99_us"), num(noLease, "read_p99_us")))));
        return new SvgChart("herd: one hot key, " + p.integer("clients") + " readers, "
                + SvgChart.format(p.number("invalidations_per_second")) + " invalidations/s",
                "database loads per invalidation, leases off / on = "
                        + SvgChart.format(((Number) reduction).doubleValue()) + "×", List.of(loads, latency));
    }

    private static double num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }
}
