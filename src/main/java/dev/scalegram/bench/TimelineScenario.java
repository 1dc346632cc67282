package dev.scalegram.bench;

import dev.scalegram.graph.Relation;
import dev.scalegram.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.JsonNode;

/**
 * The home timeline at its highest sustainable rate: how many {@code GET /api/v1/timelines/home?limit=20} a second the
 * server answers with p99 within 20 ms, against two references measured the same way over HTTP. The naive way (one SQL
 * join per request, no cache: {@link NaiveTimeline}) is what the fan-out feed and the cache are for; the plaintext
 * endpoint is the most any endpoint of this server could do on this machine.
 */
final class TimelineScenario implements Scenario {

    static final String HOME = "api/v1/timelines/home?limit=20";

    @Override
    public String name() {
        return "timeline";
    }

    @Override
    public String summary() {
        return "home timeline max rate within p99 20 ms: Scalegram vs one SQL join per request vs plaintext";
    }

    @Override
    public boolean supportsTarget() {
        return true;
    }

    @Override
    public boolean supportsTopology() {
        return true;
    }

    @Override
    public Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        SocialDataset.Spec.putDefaults(d);
        d.put("timeline_limit", 20);
        d.put("implementations", "scalegram,naive,plaintext");
        d.put("checked_readers", 20);
        d.put("p99_limit_ms", 20.0);
        d.put("warmup_seconds", 3.0);
        d.put("warmup_clients", 8);
        d.put("start_rate", 0.0);
        d.put("start_fraction", 0.25);
        d.put("growth", 1.5);
        d.put("step_warmup_seconds", 1.0);
        d.put("step_seconds", 4.0);
        d.put("min_achieved", 0.95);
        d.put("bisect", true);
        d.put("max_rate", 100_000.0);
        d.put("max_in_flight", 1000);
        d.put("max_steps_down", 5);
        d.put("retries", 1);
        return d;
    }

    /**
     * One implementation under test: a name for the result, where it is, and what to GET there, as each of the readers
     * holding {@code tokens} (none: anonymously).
     */
    private record Implementation(String key, URI base, String target, List<String> tokens) {

        URI uri() {
            return base.resolve(target.substring(1));
        }

        /** For the checks: java.net.http, which reads the body whole. */
        HttpRequest request(int reader) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri()).timeout(Duration.ofSeconds(30))
                    .header("Accept", "application/json");
            if (!tokens.isEmpty()) {
                b.header("Authorization", "Bearer " + tokens.get(reader));
            }
            return b.GET().build();
        }
    }

    /** A search's outcome and how many connections its client opened. */
    private record Searched(RateSearch.Outcome outcome, long connections) {}

    @Override
    public Outcome run(BenchContext ctx) throws Exception {
        Params p = ctx.params();
        int limit = p.integer("timeline_limit");
        java.util.Set<String> measured = new java.util.LinkedHashSet<>(
                List.of(p.asMap().get("implementations").toString().split("\\s*,\\s*")));
        if (measured.isEmpty() || !List.of("scalegram", "naive", "plaintext").containsAll(measured)) {
            throw new IllegalArgumentException("implementations: a comma-separated subset of scalegram,naive,plaintext, "
                    + "got '" + p.asMap().get("implementations") + "'");
        }
        p.note("readers", "the users with tokens (users 0 .. tokens - 1 as SocialDataset hands them out, the most "
                + "followed ones) whose home timeline holds at least timeline_limit posts; each request reads as one "
                + "of them drawn uniformly at random (uniform, so no reader's token meets a per-token limit first and "
                + "the caches get no help from a few hot readers)");
        p.note("scalegram", "GET " + timelineTarget(limit) + " of the server under test, as the reader (its token "
                + "resolved by the server)");
        p.note("naive", "the same request to NaiveTimeline, a JDK HTTP server on virtual threads inside the bench's "
                + "JVM (kept in the bench code only): one SQL statement per PostgreSQL server per request, no cache. "
                + "It joins the reader's FOLLOWS rows (and the reader) with the followees' POSTED rows over every "
                + "shard schema on the server (UNION ALL, each branch guarded by the shard bits of the ids), keeps "
                + "the newest timeline_limit, and joins only those with their STATUS objects, their authors' ACCOUNT "
                + "objects, the counts and the reader's like and bookmark; prepared once per connection with a "
                + "generic plan (planning the union costs more than running it). The rows are rendered as the same "
                + "Mastodon JSON (the checks compare both answers). Token to account: a map built at seed time, not "
                + "timed");
        p.note("plaintext", "GET /plaintext of the server under test: \"Hello, World!\" as text/plain, the rate no "
                + "endpoint of this server can beat on this machine");
        p.note("rate_search", "open loop (coordinated-omission corrected), first at start_rate (0: start_fraction of "
                + "the rate the warm-up's closed loop reached, so that each implementation starts near its own "
                + "scale), then growth times the last rate; each step runs step_warmup_seconds unmeasured, then "
                + "step_seconds measured. A step fails when its p99 is over p99_limit_ms, a request fails (not 200) "
                + "or it completes under min_achieved of the offered rate; a failed step runs again up to retries "
                + "times and passes if any run does (one pause of another process's on a shared machine can fail a "
                + "single run). The search stops at the first failure, then runs one step at the geometric middle of "
                + "the last pass and that failure; when the first step fails it steps down instead (at most "
                + "max_steps_down times). max_rate is the highest offered rate that passed. Before each search, "
                + "every reader's timeline is read once and warmup_clients run a closed loop for warmup_seconds, "
                + "unmeasured, so that no step times the JIT or a cold cache (a closed loop cannot overload a cold "
                + "server). The schedule parks between starts (no spinning): up to tens of us late, which counts in "
                + "the latency");
        p.note("client", "LeanHttpClient: HTTP/1.1 on blocking sockets, keep-alive, one connection per request in "
                + "flight (at most max_in_flight), the body read and dropped; in a closed loop it took 12-13 us of "
                + "CPU per plaintext request where java.net.http took 33-46 us. Each timed request runs on a pooled "
                + "platform thread (less CPU per request than a virtual thread each, measured). The checks before "
                + "timing use java.net.http");
        p.note("shared_cores", "the load generator, the server under test and PostgreSQL all run on this machine "
                + "and share its cores (the naive server runs inside the bench's JVM, next to the load generator); "
                + "cpu_cores in each step says who used them: the bench's JVM (load generator, and the naive server "
                + "during its search), the server's JVM, and the whole machine (PostgreSQL and anything else running "
                + "is the rest)");

        SocialDataset.Spec spec = SocialDataset.Spec.from(p);
        long t0 = System.nanoTime();
        try (BenchContext.Served<Readers> served = ctx.serve("timeline", ctx.topology(), app -> {
            SocialDataset.Seeded s = SocialDataset.seed(app, spec, ctx.log());
            return Readers.of(s, app.graph().assocCountMany(
                    java.util.Arrays.stream(s.accounts(), 0, s.tokens().length).boxed().toList(), Relation.FOLLOWS),
                    spec.postsPerUser(), limit);
        })) {
            double seedSeconds = (System.nanoTime() - t0) / 1e9;
            Readers readers = served.data();
            ServerUnderTest server = served.server();
            ctx.log().printf("  %d readers with >= %d posts in their home timeline (of %d tokens); server: %s%n",
                    readers.tokens.size(), limit, spec.tokens(), server.describe());
            if (readers.tokens.isEmpty()) {
                throw new IllegalStateException("no reader has " + limit + " posts in their home timeline: "
                        + "raise mean_following or posts_per_user");
            }
            Map<String, Object> results = new LinkedHashMap<>();
            Map<String, Object> dataset = new LinkedHashMap<>(readers.stats);
            dataset.put("readers", readers.tokens.size());
            dataset.put("seed_and_start_seconds", Percentiles.round(seedSeconds));
            results.put("dataset", dataset);

            // With start_rate 0 each search starts from its warm-up instead; 100/s stands in until then.
            double startFraction = p.number("start_rate") > 0 ? 0 : p.number("start_fraction");
            RateSearch.Settings settings = new RateSearch.Settings(
                    p.number("start_rate") > 0 ? p.number("start_rate") : 100, p.number("growth"),
                    p.seconds("step_warmup_seconds"), p.seconds("step_seconds"), p.number("p99_limit_ms") * 1000,
                    p.number("min_achieved"), (Boolean) p.asMap().get("bisect"), p.number("max_rate"),
                    p.integer("max_in_flight"), p.integer("max_steps_down"), p.integer("retries"));
            Duration warmup = p.seconds("warmup_seconds");
            int warmupClients = p.integer("warmup_clients");
            Map<String, java.util.function.LongSupplier> cpu = new LinkedHashMap<>();
            cpu.put("bench_jvm", RateSearch::processCpuNanos);
            if (server.processId() > 0) {
                cpu.put("server_jvm", () -> RateSearch.processCpuNanos(server.processId()));
            }
            cpu.put("machine", RateSearch::machineBusyNanos);
            Plan plan = new Plan(settings, warmup, warmupClients, startFraction, cpu);
            Map<String, Searched> searched = new LinkedHashMap<>();
            Implementation scalegram = new Implementation("scalegram", server.base(), timelineTarget(limit),
                    readers.tokens);
            try (NaiveTimeline naive = NaiveTimeline.start(server.storage(), readers.accountOfToken)) {
                Implementation naiveImpl = new Implementation("naive", naive.base(), timelineTarget(limit),
                        readers.tokens);
                // Both must answer, and answer the same, before either is timed.
                results.put("checks", check(scalegram, naiveImpl, readers, p.integer("checked_readers"), limit,
                        spec.seed()));
                Map<String, Object> explain = naive.explain(readers.accounts.getFirst(), limit);
                ctx.log().println("  naive statement: " + explain);

                if (measured.contains("scalegram")) {
                    searched.put("scalegram", search(ctx, plan, scalegram));
                }
                if (measured.contains("naive")) {
                    searched.put("naive", search(ctx, plan, naiveImpl));
                }
                results.put("naive_explain_analyze", explain);
            }
            if (measured.contains("plaintext")) {
                searched.put("plaintext", search(ctx, plan,
                        new Implementation("plaintext", server.base(), "/plaintext", List.of())));
            }
            Map<String, RateSearch.Outcome> outcomes = new LinkedHashMap<>();
            for (Map.Entry<String, Searched> e : searched.entrySet()) {
                outcomes.put(e.getKey(), e.getValue().outcome());
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("max_rate", e.getValue().outcome().maxRate());
                m.put("client_connections_opened", e.getValue().connections());
                m.put("steps", e.getValue().outcome().toMap().get("steps"));
                results.put(e.getKey(), m);
            }
            double s = maxRate(outcomes, "scalegram");
            double n = maxRate(outcomes, "naive");
            double t = maxRate(outcomes, "plaintext");
            Map<String, Object> ratios = new LinkedHashMap<>();
            // No ratio when the reference never met the limit: it is not a number, and 0 would read as one.
            ratios.put("vs_naive", n <= 0 || s < 0 ? null : Percentiles.round(s / n));
            ratios.put("vs_plaintext", t <= 0 || s < 0 ? null : Percentiles.round(s / t));
            ctx.log().printf("  max rate within p99 %s ms: scalegram %s, naive %s, plaintext %s%n",
                    SvgChart.format(p.number("p99_limit_ms")), rate(s), rate(n), rate(t));
            return new Outcome(results, ratios, chart(p, outcomes, ratios));
        }
    }

    /**
     * The readers of a seeded network: the users with tokens whose home timeline holds at least {@code limit} posts.
     * Every account has {@code postsPerUser} posts and a home feed holds the posts of the accounts it follows and
     * its own, so that is {@code (following + 1) x postsPerUser} (checked over HTTP before timing).
     */
    private record Readers(List<String> tokens, List<Long> accounts, Map<String, Long> accountOfToken,
                           Map<String, Object> stats) {
        static Readers of(SocialDataset.Seeded s, Map<Long, Long> following, int postsPerUser, int limit) {
            List<String> tokens = new ArrayList<>();
            List<Long> accounts = new ArrayList<>();
            Map<String, Long> byToken = new HashMap<>();
            for (int i = 0; i < s.tokens().length; i++) {
                long account = s.accounts()[i];
                if ((following.getOrDefault(account, 0L) + 1) * postsPerUser >= limit) {
                    tokens.add(s.tokens()[i]);
                    accounts.add(account);
                    byToken.put(s.tokens()[i], account);
                }
            }
            return new Readers(tokens, accounts, byToken, s.stats());
        }
    }

    private static String timelineTarget(int limit) {
        return "/" + HOME.replace("limit=20", "limit=" + limit);
    }

    /**
     * Reads some readers' timelines from both implementations: each must hold {@code limit} posts, and both must
     * list the same posts in the same order with the same like counts.
     */
    private static Map<String, Object> check(Implementation scalegram, Implementation naive, Readers readers,
            int howMany, int limit, long seed) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build()) {
            return check(http, scalegram, naive, readers, howMany, limit, seed);
        }
    }

    private static Map<String, Object> check(HttpClient http, Implementation scalegram, Implementation naive,
            Readers readers, int howMany, int limit, long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        int n = Math.min(howMany, readers.tokens.size());
        long shortest = Long.MAX_VALUE;
        int bytesScalegram = 0;
        int bytesNaive = 0;
        for (int k = 0; k < n; k++) {
            int i = k == 0 ? 0 : random.nextInt(readers.tokens.size());
            String a = body(http, scalegram.request(i));
            String b = body(http, naive.request(i));
            JsonNode sa = Json.tree(a);
            JsonNode sb = Json.tree(b);
            if (sa.size() < limit) {
                throw new IllegalStateException("reader " + readers.accounts.get(i) + "'s home timeline has "
                        + sa.size() + " posts, fewer than " + limit);
            }
            shortest = Math.min(shortest, sa.size());
            List<String> ia = new ArrayList<>();
            List<String> ib = new ArrayList<>();
            sa.forEach(x -> ia.add(x.path("id").asString() + ":" + x.path("favourites_count").asLong() + ":"
                    + x.path("account").path("followers_count").asLong()));
            sb.forEach(x -> ib.add(x.path("id").asString() + ":" + x.path("favourites_count").asLong() + ":"
                    + x.path("account").path("followers_count").asLong()));
            if (!ia.equals(ib)) {
                throw new IllegalStateException("the naive timeline differs from Scalegram's for reader "
                        + readers.accounts.get(i) + ":\n  scalegram " + ia + "\n  naive     " + ib);
            }
            bytesScalegram += a.getBytes(StandardCharsets.UTF_8).length;
            bytesNaive += b.getBytes(StandardCharsets.UTF_8).length;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("readers_checked", n);
        m.put("posts_per_timeline_at_least", shortest);
        m.put("naive_equals_scalegram", "same posts, order, like counts and author follower counts for every "
                + "reader checked");
        m.put("mean_response_bytes_scalegram", bytesScalegram / Math.max(1, n));
        m.put("mean_response_bytes_naive", bytesNaive / Math.max(1, n));
        return m;
    }

    private static String body(HttpClient http, HttpRequest r) throws Exception {
        HttpResponse<String> res = http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (res.statusCode() != 200) {
            throw new IllegalStateException(r.uri() + " answered " + res.statusCode() + ": " + res.body());
        }
        return res.body();
    }

    /** How each implementation is warmed up and searched. */
    private record Plan(RateSearch.Settings settings, Duration warmup, int warmupClients, double startFraction,
                        Map<String, java.util.function.LongSupplier> cpu) {}

    private static Searched search(BenchContext ctx, Plan plan, Implementation impl) throws Exception {
        RateSearch.Settings s = plan.settings();
        Duration warmup = plan.warmup();
        int warmupClients = plan.warmupClients();
        double startFraction = plan.startFraction();
        Map<String, java.util.function.LongSupplier> cpu = plan.cpu();
        ctx.log().printf("  --- %s: GET %s ---%n", impl.key(), impl.target());
        try (LeanHttpClient http = new LeanHttpClient(impl.base())) {
            String target = impl.uri().getRawPath() + (impl.uri().getRawQuery() == null ? ""
                    : "?" + impl.uri().getRawQuery());
            List<LeanHttpClient.Request> requests = new ArrayList<>();
            if (impl.tokens().isEmpty()) {
                requests.add(http.get(target, Map.of()));
            }
            for (String token : impl.tokens()) {
                requests.add(http.get(target, Map.of("Accept", "application/json",
                        "Authorization", "Bearer " + token)));
            }
            LoadGenerator.Operation op = () -> {
                LeanHttpClient.Request r = requests.size() == 1 ? requests.getFirst()
                        : requests.get(ThreadLocalRandom.current().nextInt(requests.size()));
                int code = http.send(r);
                if (code != 200) {
                    throw new IllegalStateException("HTTP " + code);
                }
            };
            if (requests.size() > 1) {
                // Every reader once, so that no step times a cold cache entry or a cold page of some reader's.
                long t0 = System.nanoTime();
                java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic
                        .AtomicReference<>();
                List<Thread> readers = new ArrayList<>();
                for (int c = 0; c < warmupClients; c++) {
                    readers.add(Thread.ofVirtual().start(() -> {
                        for (int i = next.getAndIncrement(); i < requests.size(); i = next.getAndIncrement()) {
                            try {
                                int code = http.send(requests.get(i));
                                if (code != 200) {
                                    throw new IllegalStateException("HTTP " + code);
                                }
                            } catch (Exception e) {
                                failed.compareAndSet(null, e);
                            }
                        }
                    }));
                }
                for (Thread t : readers) {
                    t.join();
                }
                if (failed.get() != null) {
                    throw new IllegalStateException(impl.key() + ": reading every reader's timeline once failed",
                            failed.get());
                }
                ctx.log().printf("    every reader's timeline read once: %d requests in %.1f s%n", requests.size(),
                        (System.nanoTime() - t0) / 1e9);
            }
            double warmRate = 0;
            if (!warmup.isZero()) {
                LoadGenerator.Result w = LoadGenerator.of("timeline/" + impl.key() + "/warm-up", Duration.ZERO, warmup)
                        .closedLoop(warmupClients, op);
                warmRate = w.achievedRate();
                ctx.log().printf("    warm-up, %d clients for %s s: %,.0f/s  p50 %s  p99 %s  errors %d%n",
                        warmupClients, SvgChart.format(warmup.toMillis() / 1000.0), warmRate,
                        Percentiles.human(w.histogram(), 50), Percentiles.human(w.histogram(), 99), w.errors());
            }
            if (startFraction > 0 && warmRate > 0) {
                s = s.withStartRate(RateSearch.round(Math.max(1, warmRate * startFraction)));
            }
            ctx.log().printf("    rate search from %s/s%n", SvgChart.format(s.startRate()));
            RateSearch.Outcome o;
            // Platform threads, reused: a blocking read on one is a plain system call, where a virtual thread goes
            // through the poller and a carrier hand-off (measured: 63-73 against 100-125 us of bench CPU per
            // plaintext request at 8,000/s).
            try (java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool(
                    Thread.ofPlatform().daemon().name("timeline-" + impl.key() + "-", 0).factory())) {
                o = RateSearch.search(s, RateSearch.openLoop(s, "timeline/" + impl.key(), op,
                        g -> g.with(RateSearch.PARKING, pool), RateSearch.PARKING, cpu, null), ctx.log());
                pool.shutdownNow();
            }
            ctx.log().printf("  %s: max rate %s/s (%d connections opened)%n", impl.key(), SvgChart.format(o.maxRate()),
                    http.connectionsOpened());
            return new Searched(o, http.connectionsOpened());
        }
    }

    private static String ratio(Object r) {
        return r == null ? "n/a (never within the limit)" : SvgChart.format(((Number) r).doubleValue()) + "×";
    }

    private static String rate(double r) {
        return r < 0 ? "not measured" : SvgChart.format(r) + "/s";
    }

    /** The max rate found, or -1 for an implementation not measured in this run. */
    private static double maxRate(Map<String, RateSearch.Outcome> outcomes, String name) {
        RateSearch.Outcome o = outcomes.get(name);
        return o == null ? -1 : o.maxRate();
    }

    private static SvgChart chart(Params p, Map<String, RateSearch.Outcome> outcomes, Map<String, Object> ratios) {
        List<SvgChart.Line> lines = new ArrayList<>();
        for (Map.Entry<String, RateSearch.Outcome> e : outcomes.entrySet()) {
            // In the order they ran is the order of the search; by rate is the order of the x axis.
            List<SvgChart.Point> pts = e.getValue().steps().stream()
                    .sorted(java.util.Comparator.comparingDouble(RateSearch.Step::offered))
                    .map(st -> new SvgChart.Point(st.offered(), st.p99Micros() / 1000)).toList();
            lines.add(new SvgChart.Line(e.getKey(), pts));
        }
        double limitMs = p.number("p99_limit_ms");
        SvgChart.LinePanel curve = new SvgChart.LinePanel("p99 latency by offered rate", "offered rate (requests/s)",
                "p99 latency (ms)", true, true, lines,
                List.of(new SvgChart.Threshold("p99 limit " + SvgChart.format(limitMs) + " ms", limitMs)));
        List<String> names = new ArrayList<>(outcomes.keySet());
        SvgChart.Panel max = new SvgChart.Panel("Highest rate within the limit", "requests/s", true, names,
                List.of(new SvgChart.Series("max rate", names.stream().map(k -> outcomes.get(k).maxRate()).toList())));
        return new SvgChart("timeline: GET /api/v1/timelines/home?limit=" + p.integer("timeline_limit"),
                "max rate with p99 ≤ " + SvgChart.format(limitMs) + " ms: Scalegram / naive = "
                        + ratio(ratios.get("vs_naive")) + ", Scalegram / plaintext = "
                        + ratio(ratios.get("vs_plaintext")),
                List.of(curve, max));
    }
}
