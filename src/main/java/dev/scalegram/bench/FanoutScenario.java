package dev.scalegram.bench;

import dev.scalegram.config.Topology;
import dev.scalegram.ids.ScalegramId;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;

/**
 * Fan-out on write against read-time pull. Accounts with 100, 10,000 and 1,000,000 followers post, first on a server
 * that pushes every post into every follower's feed (push-only), then on one that leaves accounts past the fan-out
 * threshold to their followers to pull at read time (hybrid). Everything is measured from outside, over HTTP: the
 * POST's latency, how long until the post is at the top of the home timeline of the followers fan-out reaches last,
 * and what a follower's home timeline read costs afterwards (pulling makes reads do more work).
 */
final class FanoutScenario implements Scenario {

    /** The goal: a post by an account with a million followers answers within this, and the next read shows it. */
    private static final double GOAL_POST_MS = 50;
    /** The audience of the unmeasured warm-up posts: small, every follower with a token. */
    private static final int WARMUP_FOLLOWERS = 8;

    @Override
    public String name() {
        return "fanout";
    }

    @Override
    public String summary() {
        return "posts by accounts with 100, 10k and 1M followers: post latency and time until every follower's feed "
                + "has it, push-only vs hybrid";
    }

    @Override
    public Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("followers", "100,10000,1000000");
        d.put("hybrid_fanout_threshold", -1);
        d.put("follower_tokens", 64);
        d.put("warmup_posts", 5);
        d.put("posts_per_account", 3);
        d.put("repeat_if_fanout_under_seconds", 30.0);
        d.put("visible_timeout_seconds", 300.0);
        d.put("poll_min_ms", 2.0);
        d.put("read_rate", 100.0);
        d.put("read_warmup_seconds", 0.5);
        d.put("read_seconds", 3.0);
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

    /** One server configuration: its name in the results and the fan-out threshold it runs with. */
    private record Mode(String name, String label, int threshold) {
        boolean pulls(int followers) {
            // FollowWorker marks an account pulled once it has more than the threshold: exactly the threshold stays
            // pushed.
            return followers > threshold;
        }
    }

