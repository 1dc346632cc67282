package dev.scalegram.bench;

import dev.scalegram.config.Topology;
import dev.scalegram.config.TopologyFile;
import dev.scalegram.json.Json;
import dev.scalegram.server.Scalegram;
import dev.scalegram.server.ServeOptions;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.SerializationFeature;

/**
 * {@code scalegram loadgen}: load generation from the command line. {@code loadgen http URL} sends GETs at a fixed
 * rate (open loop, latency from the intended start, so stalls are not hidden) and prints percentiles.
 * {@code loadgen seed} writes a social network in bulk into a server's storage ({@link SocialDataset}).
 */
@Command(name = "loadgen", mixinStandardHelpOptions = true,
        description = "Load generation: open-loop HTTP load with coordinated-omission-corrected percentiles, and "
                + "bulk datasets (loadgen seed).",
        subcommands = {LoadgenCommand.Http.class, LoadgenCommand.Seed.class})
public final class LoadgenCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "http", mixinStandardHelpOptions = true,
            description = {"GET a URL at a fixed rate on virtual threads, warm up, then measure; prints a progress "
                    + "line every second and p50/p90/p99/p99.9 at the end.",
                    "Latency counts from when each request was scheduled to start, so a server stall is charged to "
                            + "every request it delayed (coordinated-omission correction)."})
    static final class Http implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "URL", description = "e.g. http://localhost:8080/api/v1/timelines/public")
        URI url;

        @Option(names = "--rate", defaultValue = "100", description = "requests per second (default: ${DEFAULT-VALUE})")
        double rate;

        @Option(names = "--duration", defaultValue = "30", description = "seconds measured (default: ${DEFAULT-VALUE})")
        double seconds;

        @Option(names = "--warmup", defaultValue = "5", description = "seconds of warm-up, not measured (default: "
                + "${DEFAULT-VALUE})")
        double warmup;

        @Option(names = "--max-in-flight", defaultValue = "10000",
                description = "requests in flight at most; beyond that the schedule waits and the wait counts as "
                        + "latency (default: ${DEFAULT-VALUE})")
        int maxInFlight;

        @Option(names = {"-H", "--header"}, paramLabel = "NAME: VALUE", description = "a request header (repeatable)")
        List<String> headers = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET();
            for (String h : headers) {
                int colon = h.indexOf(':');
                if (colon < 1) {
                    throw new CommandLine.ParameterException(new CommandLine(this), "not a header: " + h);
                }
                b.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
            }
            HttpRequest request = b.build();
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newVirtualThreadPerTaskExecutor())
                    .build()) {
                LoadGenerator.Result r = LoadGenerator.of("GET " + url.getPath(), Duration.ofMillis(Math.round(warmup
                                * 1000)), Duration.ofMillis(Math.round(seconds * 1000)))
                        .progressTo(System.err)
                        .openLoop(rate, maxInFlight, () -> {
                            int code = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                            if (code >= 400) {
                                throw new IllegalStateException("HTTP " + code);
                            }
                        });
                System.out.println(r.line());
                if (r.firstError() != null) {
                    System.out.println("first error: " + r.firstError());
                }
                return r.errors() == 0 ? 0 : 1;
            }
        }
    }

    @Command(name = "seed", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Write a social network in bulk into a server's storage: accounts, Zipf followings and "
                    + "likes, posts, home feeds, tokens.",
                    "Rows go in with PostgreSQL COPY (Cassandra batches for feeds kept there), exactly the rows the "
                            + "product writes: accounts that can log in, Zipf-distributed followings and likes, "
                            + "posts, the home feeds fan-out would have written, access tokens. Optionally a "
                            + "celebrity with many followers and a hot post with many likes by real accounts.",
                    "Starts a server on the data dir (or the topology), seeds, writes a manifest (ids, usernames, the "
                            + "password, tokens, timings) and stops. Run it while no other server uses the storage."})
    static final class Seed implements Callable<Integer> {

        @Option(names = "--users", required = true, paramLabel = "N", description = "accounts in the network")
        int users;

        @Option(names = "--following", defaultValue = "50", paramLabel = "N",
                description = "accounts each user follows on average, Zipf over popularity (default: ${DEFAULT-VALUE})")
        int following;

        @Option(names = "--posts-per-user", defaultValue = "5", paramLabel = "N",
                description = "posts each user has (default: ${DEFAULT-VALUE})")
        int postsPerUser;

        @Option(names = "--likes-per-post", defaultValue = "10", paramLabel = "N",
                description = "likes per post on average, Zipf over posts (default: ${DEFAULT-VALUE})")
        int likesPerPost;

        @Option(names = "--zipf", defaultValue = "1.0", paramLabel = "S",
                description = "the Zipf exponent for followings and likes (default: ${DEFAULT-VALUE})")
        double zipf;

        @Option(names = "--tokens", defaultValue = "100", paramLabel = "N",
                description = "access tokens for the first N users, and for the celebrity's first N followers "
                        + "(default: ${DEFAULT-VALUE})")
        int tokens;

        @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "the random seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--celebrity-followers", defaultValue = "0", paramLabel = "N",
                description = "also one account followed by N new accounts; pulled when N is over the fan-out "
                        + "threshold (default: none)")
        int celebrityFollowers;

        @Option(names = "--hot-post-likes", defaultValue = "0", paramLabel = "N",
                description = "also one post (by the celebrity, else by user 0) liked by N real accounts: the "
                        + "celebrity's followers (else the users), then new accounts as needed (default: none)")
        int hotPostLikes;

        @Option(names = "--data-dir", defaultValue = "./data", paramLabel = "DIR",
                description = "the embedded server's data, as for serve (default: ${DEFAULT-VALUE})")
        Path dataDir;

        @Option(names = "--config", paramLabel = "FILE", description = "a topology YAML file, as for serve")
        Path config;

        @Option(names = "--manifest", defaultValue = "seed-manifest.json", paramLabel = "FILE",
                description = "where to write what was seeded (default: ${DEFAULT-VALUE})")
        Path manifest;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            check();
            PrintStream log = System.err;
            int userTokens = Math.min(tokens, users);
            Topology topology = config == null ? Topology.embedded() : TopologyFile.load(config);
            long t0 = System.nanoTime();
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("created_at", Instant.now().toString());
            doc.put("password", SocialDataset.PASSWORD);
            doc.put("scopes", SocialDataset.SCOPES);
            try (Scalegram app = Scalegram.start(new ServeOptions(topology, dataDir.toAbsolutePath(), 0))) {
                log.printf("loadgen seed: server up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
                SocialDataset.Seeded s;
                SocialDataset.Spec want = new SocialDataset.Spec(users, following, zipf, postsPerUser, likesPerPost,
                        userTokens, seed);
                try {
                    s = SocialDataset.seed(app, want, log);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
                }
                Map<String, Object> network = new LinkedHashMap<>();
                network.put("spec", want);
                network.put("username_prefix", s.stats().get("username_prefix"));
                network.put("accounts", s.accounts());
                network.put("tokens", s.tokens());
                network.put("stats", s.stats());
                doc.put("network", network);

                SocialDataset.Audience celebrity = null;
                if (celebrityFollowers > 0) {
                    String prefix = s.stats().get("username_prefix").toString();
                    String name = "celeb_" + prefix.substring(1, prefix.length() - 1);
                    boolean pulled = celebrityFollowers > topology.feed().fanoutThreshold();
                    Map<String, Object> stats = new LinkedHashMap<>();
                    celebrity = SocialDataset.accountWithFollowers(app, name, celebrityFollowers,
                            Math.min(tokens, celebrityFollowers), pulled, log, stats);
                    Map<String, Object> c = new LinkedHashMap<>();
                    c.put("username", name);
                    c.put("id", celebrity.accountId());
                    c.put("token", celebrity.token());
                    c.put("followers", celebrityFollowers);
                    c.put("pulled", pulled);
                    List<Map<String, Object>> fans = new ArrayList<>();
                    for (int i = 0; i < celebrity.followerTokens().length; i++) {
                        fans.add(Map.of("id", celebrity.followers()[i], "token", celebrity.followerTokens()[i]));
                    }
                    c.put("follower_tokens", fans);
                    c.put("stats", stats);
                    doc.put("celebrity", c);
                }
                if (hotPostLikes > 0) {
                    long author = celebrity != null ? celebrity.accountId() : s.accounts()[0];
                    long[] likers = celebrity != null ? celebrity.followers() : s.accounts();
                    SocialDataset.LikedPost hot = SocialDataset.postWithLikes(app, author, likers, hotPostLikes, log);
                    Map<String, Object> h = new LinkedHashMap<>();
                    h.put("id", hot.statusId());
                    h.put("author_id", author);
                    h.put("likes", hotPostLikes);
                    h.put("stats", hot.stats());
                    doc.put("hot_post", h);
                }
                log.println("loadgen seed: waiting for the server's tasks (the hot post's fan-out)...");
                if (!app.awaitTasks(600_000)) {
                    log.println("loadgen seed: tasks still running after 10 minutes; stopping anyway");
                }
                doc.put("checkpoint_seconds", checkpoint(app, log));
                double secs = (System.nanoTime() - t0) / 1e9;
                doc.put("seconds", Math.round(secs * 10) / 10.0);
                Path file = manifest.toAbsolutePath();
                if (file.getParent() != null) {
                    Files.createDirectories(file.getParent());
                }
                Files.writeString(file, Json.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(doc) + "\n");
                System.out.printf("seeded in %.1f s: %,d users (usernames %sN), %,d follows, %,d posts, %,d likes, "
                                + "%,d feed items, %d tokens%n", secs, users, s.stats().get("username_prefix"),
                        (long) s.stats().get("follows"), s.posts().length, (long) s.stats().get("likes"),
                        (long) s.stats().get("feed_items"), s.tokens().length);
                if (celebrity != null) {
                    System.out.printf("celebrity %s: id %d, %,d followers%n",
                            ((Map<?, ?>) doc.get("celebrity")).get("username"), celebrity.accountId(),
                            celebrityFollowers);
                }
                if (doc.get("hot_post") instanceof Map<?, ?> h) {
                    System.out.printf("hot post: id %s, %,d likes%n", h.get("id"), hotPostLikes);
                }
                System.out.println("password of every seeded account: " + SocialDataset.PASSWORD);
                System.out.println("manifest: " + file);
            }
            return 0;
        }

        /**
         * CHECKPOINT on each PostgreSQL server, so the gigabyte of dirty pages a big load leaves is written now, with
         * progress shown, and not by the shutdown checkpoint, which the embedded server's stop waits for only briefly.
         */
        private static double checkpoint(Scalegram app, PrintStream log) {
            long c0 = System.nanoTime();
            var shards = app.graph().shards();
            java.util.Set<String> done = new java.util.HashSet<>();
            for (int shard = 0; shard < shards.logicalShards(); shard++) {
                if (!done.add(shards.map().serverOf(shard))) {
                    continue;
                }
                try {
                    shards.read(shard, (c, sql) -> {
                        try (var st = c.createStatement()) {
                            st.execute("CHECKPOINT");
                        }
                        return null;
                    });
                } catch (RuntimeException e) {
                    log.println("loadgen seed: no CHECKPOINT on " + shards.map().serverOf(shard) + ": " + e.getMessage());
                }
            }
            double secs = (System.nanoTime() - c0) / 1e9;
            log.printf("loadgen seed: CHECKPOINT in %.1f s%n", secs);
            return Percentiles.round(secs);
        }

        private void check() {
            List<String> bad = new ArrayList<>();
            if (users < 1) {
                bad.add("--users must be at least 1");
            }
            if (following < 0 || postsPerUser < 0 || likesPerPost < 0 || tokens < 0 || celebrityFollowers < 0
                    || hotPostLikes < 0) {
                bad.add("counts cannot be negative");
            }
            if (likesPerPost > users) {
                bad.add("--likes-per-post cannot exceed --users (each user likes a post at most once)");
            }
            if (!(zipf >= 0) || Double.isInfinite(zipf)) {
                bad.add("--zipf must be a number >= 0");
            }
            if (!bad.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), String.join("; ", bad));
            }
        }
    }
}
