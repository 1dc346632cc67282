package dev.scalegram.bench;

import dev.scalegram.graph.Assoc;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.Page;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.HdrHistogram.Histogram;

/**
 * A social network's everyday traffic over HTTP: home timelines, profiles and posts in DeathStarBench's social-network
 * proportions, plus likes and comments for LinkBench's share of writes (30%), on a bulk-seeded network where who is
 * followed, viewed and liked is Zipf-distributed. An open loop at a fixed rate gives each operation's percentiles and
 * the mix's throughput; a short rate search then finds the highest rate whose p99 stays within a bound.
 */
final class MixScenario implements Scenario {

    /** The operations, in the order they are reported; each has a {@code weight_NAME} parameter. */
    private static final List<String> OPS = List.of("home_timeline", "profile", "post", "like", "comment");

    @Override
    public String name() {
        return "mix";
    }

    @Override
    public String summary() {
        return "home timeline, profile and post in DeathStarBench's 60/30/10, plus likes and comments, on a Zipf "
                + "network: throughput and percentiles";
    }

    @Override
    public Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        SocialDataset.Spec.putDefaults(d);
        d.put("weight_home_timeline", 47);
        d.put("weight_profile", 23);
        d.put("weight_post", 8);
        d.put("weight_like", 15);
        d.put("weight_comment", 7);
        d.put("prewarm_clients", 4);
        d.put("prewarm_seconds", 20.0);
        d.put("rate", 200.0);
        d.put("warmup_seconds", 10.0);
        d.put("seconds", 60.0);
        d.put("max_in_flight", 1000);
        d.put("search_max_rate", 1600.0);
        d.put("search_warmup_seconds", 3.0);
        d.put("search_seconds", 10.0);
        d.put("slo_p99_ms", 100.0);
        d.put("settle_seconds", 60.0);
        return d;
    }

    @Override
    public boolean supportsTarget() {
        return true;
    }

    @Override
    public boolean supportsTopology() {
        return true;
    }

    /** The seeded network, and each user's posts (oldest first), which the dataset ranks by their author. */
    private record Network(SocialDataset.Seeded seeded, long[][] postsByUser) {}

    @Override
    public Outcome run(BenchContext ctx) throws Exception {
        Params p = ctx.params();
        int sum = 0;
        for (String op : OPS) {
            if (p.integer("weight_" + op) < 0) {
                throw new IllegalArgumentException("parameter 'weight_" + op + "' must be >= 0");
            }
            sum += p.integer("weight_" + op);
        }
        if (sum != 100) {
            throw new IllegalArgumentException("the weight_* parameters must add up to 100, not " + sum);
        }
        if (p.integer("posts_per_user") < 1 || p.integer("tokens") < 1) {
            throw new IllegalArgumentException("posts_per_user and tokens must be >= 1: likes and comments need posts, "
                    + "every request needs a user");
        }
        p.note("weights", "47/23/8 keep DeathStarBench's social-network mix (60% home timeline, 30% user timeline, 10% "
                + "compose post) in proportion; likes (15) and comments (7) bring writes to 30% of requests, "
                + "LinkBench's share (its Facebook-derived default mix has about 31% writes, most of them edge "
                + "writes: likes here are edge adds, comments an object and an edge)");
        p.note("operations", "home_timeline: GET /api/v1/timelines/home?limit=20. profile: GET /api/v1/accounts/:id "
                + "then GET /api/v1/accounts/:id/statuses?limit=20, timed together, the account drawn Zipf over "
                + "popularity rank. post: POST /api/v1/statuses. like: POST /api/v1/statuses/:id/favourite. comment: "
                + "POST /api/v1/statuses with in_reply_to_id. Likes and comments go to a seeded post drawn Zipf over "
                + "the dataset's post rank (a popular user's posts are the popular ones, as for the seeded likes)");
        p.note("acting_user", "drawn uniformly from the users with tokens (users 0 .. tokens - 1, which SocialDataset "
                + "makes the most followed); every request is authenticated as that user");
        p.note("schedule", "each operation has an open-loop schedule of its own at rate x weight / 100, all running "
                + "at once, so each operation's latency is coordinated-omission corrected by itself; a request that "
                + "does not answer 200 is an error");
        p.note("prewarm", "before anything is measured, prewarm_clients run the same mix in a closed loop (each "
                + "request's operation drawn by weight) for prewarm_seconds: a fresh server's caches are empty and "
                + "its code cold, and an open loop at full rate on it queues up past the database pool's 10 s "
                + "timeout (503s) before it ever reaches a steady state");
        p.note("rate_search", "after the fixed-rate run: RateSearch from 2 x rate, doubling up to search_max_rate, "
                + "then one step between the last pass and the first failure; a step fails on p99 over slo_p99_ms, "
                + "on any error, or when under 95% of its offered requests complete. 0 for search_max_rate skips it. "
                + "Before each step the search waits (up to settle_seconds) until the server's outbox backlog is 0 and "
                + "no request runs, so a step does not inherit the fan-out tasks an overloaded step left queued");

        int perUser = p.integer("posts_per_user");
        SocialDataset.Spec spec = SocialDataset.Spec.from(p);
        long t0 = System.nanoTime();
        try (BenchContext.Served<Network> served = ctx.serve("mix", BenchServer.forBench(ctx.topology()), app -> {
                 SocialDataset.Seeded s = SocialDataset.seed(app, spec, ctx.log());
                 // Seeded lists posts by id; which is whose is in the graph, read here while the storage is at hand.
                 long[][] byUser = new long[s.accounts().length][];
                 for (int u = 0; u < byUser.length; u++) {
                     byUser[u] = app.graph().assocRange(s.accounts()[u], Relation.POSTED, Page.newest(perUser))
                             .stream().mapToLong(Assoc::id2).sorted().toArray();
                 }
                 return new Network(s, byUser);
             });
             HttpApi api = new HttpApi(served.server().base())) {
            double seedSeconds = (System.nanoTime() - t0) / 1e9;
            Network net = served.data();
            ctx.log().printf("  seeded and serving in %.1f s: %s%n", seedSeconds, served.server().describe());
            Traffic traffic = new Traffic(api, net, perUser, p.number("zipf_exponent"));

            ctx.log().printf("  prewarm: %d clients, closed loop, %s s%n", p.integer("prewarm_clients"),
                    SvgChart.format(p.number("prewarm_seconds")));
            LoadGenerator.Result prewarm = p.number("prewarm_seconds") <= 0 ? null
                    : LoadGenerator.of("mix/prewarm", Duration.ZERO, p.seconds("prewarm_seconds")).progressTo(ctx.log())
                            .closedLoop(p.integer("prewarm_clients"), traffic.anyOp(p));
            if (prewarm != null) {
                ctx.log().println("  " + prewarm.line());
            }

            ctx.log().printf("  fixed rate: %s req/s%n", SvgChart.format(p.number("rate")));
            Run fixed = traffic.run(ctx, p.number("rate"), p.seconds("warmup_seconds"), p.seconds("seconds"), true);

            RateSearch.Outcome search = null;
            double maxRate = p.number("search_max_rate");
            if (maxRate > 0) {
                RateSearch.Settings s = new RateSearch.Settings(2 * p.number("rate"), 2,
                        p.seconds("search_warmup_seconds"), p.seconds("search_seconds"), p.number("slo_p99_ms") * 1000,
                        0.95, true, Math.max(maxRate, 2 * p.number("rate")), p.integer("max_in_flight"), 2);
                ctx.log().printf("  rate search from %s req/s%n", SvgChart.format(s.startRate()));
                ServerUnderTest server = served.server();
                double settleFor = p.number("settle_seconds");
                search = RateSearch.search(s, (phase, rate) -> {
                    settle(server, settleFor, ctx.log());
                    return traffic.run(ctx, rate, s.warmup(), s.measure(), false).step(phase, s);
                }, ctx.log());
            }

            Map<String, Object> results = new LinkedHashMap<>();
            Map<String, Object> seed = new LinkedHashMap<>(net.seeded().stats());
            seed.put("seed_and_start_seconds", Percentiles.round(seedSeconds));
            results.put("dataset", seed);
            if (prewarm != null) {
                Map<String, Object> w = prewarm.summary();
                w.put("note", "closed loop with a cold server at the start: how fast it warmed, not a measurement");
                results.put("prewarm", w);
            }
            results.put("fixed_rate", fixed.summary());
            if (search != null) {
                results.put("rate_search", search.toMap());
            }
            long rss = served.server().peakRssBytes();
            results.put("server_peak_rss_mb", rss < 0 ? "unknown (the server did not report its peak RSS)"
                    : (Object) BenchRunner.mib(rss));
            p.note("server_peak_rss", "VmHWM of the server process in MiB, from ServerUnderTest.peakRssBytes() after "
                    + "the last run; the server's JVM only, not PostgreSQL");

            Map<String, Object> ratios = new LinkedHashMap<>();
            ratios.put("throughput_per_s", Percentiles.round(fixed.achieved()));
            ratios.put("p99_ms_at_rate", Percentiles.round(fixed.all().getValueAtPercentile(99) / 1e6));
            if (search != null) {
                ratios.put("max_rate_within_slo", search.maxRate());
            }
            ratios.put("home_timeline_p99_vs_p50", fixed.spread("home_timeline"));
            return new Outcome(results, ratios, chart(p, fixed, search));
        }
    }

    /**
     * Waits until the server has delivered every outbox task and runs no request (its {@code /metrics}), checked
     * twice in a row since the backlog gauge is refreshed by the relay's scans; gives up after {@code maxSeconds}.
     */
    private static void settle(ServerUnderTest server, double maxSeconds, java.io.PrintStream log)
            throws InterruptedException {
        long start = System.nanoTime();
        long giveUp = start + (long) (maxSeconds * 1e9);
        int quiet = 0;
        double backlog = -1;
        double running = -1;
        while (quiet < 2) {
            String metrics = server.metrics(); // one scrape for both gauges
            backlog = ChildServer.gauge(metrics, "scalegram_outbox_backlog").orElse(0);
            running = ChildServer.gauge(metrics, "scalegram_http_admission_running").orElse(0);
            quiet = backlog == 0 && running == 0 ? quiet + 1 : 0;
            if (quiet < 2) {
                if (System.nanoTime() > giveUp) {
                    log.printf("  settle: still %.0f outbox tasks and %.0f requests after %.0f s; going on%n", backlog,
                            running, maxSeconds);
                    return;
                }
                Thread.sleep(500);
            }
        }
        double waited = (System.nanoTime() - start) / 1e9;
        if (waited >= 1.5) {
            log.printf("  settle: waited %.1f s for the outbox and running requests to drain%n", waited);
        }
    }

    /** What one run at one rate gave: a result per operation and all of them merged. */
    private record Run(double rate, Map<String, LoadGenerator.Result> byOp, Histogram all, double achieved,
                       long errors, String firstError, Map<String, Map<String, Long>> codes) {

        /** The result of one operation, or null when its weight is 0. */
        LoadGenerator.Result op(String name) {
            return byOp.get(name);
        }

        double spread(String op) {
            LoadGenerator.Result r = byOp.get(op);
            double p50 = r == null ? 0 : r.percentileMicros(50);
            return p50 <= 0 ? 0 : Percentiles.round(r.percentileMicros(99) / p50);
        }

        RateSearch.Step step(String phase, RateSearch.Settings s) {
            double p99 = Percentiles.micros(all, 99);
            String why = RateSearch.failure(s, rate, achieved, all.getTotalCount(), errors, p99);
            return new RateSearch.Step(phase, rate, achieved, all.getTotalCount(), errors, firstError,
                    Percentiles.micros(all, 50), Percentiles.micros(all, 90), p99, Percentiles.micros(all, 99.9),
                    Percentiles.round(all.getTotalCount() == 0 ? 0 : all.getMaxValue() / 1000.0), -1, why == null,
                    why == null ? "pass" : why);
        }

        Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scheduled_per_s", rate);
            m.put("achieved_per_s", Percentiles.round(achieved));
            m.put("requests", all.getTotalCount());
            m.put("errors", errors);
            Map<String, Object> overall = Percentiles.summaryMicros(all);
            overall.remove("count");
            m.put("all", overall);
            for (Map.Entry<String, LoadGenerator.Result> e : byOp.entrySet()) {
                Map<String, Object> s = e.getValue().summary();
                Map<String, Long> c = codes.get(e.getKey());
                if (!c.isEmpty()) {
                    s.put("not_200_whole_run", c); // warm-up included: any of these means something is wrong
                }
                m.put(e.getKey(), s);
            }
            return m;
        }
    }

    /** The five operations against one seeded network, with the random draws each request makes. */
    private static final class Traffic {
        // One generator shared by all request threads: Zipf keeps no state of its own between draws.
        private static final RandomGenerator SHARED = () -> ThreadLocalRandom.current().nextLong();

        private final HttpApi api;
        private final Network net;
        private final int perUser;
        private final Zipf accountRank;
        private final Zipf postRank;
        private final AtomicLong written = new AtomicLong();
        private final URI home;
        private final URI statuses;

        Traffic(HttpApi api, Network net, int perUser, double exponent) {
            this.api = api;
            this.net = net;
            this.perUser = perUser;
            this.accountRank = new Zipf(net.seeded().accounts().length, exponent, SHARED);
            this.postRank = new Zipf(net.seeded().accounts().length * perUser, exponent, SHARED);
            this.home = api.uri("/api/v1/timelines/home?limit=20");
            this.statuses = api.uri("/api/v1/statuses");
        }

        private String actor() {
            String[] t = net.seeded().tokens();
            return t[ThreadLocalRandom.current().nextInt(t.length)];
        }

        /** Post rank r is post r % perUser of user r / perUser, as SocialDataset ranks them for its likes. */
        private long popularPost() {
            int r = postRank.next();
            long[] posts = net.postsByUser()[r / perUser];
            return posts[Math.min(r % perUser, posts.length - 1)];
        }

        /** One request of any operation, drawn by weight: for the closed-loop prewarm. */
        LoadGenerator.Operation anyOp(Params p) {
            Map<String, Long> ignored = new ConcurrentHashMap<>();
            List<LoadGenerator.Operation> ops = new ArrayList<>();
            int[] upTo = new int[OPS.size()];
            int sum = 0;
            for (String name : OPS) {
                sum += p.integer("weight_" + name);
                upTo[ops.size()] = sum;
                ops.add(op(name, ignored));
            }
            return () -> {
                int r = ThreadLocalRandom.current().nextInt(100);
                int i = 0;
                while (r >= upTo[i]) {
                    i++;
                }
                ops.get(i).call();
            };
        }

        LoadGenerator.Operation op(String name, Map<String, Long> codes) {
            return switch (name) {
                case "home_timeline" -> () -> check(codes, api.getStatus(home, actor()));
                case "profile" -> () -> {
                    String token = actor();
                    long account = net.seeded().accounts()[accountRank.next()];
                    check(codes, api.getStatus(api.uri("/api/v1/accounts/" + account), token));
                    check(codes, api.getStatus(api.uri("/api/v1/accounts/" + account + "/statuses?limit=20"), token));
                };
                case "post" -> () -> check(codes, api.postFormStatus(statuses, actor(), "status",
                        "Mix post " + written.incrementAndGet() + ": evening light over the harbour"));
                case "like" -> () -> check(codes, api.postFormStatus(
                        api.uri("/api/v1/statuses/" + popularPost() + "/favourite"), actor()));
                case "comment" -> () -> check(codes, api.postFormStatus(statuses, actor(), "status",
                        "Mix comment " + written.incrementAndGet() + ": lovely light!", "in_reply_to_id",
                        Long.toString(popularPost())));
                default -> throw new IllegalArgumentException(name);
            };
        }

        private static void check(Map<String, Long> codes, int code) {
            if (code != 200) {
                codes.merge(Integer.toString(code), 1L, Long::sum);
                throw new IllegalStateException("HTTP " + code);
            }
        }

        /** Every operation on an open-loop schedule of its own, all at once, for warm-up plus duration. */
        Run run(BenchContext ctx, double rate, Duration warmup, Duration duration, boolean progress) throws Exception {
            Params p = ctx.params();
            Map<String, LoadGenerator.Result> byOp = new ConcurrentHashMap<>();
            Map<String, Map<String, Long>> codes = new LinkedHashMap<>();
            List<Thread> threads = new ArrayList<>();
            List<Exception> failed = new CopyOnWriteArrayList<>();
            long start = System.nanoTime();
            for (String name : OPS) {
                int w = p.integer("weight_" + name);
                Map<String, Long> c = new ConcurrentHashMap<>();
                codes.put(name, c);
                if (w == 0) {
                    continue;
                }
                LoadGenerator g = LoadGenerator.of("mix/" + name, warmup, duration);
                if (progress && name.equals(OPS.getFirst())) {
                    g.progressTo(ctx.log()); // one line a second is plenty; every operation prints its total at the end
                }
                LoadGenerator.Operation op = op(name, c);
                // Platform threads: each schedule keeps time whatever the requests' virtual threads are doing.
                threads.add(Thread.ofPlatform().name("mix-" + name).start(() -> {
                    try {
                        byOp.put(name, g.openLoop(rate * w / 100.0, p.integer("max_in_flight"), op));
                    } catch (Exception e) {
                        failed.add(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            if (!failed.isEmpty()) {
                throw failed.getFirst();
            }
            long done = System.nanoTime();
            Histogram all = new Histogram(3_600_000_000_000L, 3);
            Map<String, LoadGenerator.Result> ordered = new LinkedHashMap<>();
            long errors = 0;
            String firstError = null;
            for (String name : OPS) {
                LoadGenerator.Result r = byOp.get(name);
                if (r != null) {
                    ordered.put(name, r);
                    all.add(r.histogram());
                    errors += r.errors();
                    firstError = firstError != null ? firstError : r.firstError();
                    ctx.log().println("  " + r.line());
                }
            }
            // As RateSearch counts it: completed requests over the time from the start of the measured period until
            // the last of them answered, so a server that fell behind its schedule shows it.
            double seconds = Math.max(duration.toNanos(), done - start - warmup.toNanos()) / 1e9;
            double achieved = all.getTotalCount() / seconds;
            ctx.log().printf(Locale.ROOT, "  all: %,d requests, %,.1f/s of %s scheduled, errors %d, p50 %s  p99 %s  "
                    + "p99.9 %s%n", all.getTotalCount(), achieved, SvgChart.format(rate), errors,
                    Percentiles.human(all, 50), Percentiles.human(all, 99), Percentiles.human(all, 99.9));
            return new Run(rate, ordered, all, achieved, errors, firstError, codes);
        }
    }

    private static SvgChart chart(Params p, Run fixed, RateSearch.Outcome search) {
        // Reads and writes in panels of their own: six groups of bars in one panel leave no room for their labels.
        List<SvgChart.Panel> panels = new ArrayList<>();
        panels.add(latencyPanel(p, fixed, "Reads at " + SvgChart.format(fixed.rate()) + " req/s",
                List.of("home_timeline", "profile", "all")));
        if (fixed.op("post") != null || fixed.op("like") != null || fixed.op("comment") != null) {
            panels.add(latencyPanel(p, fixed, "Writes at " + SvgChart.format(fixed.rate()) + " req/s",
                    List.of("post", "like", "comment")));
        }
        String sub = String.format(Locale.ROOT, "%s req/s achieved of %s scheduled, %d errors",
                SvgChart.format(fixed.achieved()), SvgChart.format(fixed.rate()), fixed.errors());
        if (search != null) {
            List<String> rates = new ArrayList<>();
            List<Double> p50 = new ArrayList<>();
            List<Double> p99 = new ArrayList<>();
            for (RateSearch.Step s : search.steps().stream()
                    .sorted(java.util.Comparator.comparingDouble(RateSearch.Step::offered)).toList()) {
                rates.add(SvgChart.format(s.offered()) + "/s\n" + (s.passed() ? "pass" : "fail"));
                p50.add(s.p50Micros() / 1000);
                p99.add(s.p99Micros() / 1000);
            }
            panels.add(new SvgChart.Panel("Rate search: all operations by offered rate", "latency (ms)", true, rates,
                    List.of(new SvgChart.Series("p50", p50), new SvgChart.Series("p99", p99))));
            sub += String.format(Locale.ROOT, "; highest rate with p99 <= %s ms: %s",
                    SvgChart.format(p.number("slo_p99_ms")),
                    search.maxRate() > 0 ? SvgChart.format(search.maxRate()) + " req/s" : "none");
        }
        return new SvgChart("mix: home timeline, profile, post, like, comment", sub, panels);
    }

    private static SvgChart.Panel latencyPanel(Params p, Run run, String title, List<String> ops) {
        double[] pcts = {50, 99, 99.9};
        List<String> names = List.of("p50", "p99", "p99.9");
        List<String> cats = new ArrayList<>();
        List<List<Double>> values = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (String op : ops) {
            LoadGenerator.Result r = run.op(op);
            if (op.equals("all")) {
                cats.add("all\n(every operation)");
            } else if (r == null) {
                continue; // weight 0
            } else {
                cats.add(op.replace('_', ' ') + "\n" + p.integer("weight_" + op) + "%");
            }
            for (int i = 0; i < pcts.length; i++) {
                values.get(i).add((r == null ? Percentiles.micros(run.all(), pcts[i]) : r.percentileMicros(pcts[i]))
                        / 1000);
            }
        }
        List<SvgChart.Series> series = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            series.add(new SvgChart.Series(names.get(i), values.get(i)));
        }
        return new SvgChart.Panel(title, "latency (ms)", true, cats, series);
    }
}
