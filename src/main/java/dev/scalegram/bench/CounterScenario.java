package dev.scalegram.bench;

import dev.scalegram.graph.Graph;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.ScalegramId;
import java.net.URI;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The like count of a post with 1.2M likes, three ways: {@code count(*)} over its likes (the naive way), the
 * denormalized count read through the lease cache in-process (what the talk calls 10s of µs), and the whole
 * user-visible path, {@code GET /api/v1/statuses/:id} over HTTP.
 */
final class CounterScenario implements Scenario {

    private static final String COUNT_STAR = "SELECT count(*) FROM {s}.assocs WHERE id1 = ? AND type = ?";

    @Override
    public String name() {
        return "counter";
    }

    @Override
    public String summary() {
        return "like count of a post with 1.2M likes: count(*) vs the denormalized count through the cache";
    }

    @Override
    public boolean supportsTopology() {
        return true;
    }

    @Override
    public Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("likes", 1_200_000);
        d.put("count_warmup_seconds", 5.0);
        d.put("count_seconds", 30.0);
        d.put("cached_warmup_seconds", 3.0);
        d.put("cached_seconds", 10.0);
        d.put("http_rate", 200.0);
        d.put("http_warmup_seconds", 5.0);
        d.put("http_seconds", 20.0);
        return d;
    }

    @Override
    public Outcome run(BenchContext ctx) throws Exception {
        Params p = ctx.params();
        int likes = p.integer("likes");
        p.note("likers", "valid ids spread over every logical shard, not real accounts (a count does not need them); "
                + "only the LIKED_BY end is written, no LIKES inverses");
        p.note("dataset", "likes - 1 rows by COPY into the status shard's assocs table with its counts row, the last "
                + "like through graph.write; then VACUUM (ANALYZE)");
        p.note("count_star_query", COUNT_STAR.replace("{s}", "shard_NNNN") + " over JDBC (pgjdbc, HikariCP pool)");
        p.note("cached_path", "Graph.assocCount(status, LIKED_BY) in the bench's JVM: ReadThrough over "
                + BenchContext.describeCache(ctx.topology()) + ", System.nanoTime around each call, one client");
        if (ctx.topologyFile() != null) {
            p.note("cleanup", "the topology's databases outlive the run: the likes are deleted afterwards and the "
                    + "count key invalidated by one like and unlike through graph.write");
        }
        p.note("http_path", "GET /api/v1/statuses/:id (favourites_count), no token, over loopback HTTP/1.1");

        try (BenchServer server = ctx.startServer("counter", BenchServer.forBench(ctx.topology()));
             HttpApi api = new HttpApi(server.base())) {
            Graph graph = server.graph();
            Dataset.Post post = Dataset.post(api, ctx.username("bench_counter"), "A post everyone likes");
            long status = post.statusId();
            try {
                return measure(ctx, server, api, graph, status, likes);
            } finally {
                if (ctx.topologyFile() != null) {
                    Dataset.removeLikes(graph, status, ctx.log());
                }
            }
        }
    }

    private Outcome measure(BenchContext ctx, BenchServer server, HttpApi api, Graph graph, long status, int likes)
            throws Exception {
        Params p = ctx.params();
        Map<String, Object> results = new LinkedHashMap<>();
        int shard = ScalegramId.shard(status);
        ctx.log().printf("  status %d on shard %d; seeding %,d likes%n", status, shard, likes);
        results.put("seed", Dataset.likes(graph, status, likes, ctx.log()));

        // The three paths must agree before any of them is timed.
        long star = countStar(graph, status);
        long cached = graph.assocCount(status, Relation.LIKED_BY);
        long api1 = api.getJson("/api/v1/statuses/" + status, null).path("favourites_count").asLong(-1);
        if (star != likes || cached != likes || api1 != likes) {
            throw new IllegalStateException("the like count disagrees: count(*) " + star + ", cached " + cached
                    + ", API " + api1 + ", expected " + likes);
        }
        String plan = plan(graph, status);
        ctx.log().println("  plan: " + plan.replace("\n", " | "));

        ctx.log().println("  (a) count(*) over JDBC");
        LoadGenerator.Result a = LoadGenerator.of("counter/count(*)", p.seconds("count_warmup_seconds"),
                p.seconds("count_seconds")).progressTo(ctx.log()).closedLoop(1, () -> {
                    if (countStar(graph, status) != likes) {
                        throw new IllegalStateException("count(*) changed");
                    }
                });
        ctx.log().println("  " + a.line());

        ctx.log().println("  (b) denormalized count through the cache, in-process");
        LoadGenerator.Result b = LoadGenerator.of("counter/cached", p.seconds("cached_warmup_seconds"),
                p.seconds("cached_seconds")).progressTo(ctx.log()).closedLoop(1, () -> {
                    if (graph.assocCount(status, Relation.LIKED_BY) != likes) {
                        throw new IllegalStateException("cached count changed");
                    }
                });
        ctx.log().println("  " + b.line());

        ctx.log().println("  (c) GET /api/v1/statuses/:id over HTTP");
        URI uri = api.uri("/api/v1/statuses/" + status);
        LoadGenerator.Result c = LoadGenerator.of("counter/http", p.seconds("http_warmup_seconds"),
                p.seconds("http_seconds")).progressTo(ctx.log()).openLoop(p.number("http_rate"), 1000, () -> {
                    int code = api.getStatus(uri);
                    if (code != 200) {
                        throw new IllegalStateException("HTTP " + code);
                    }
                });
        ctx.log().println("  " + c.line());

        Map<String, Object> countStar = a.summary();
        countStar.put("plan", plan);
        results.put("count_star", countStar);
        results.put("cached", b.summary());
        results.put("http", c.summary());
        Map<String, Object> cache = new LinkedHashMap<>();
        for (String k : List.of("hits", "misses", "loads")) {
            cache.put(k, Math.round(server.counter("scalegram.cache." + k)));
        }
        results.put("cache_metrics_whole_run", cache);

        double starP50 = a.percentileMicros(50);
        double cachedP50 = b.percentileMicros(50);
        double httpP50 = c.percentileMicros(50);
        Map<String, Object> ratios = new LinkedHashMap<>();
        ratios.put("speedup", ratio(starP50, cachedP50));
        ratios.put("speedup_p99", ratio(a.percentileMicros(99), b.percentileMicros(99)));
        ratios.put("count_star_vs_http_p50", ratio(starP50, httpP50));
        return new Outcome(results, ratios, chart(likes, a, b, c, ratios.get("speedup")));
    }

    private static double ratio(double a, double b) {
        return b <= 0 ? 0 : Percentiles.round(a / b);
    }

    static long countStar(Graph graph, long status) {
        return graph.shards().read(ScalegramId.shard(status), (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(sql.of(COUNT_STAR))) {
                ps.setLong(1, status);
                ps.setShort(2, (short) Relation.LIKED_BY.code());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** The plan PostgreSQL picks for the count(*), so a reader sees what was scanned. */
    private static String plan(Graph graph, long status) {
        return graph.shards().read(ScalegramId.shard(status), (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(sql.of("EXPLAIN " + COUNT_STAR))) {
                ps.setLong(1, status);
                ps.setShort(2, (short) Relation.LIKED_BY.code());
                List<String> lines = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        lines.add(rs.getString(1).strip().replaceAll("\\s+\\(cost=.*$", ""));
                    }
                }
                return String.join("\n", lines);
            }
        });
    }

    private static SvgChart chart(int likes, LoadGenerator.Result a, LoadGenerator.Result b, LoadGenerator.Result c,
            Object speedup) {
        List<String> cats = List.of("count(*) over JDBC", "cached count\n(in-process)", "GET /statuses/:id\n(HTTP)");
        SvgChart.Panel panel = new SvgChart.Panel("Reading the like count", "latency (µs)", true, cats, List.of(
                new SvgChart.Series("p50", List.of(a.percentileMicros(50), b.percentileMicros(50),
                        c.percentileMicros(50))),
                new SvgChart.Series("p99", List.of(a.percentileMicros(99), b.percentileMicros(99),
                        c.percentileMicros(99)))));
        return new SvgChart("counter: a post with " + SvgChart.format(likes) + " likes",
                "count(*) p50 / cached p50 = " + SvgChart.format(((Number) speedup).doubleValue()) + "×", List.of(panel));
    }
}