    @Override
    public Outcome run(BenchContext ctx) throws Exception {
        Params p = ctx.params();
        int[] sizes = sizes(p);
        Topology.FeedConfig feed = ctx.topology().feed();
        int threshold = p.integer("hybrid_fanout_threshold") < 0 ? feed.fanoutThreshold()
                : p.integer("hybrid_fanout_threshold");
        Mode push = new Mode("push_only", "push-only", Integer.MAX_VALUE);
        Mode hybrid = new Mode("hybrid", "hybrid", threshold);
        List<String> pulledSizes = Arrays.stream(sizes).filter(hybrid::pulls).mapToObj(Integer::toString).toList();
        p.note("modes", "push_only: fanout_threshold " + Integer.MAX_VALUE + ", every post pushed into every "
                + "follower's feed; hybrid: fanout_threshold " + threshold + ", an account with more followers than "
                + "that is pulled (FollowWorker: followers > threshold), so here "
                + (pulledSizes.isEmpty() ? "no account" : "the " + String.join(", ", pulledSizes) + " account")
                + " is pulled and the others pushed. Whether a post is pushed is decided by its author's pulled flag, "
                + "which the dataset sets; the threshold itself only matters for follows made later (none are)");
        p.note("dataset", "per mode, one server seeded with SocialDataset.accountWithFollowers for each size: an "
                + "account and that many new accounts that follow it and nobody else, both edge ends and counts in "
                + "bulk; marked pulled (every follower holding a PULLS edge) exactly when hybrid pulls it");
        p.note("post", "after warmup_posts unmeasured posts by an extra account with " + WARMUP_FOLLOWERS
                + " followers (a fresh server runs cold code), "
                + "POST /api/v1/statuses as each account, posts one at a time; a further post waits until the "
                + "previous one is in every checked feed, and is only made if that took under "
                + "repeat_if_fanout_under_seconds (each push-only post to N followers is another N feed writes)");
        p.note("visible_all_ms", "from sending the POST until the oldest follower's GET "
                + "/api/v1/timelines/home?limit=1 returned it: fan-out walks FOLLOWED_BY newest first, so the oldest "
                + "follower is the last it reaches (its last batch goes shard by shard in the order the shards first "
                + "appear, newest first, so the oldest follower's shard is the last transaction). It is polled every "
                + "poll_min_ms at first, then every 1/50 of the wait so far (at most 2% late). Then each of the other "
                + "follower_tokens oldest followers is read once; any without the post is counted in "
                + "checked_followers_late and polled until it has it, and then sets the time");
        p.note("visible_at_next_read", "whether the oldest follower's first home timeline read, sent as soon as the "
                + "POST answered, already had the post");
        p.note("home_read", "GET /api/v1/timelines/home?limit=20 by the checked followers in turn, open loop at "
                + "read_rate, after the account's posts");

        Map<String, Object> results = new LinkedHashMap<>();
        Map<String, Object> pushR = runMode(ctx, push, sizes);
        results.put(push.name(), pushR);
        Map<String, Object> hybridR = runMode(ctx, hybrid, sizes);
        results.put(hybrid.name(), hybridR);

        int largest = sizes[sizes.length - 1];
        String key = label(largest);
        Map<String, Object> pl = account(pushR, largest);
        Map<String, Object> hl = account(hybridR, largest);
        Map<String, Object> ratios = new LinkedHashMap<>();
        double pushVisible = visibleOrTimeout(pl, p);
        double hybridVisible = visibleOrTimeout(hl, p);
        ratios.put("push_vs_hybrid_visible_" + key, ratio(pushVisible, hybridVisible));
        if (!(Boolean) pl.get("visible_in_all_feeds")) {
            ratios.put("push_vs_hybrid_visible_" + key + "_is_lower_bound", true);
        }
        ratios.put("push_vs_hybrid_post_p50_" + key, ratio(num(pl, "post_ms_p50"), num(hl, "post_ms_p50")));
        ratios.put("hybrid_vs_push_home_read_p50_" + key, ratio(readP50(hl), readP50(pl)));
        boolean met = num(hl, "post_ms_p50") <= GOAL_POST_MS && (Boolean) hl.get("visible_at_next_read");
        ratios.put("goal_" + key + "_post_ms_met", met);
        ratios.put("goal", "hybrid post p50 <= " + (int) GOAL_POST_MS + " ms for the " + SvgChart.format(largest)
                + "-follower account, and visible at the next read");
        return new Outcome(results, ratios, chart(sizes, pushR, hybridR, p, met));
    }

    private static int[] sizes(Params p) {
        String raw = (String) p.asMap().get("followers");
        int[] s;
        try {
            s = Arrays.stream(raw.split(",")).map(String::strip).filter(x -> !x.isEmpty())
                    .mapToInt(x -> Integer.parseInt(x.replace("_", ""))).distinct().sorted().toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parameter 'followers': a comma-separated list of counts, not '" + raw
                    + "'");
        }
        if (s.length == 0 || s[0] < 1) {
            throw new IllegalArgumentException("parameter 'followers': every count must be >= 1: '" + raw + "'");
        }
        return s;
    }

    private Map<String, Object> runMode(BenchContext ctx, Mode mode, int[] sizes) throws Exception {
        Params p = ctx.params();
        ctx.log().printf("  --- %s (fanout_threshold %s) ---%n", mode.label(),
                mode.threshold() == Integer.MAX_VALUE ? "none" : SvgChart.format(mode.threshold()));
        Topology base = BenchServer.forBench(ctx.topology());
        Topology.FeedConfig f = base.feed();
        Topology t = base.withFeed(new Topology.FeedConfig(mode.threshold(), f.cap(), f.fanoutBatch()));
        int tokens = p.integer("follower_tokens");
        // Usernames carry the run's time so that seeding a --target twice does not collide with the last run.
        String tag = Long.toString(System.currentTimeMillis() % 1_679_616, 36);
        long t0 = System.nanoTime();
        try (BenchContext.Served<List<SocialDataset.Audience>> served = ctx.serve("fanout-" + mode.name(), t, app -> {
                 List<SocialDataset.Audience> out = new ArrayList<>();
                 // First a small audience of its own for the warm-up posts, so that the measured accounts'
                 // followers have only the measured posts in their feeds.
                 out.add(SocialDataset.accountWithFollowers(app, "f" + mode.name().charAt(0) + "_warm_" + tag,
                         WARMUP_FOLLOWERS, WARMUP_FOLLOWERS, false, ctx.log()));
                 for (int n : sizes) {
                     String user = "f" + mode.name().charAt(0) + "_" + label(n) + "_" + tag;
                     ctx.log().printf("  seeding %s: %,d followers%s%n", user, n, mode.pulls(n) ? ", pulled" : "");
                     out.add(SocialDataset.accountWithFollowers(app, user, n, Math.min(n, tokens), mode.pulls(n),
                             ctx.log()));
                 }
                 return out;
             });
             HttpApi api = new HttpApi(served.server().base())) {
            double seedSeconds = (System.nanoTime() - t0) / 1e9;
            ctx.log().printf("  seeded and serving in %.1f s: %s%n", seedSeconds, served.server().describe());
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("fanout_threshold", mode.threshold());
            r.put("seed_and_start_seconds", Percentiles.round(seedSeconds));
            // A fresh server's first requests run cold code: warm the post and read paths up first.
            for (int k = 0; k < p.integer("warmup_posts"); k++) {
                postAndWatch(ctx, api, served.data().getFirst(), mode.name() + " warm-up " + (k + 1));
            }
            Map<String, Object> accounts = new LinkedHashMap<>();
            for (int i = 0; i < sizes.length; i++) {
                accounts.put(Integer.toString(sizes[i]),
                        measure(ctx, api, mode, sizes[i], served.data().get(i + 1), t.logicalShards()));
            }
            r.put("accounts", accounts);
            return r;
        }
    }

    /** Posts as one account and watches the post arrive; then times its followers' home timeline reads. */
    private Map<String, Object> measure(BenchContext ctx, HttpApi api, Mode mode, int n, SocialDataset.Audience a,
            int logicalShards) throws Exception {
        Params p = ctx.params();
        String[] tokens = a.followerTokens();
        if (tokens.length == 0 || a.followers().length != n) {
            throw new IllegalStateException("the dataset gave " + a.followers().length + " followers and "
                    + tokens.length + " follower tokens for an account that should have " + n);
        }
        Set<Integer> shards = new HashSet<>();
        for (int i = 0; i < tokens.length; i++) {
            shards.add(ScalegramId.shard(a.followers()[i]));
        }
        String who = mode.name() + " " + label(n);
        List<Double> postMs = new ArrayList<>();
        List<Object> visibleMs = new ArrayList<>();
        int atNextRead = 0;
        long polls = 0;
        boolean allVisible = true;
        int notSeenBy = 0;
        int late = 0;
        for (int k = 0; k < p.integer("posts_per_account"); k++) {
            if (k > 0 && !allVisible) {
                ctx.log().printf("  %s: no further posts (the last is not in every feed yet)%n", who);
                break;
            }
            if (k > 0 && lastVisible(visibleMs) > p.number("repeat_if_fanout_under_seconds") * 1000) {
                ctx.log().printf("  %s: no further posts (the last took %.1f s to reach every feed)%n", who,
                        lastVisible(visibleMs) / 1000);
                break;
            }
            Watch w = postAndWatch(ctx, api, a, who + " post " + (k + 1));
            postMs.add(w.postMs());
            visibleMs.add(w.visibleMs() < 0 ? null : w.visibleMs());
            atNextRead += w.atNextRead() ? 1 : 0;
            polls += w.polls();
            late += w.late();
            if (w.visibleMs() < 0) {
                allVisible = false;
                notSeenBy = w.notSeenBy();
            }
        }

        URI home = api.uri("/api/v1/timelines/home?limit=20");
        AtomicInteger turn = new AtomicInteger();
        LoadGenerator.Result read = LoadGenerator.of("fanout/" + who + "/home", p.seconds("read_warmup_seconds"),
                p.seconds("read_seconds")).openLoop(p.number("read_rate"), 1000, () -> {
                    int code = api.getStatus(home, tokens[Math.floorMod(turn.getAndIncrement(), tokens.length)]);
                    if (code != 200) {
                        throw new IllegalStateException("HTTP " + code);
                    }
                });
        ctx.log().println("  " + read.line());

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("followers", n);
        r.put("pulled", mode.pulls(n));
        r.put("followers_checked", tokens.length);
        r.put("shards_checked", shards.size() + " of " + logicalShards);
        r.put("posts", postMs.size());
        r.put("post_ms", postMs);
        r.put("post_ms_p50", median(postMs));
        r.put("post_ms_max", postMs.stream().mapToDouble(Double::doubleValue).max().orElse(0));
        r.put("visible_all_ms", visibleMs);
        List<Double> seen = visibleMs.stream().filter(v -> v != null).map(v -> (Double) v).toList();
        r.put("visible_in_all_feeds", allVisible);
        if (allVisible) {
            r.put("visible_all_ms_p50", median(seen));
            r.put("visible_all_ms_max", seen.stream().mapToDouble(Double::doubleValue).max().orElse(0));
            if (!mode.pulls(n)) {
                // How fast fan-out wrote feeds, counting the whole wait (POST included) against it.
                r.put("fanout_feeds_per_s", Math.round(n / (median(seen) / 1000)));
            }
        } else {
            r.put("not_visible", "not in every checked feed after "
                    + SvgChart.format(p.number("visible_timeout_seconds")) + " s: " + notSeenBy + " of "
                    + tokens.length + " checked followers did not have it");
        }
        r.put("visible_at_next_read", atNextRead == postMs.size());
        r.put("visible_at_next_read_posts", atNextRead + " of " + postMs.size());
        r.put("checked_followers_late", late);
        r.put("timeline_reads_while_watching", polls);
        Map<String, Object> rs = read.summary();
        rs.remove("mode");
        r.put("home_read", rs);
        ctx.log().printf("  %s: post p50 %.1f ms, in every checked feed %s, next read %d of %d, home read p50 %s "
                + "p99 %s%n", who, median(postMs), allVisible ? String.format(Locale.ROOT, "after %.0f ms (p50)",
                median(seen)) : "NOT after the timeout", atNextRead, postMs.size(), Percentiles.human(read.histogram(),
                50), Percentiles.human(read.histogram(), 99));
        return r;
    }

    /**
     * One post and how it arrived: visibleMs is -1 when it was not in every checked feed by the timeout; late counts
     * checked followers that lacked it when the oldest already had it (fan-out order says none should).
     */
    private record Watch(double postMs, boolean atNextRead, double visibleMs, long polls, int notSeenBy, int late) {}

    private static Watch postAndWatch(BenchContext ctx, HttpApi api, SocialDataset.Audience a, String what)
            throws IOException, InterruptedException {
        Params p = ctx.params();
        String[] tokens = a.followerTokens();
        long sent = System.nanoTime();
        JsonNode s = api.postForm("/api/v1/statuses", a.token(), "status", "Fan-out test: " + what);
        long answered = System.nanoTime();
        long id = Long.parseLong(s.path("id").asString());
        double postMs = Percentiles.round((answered - sent) / 1e6);

        // The oldest follower is the last fan-out reaches: it alone is polled until it has the post.
        long deadline = sent + p.seconds("visible_timeout_seconds").toNanos();
        long minPoll = Math.round(p.number("poll_min_ms") * 1e6);
        long polls = 1;
        boolean atNextRead = newest(api, tokens[0]) == id;
        long seenAt = atNextRead ? System.nanoTime() : -1;
        long nextProgress = sent + 5_000_000_000L;
        while (seenAt < 0) {
            long now = System.nanoTime();
            if (now >= deadline) {
                break;
            }
            if (now >= nextProgress) {
                ctx.log().printf("  %s: the oldest follower still without it after %.0f s%n", what, (now - sent) / 1e9);
                nextProgress = now + 5_000_000_000L;
            }
            // Every poll_min_ms at first, then every 1/50 of the wait so far: at most 2% late, and a wait of minutes
            // does not become thousands of reads competing with the fan-out.
            long wait = Math.min(Math.min(1_000_000_000L, Math.max(minPoll, (now - sent) / 50)), deadline - now);
            Thread.sleep(Duration.ofNanos(wait));
            polls++;
            if (newest(api, tokens[0]) == id) {
                seenAt = System.nanoTime();
            }
        }
        // The others: each should have it already. One that does not was reached after the oldest; it is polled
        // until it has the post, and then it is the one that sets the time.
        List<Integer> missing = new ArrayList<>();
        for (int i = 1; i < tokens.length; i++) {
            polls++;
            if (newest(api, tokens[i]) != id) {
                missing.add(i);
            }
        }
        int late = seenAt < 0 ? 0 : missing.size();
        long lastSeen = seenAt;
        while (seenAt >= 0 && !missing.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(Duration.ofNanos(minPoll));
            for (var it = missing.iterator(); it.hasNext(); ) {
                int f = it.next();
                polls++;
                if (newest(api, tokens[f]) == id) {
                    it.remove();
                    lastSeen = System.nanoTime();
                }
            }
        }
        int notSeenBy = missing.size() + (seenAt < 0 ? 1 : 0);
        double visibleMs = notSeenBy == 0 ? Percentiles.round((lastSeen - sent) / 1e6) : -1;
        ctx.log().printf("  %s: %.1f ms, next read %s, %s (%,d reads%s)%n", what, postMs,
                atNextRead ? "had it" : "not yet",
                visibleMs < 0 ? notSeenBy + " of " + tokens.length + " checked followers still WITHOUT it after "
                        + Math.round((deadline - sent) / 1e9) + " s"
                        : String.format(Locale.ROOT, "in every checked feed after %.1f ms", visibleMs), polls,
                late > 0 ? ", " + late + " checked followers got it after the oldest" : "");
        return new Watch(postMs, atNextRead, visibleMs, polls, notSeenBy, late);
    }

    /** The id of the newest status in the holder of {@code token}'s home timeline, 0 if it is empty. */
    private static long newest(HttpApi api, String token) throws IOException, InterruptedException {
        JsonNode page = api.getJson("/api/v1/timelines/home?limit=1", token);
        return page.isEmpty() ? 0 : Long.parseLong(page.get(0).path("id").asString());
    }

    private static double lastVisible(List<Object> visibleMs) {
        return (Double) visibleMs.getLast(); // only asked while every post so far arrived
    }

    /** The median (the lower one of an even count): with a handful of posts, no interpolation pretends precision. */
    private static double median(List<Double> v) {
        if (v.isEmpty()) {
            return 0;
        }
        List<Double> s = v.stream().sorted().toList();
        return s.get((s.size() - 1) / 2);
    }

    /** 100, 10k, 1m: short enough for usernames and result keys. */
    static String label(int n) {
        if (n % 1_000_000 == 0) {
            return n / 1_000_000 + "m";
        }
        if (n % 1000 == 0) {
            return n / 1000 + "k";
        }
        return Integer.toString(n);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> account(Map<String, Object> mode, int n) {
        return (Map<String, Object>) ((Map<String, Object>) mode.get("accounts")).get(Integer.toString(n));
    }

    /** The p50 time to reach every feed, or the timeout (a lower bound) when it did not get there. */
    private static double visibleOrTimeout(Map<String, Object> account, Params p) {
        return (Boolean) account.get("visible_in_all_feeds") ? num(account, "visible_all_ms_p50")
                : p.number("visible_timeout_seconds") * 1000;
    }

    @SuppressWarnings("unchecked")
    private static double readP50(Map<String, Object> account) {
        return num((Map<String, Object>) account.get("home_read"), "p50_us");
    }

    private static double num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }

    private static double ratio(double a, double b) {
        return b <= 0 ? 0 : Percentiles.round(a / b);
    }

    private static SvgChart chart(int[] sizes, Map<String, Object> push, Map<String, Object> hybrid, Params p,
            boolean met) {
        List<String> cats = Arrays.stream(sizes).mapToObj(n -> SvgChart.format(n) + " followers"
                + ((Boolean) account(hybrid, n).get("pulled") ? "\n(pulled in hybrid)" : "")).toList();
        List<Double> pv = new ArrayList<>();
        List<Double> hv = new ArrayList<>();
        List<Double> pp = new ArrayList<>();
        List<Double> hp = new ArrayList<>();
        List<Double> pr = new ArrayList<>();
        List<Double> hr = new ArrayList<>();
        boolean timedOut = false;
        for (int n : sizes) {
            Map<String, Object> a = account(push, n);
            Map<String, Object> b = account(hybrid, n);
            timedOut |= !(Boolean) a.get("visible_in_all_feeds") || !(Boolean) b.get("visible_in_all_feeds");
            pv.add(visibleOrTimeout(a, p));
            hv.add(visibleOrTimeout(b, p));
            pp.add(num(a, "post_ms_p50"));
            hp.add(num(b, "post_ms_p50"));
            pr.add(readP50(a) / 1000);
            hr.add(readP50(b) / 1000);
        }
        SvgChart.Panel visible = new SvgChart.Panel("Until the post is in every follower's feed (p50)",
                "ms from sending the POST" + (timedOut ? "; timed out: the timeout" : ""), true, cats, List.of(
                        new SvgChart.Series("push-only", pv), new SvgChart.Series("hybrid", hv)));
        SvgChart.Panel post = new SvgChart.Panel("POST /api/v1/statuses (p50)", "latency (ms)", false, cats, List.of(
                new SvgChart.Series("push-only", pp), new SvgChart.Series("hybrid", hp)));
        SvgChart.Panel read = new SvgChart.Panel("A follower's home timeline read (p50)", "latency (ms)", false, cats,
                List.of(new SvgChart.Series("push-only", pr), new SvgChart.Series("hybrid", hr)));
        int largest = sizes[sizes.length - 1];
        Map<String, Object> h = account(hybrid, largest);
        Map<String, Object> pl = account(push, largest);
        String pushVisible = (Boolean) pl.get("visible_in_all_feeds")
                ? "in every feed after " + SvgChart.format(num(pl, "visible_all_ms_p50") / 1000) + " s"
                : "not in every feed after " + SvgChart.format(p.number("visible_timeout_seconds")) + " s";
        String sub = String.format(Locale.ROOT, "%s followers: hybrid post p50 %s ms, visible at the next read: %s "
                + "(goal <= %d ms and visible: %s); push-only %s", SvgChart.format(largest),
                SvgChart.format(num(h, "post_ms_p50")), (Boolean) h.get("visible_at_next_read") ? "yes" : "no",
                (int) GOAL_POST_MS, met ? "met" : "not met", pushVisible);
        return new SvgChart("fanout: push-only vs hybrid", sub, List.of(visible, post, read));
    }
}
