package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.feed.FeedItem;
import dev.scalegram.graph.Assoc;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.GraphObject;
import dev.scalegram.graph.InverseRepair;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.Page;
import dev.scalegram.server.Scalegram;
import dev.scalegram.server.ServeOptions;
import dev.scalegram.social.Account;
import dev.scalegram.testing.ApiClient;
import dev.scalegram.testing.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The bulk dataset read back through the product: a real server on a real PostgreSQL, seeded, then asked through the
 * graph and the Mastodon API whether the accounts, counts, both ends of every edge, home timelines (pushed and
 * pulled), logins and likes are what the generator says it wrote.
 */
class SocialDatasetTest {

    /** Low enough that the most followed of 300 users cross it, so seeded pull is exercised too. */
    private static final int THRESHOLD = 150;

    private static Path dir;
    private static Scalegram app;
    private static Graph graph;
    private static ApiClient api;
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))), "seed");
        Topology t = TestPostgres.topology(16).withFeed(new Topology.FeedConfig(THRESHOLD, 800, 1000));
        app = Scalegram.start(new ServeOptions(t, dir, 0));
        graph = app.graph();
        api = ApiClient.local(app.port());
    }

    @AfterAll
    static void stop() {
        app.close();
        BenchServer.deleteTree(dir);
    }

    @AfterEach
    void settle() {
        System.out.print(logBytes.toString(StandardCharsets.UTF_8));
        assertTrue(app.awaitTasks(30_000), "tasks drained");
    }

    @Test
    void seededNetworkReadsBackThroughTheProduct() {
        SocialDataset.Spec spec = new SocialDataset.Spec(300, 20, 1.0, 3, 5, 10, 42);
        SocialDataset.Seeded s = SocialDataset.seed(app, spec, log);
        long[] ids = s.accounts();
        assertEquals(300, ids.length);
        assertEquals(10, s.tokens().length);
        assertEquals(900, s.posts().length);
        for (int i = 1; i < s.posts().length; i++) {
            assertTrue(s.posts()[i - 1] < s.posts()[i], "posts newest last");
        }
        assertEquals(4500L, s.stats().get("likes"), "every like drawn was written: " + s.stats());
        assertTrue((int) s.stats().get("pulled_accounts") > 0, "the most followed crossed the threshold: " + s.stats());
        String out = logBytes.toString(StandardCharsets.UTF_8);
        for (String phase : List.of("accounts", "follows", "posts", "likes", "feeds", "tokens", "vacuum_analyze")) {
            assertTrue(out.contains("seed: " + phase) && out.contains("done"), "progress of " + phase + ": " + out);
        }

        // Accounts: the objects, and the usernames through the API's lookup.
        Map<Long, GraphObject> accounts = graph.objGetMany(Arrays.stream(ids).boxed().toList());
        for (int i = 0; i < ids.length; i++) {
            GraphObject o = accounts.get(ids[i]);
            assertEquals(ObjectType.ACCOUNT, o.type());
            assertEquals(SocialDataset.username(s, i), o.as(Account.class).username());
        }
        // Both ends of every follow and like, with the same pos, as the inverse task would have written them.
        Map<List<Long>, Long> follows = edges(ids, Relation.FOLLOWS, false);
        assertEquals(s.stats().get("follows"), (long) follows.size());
        assertEquals(follows, edges(ids, Relation.FOLLOWED_BY, true));
        Map<List<Long>, Long> likedBy = edges(s.posts(), Relation.LIKED_BY, false);
        assertEquals(4500, likedBy.size());
        assertEquals(likedBy, flip(edges(ids, Relation.LIKES, false)));
        InverseRepair.Report repair = new InverseRepair(graph).repairAll();
        assertEquals(0, repair.inversesAdded() + repair.orphansRemoved(), "nothing to repair: " + repair);

        // Counts equal the edges: through the graph for everyone, through the API for a few.
        Map<Long, Long> following = perId1(follows.keySet(), 0);
        Map<Long, Long> followers = perId1(follows.keySet(), 1);
        Map<Long, Long> followingCount = graph.assocCountMany(boxed(ids), Relation.FOLLOWS);
        Map<Long, Long> followersCount = graph.assocCountMany(boxed(ids), Relation.FOLLOWED_BY);
        for (long id : ids) {
            assertEquals(following.getOrDefault(id, 0L), followingCount.get(id));
            assertEquals(followers.getOrDefault(id, 0L), followersCount.get(id));
            assertTrue(followingCount.get(id) >= 1, "everyone follows someone");
        }
        assertTrue(followersCount.get(ids[0]) > followersCount.get(ids[299]), "rank 0 is more popular than the last");
        Map<Long, Long> likesCount = graph.assocCountMany(boxed(s.posts()), Relation.LIKED_BY);
        Map<Long, Long> likes = perId1(likedBy.keySet(), 0);
        for (long p : s.posts()) {
            assertEquals(likes.getOrDefault(p, 0L), likesCount.get(p));
        }
        ApiClient me = api.as(s.tokens()[0]);
        for (int i : new int[] {0, 1, 150, 299}) {
            JsonNode a = me.get("/api/v1/accounts/lookup", "acct", SocialDataset.username(s, i)).expect(200).json();
            assertEquals(Long.toString(ids[i]), a.path("id").asString());
            assertEquals(followersCount.get(ids[i]), a.path("followers_count").asLong(-1));
            assertEquals(followingCount.get(ids[i]), a.path("following_count").asLong(-1));
            assertEquals(3, a.path("statuses_count").asLong(-1));
        }
        long mostLiked = s.posts()[0];
        for (long p : s.posts()) {
            mostLiked = likesCount.get(p) > likesCount.get(mostLiked) ? p : mostLiked;
        }
        JsonNode hot = me.get("/api/v1/statuses/" + mostLiked).expect(200).json();
        assertEquals(likesCount.get(mostLiked), hot.path("favourites_count").asLong(-1));
        assertTrue(likesCount.get(mostLiked) > 5, "the Zipf head has more than the mean");

        // Tokens: each is its user; home timelines are the newest posts of the user and those it follows, whether
        // pushed into its feed or pulled from a pulled author, page after page.
        int sawPulled = 0;
        for (int i = 0; i < s.tokens().length; i++) {
            ApiClient user = api.as(s.tokens()[i]);
            assertEquals(Long.toString(ids[i]),
                    user.get("/api/v1/accounts/verify_credentials").expect(200).json().path("id").asString());
            List<String> first = user.get("/api/v1/timelines/home").expect(200).ids();
            List<Long> expected = expectedHome(ids[i]);
            assertEquals(Math.min(20, expected.size()), first.size());
            assertEquals(expected.subList(0, first.size()), first.stream().map(Long::parseLong).toList());
            assertEquals(expected, walkHome(user));
            Set<Long> pushed = new HashSet<>();
            app.feeds().page(ids[i], Page.newest(800)).forEach(it -> pushed.add(it.statusId()));
            for (Assoc pull : graph.assocRange(ids[i], Relation.PULLS, Page.newest(100))) {
                assertTrue(accounts.get(pull.id2()).as(Account.class).pulled());
                for (Assoc post : graph.assocRange(pull.id2(), Relation.POSTED, Page.newest(10))) {
                    assertFalse(pushed.contains(post.id2()), "a pulled author's post is not in the feed table");
                    assertTrue(expected.contains(post.id2()), "but it is in the home timeline");
                    sawPulled++;
                }
            }
        }
        assertTrue(sawPulled > 0, "some token holder follows a pulled account");

        // The password grant, by username and by email, and a wrong password is refused.
        ApiClient.App client = api.createApp("seed-login");
        String name = SocialDataset.username(s, 7);
        String token = api.passwordToken(client, name, SocialDataset.PASSWORD, "read");
        assertEquals(Long.toString(ids[7]),
                api.as(token).get("/api/v1/accounts/verify_credentials").expect(200).json().path("id").asString());
        api.passwordToken(client, name + "@" + SocialDataset.EMAIL_DOMAIN, SocialDataset.PASSWORD, "read");
        assertNotEquals(200, api.passwordGrant(client, name, SocialDataset.PASSWORD + "x", "read").status());
    }

    @Test
    void twoSeedsInARowDoNotCollide() {
        SocialDataset.Spec spec = new SocialDataset.Spec(60, 5, 1.0, 2, 3, 2, 7);
        SocialDataset.Seeded a = SocialDataset.seed(app, spec, log);
        SocialDataset.Seeded b = SocialDataset.seed(app, spec, log);
        long maxA = Math.max(Arrays.stream(a.accounts()).max().orElseThrow(), a.posts()[a.posts().length - 1]);
        long minB = Math.min(Arrays.stream(b.accounts()).min().orElseThrow(), b.posts()[0]);
        assertTrue(minB > maxA, "the second seed's ids all come after the first's");
        assertEquals(a.stats().get("follows"), b.stats().get("follows"), "the same seed draws the same graph");
        assertEquals(a.stats().get("max_followers"), b.stats().get("max_followers"));
        assertNotEquals(SocialDataset.username(a, 0), SocialDataset.username(b, 0));
        for (SocialDataset.Seeded s : List.of(a, b)) {
            JsonNode found = api.as(s.tokens()[1]).get("/api/v1/accounts/lookup", "acct", SocialDataset.username(s, 0))
                    .expect(200).json();
            assertEquals(Long.toString(s.accounts()[0]), found.path("id").asString());
        }
        // What the server makes afterwards sorts after everything seeded.
        String status = api.as(b.tokens()[0]).postForm("/api/v1/statuses", "status", "after the seeds").expect(200)
                .json().path("id").asString();
        assertTrue(Long.parseLong(status) > b.posts()[b.posts().length - 1]);
    }

    @Test
    void pulledAudienceGetsANewPostAtReadTime() {
        SocialDataset.Audience a = SocialDataset.accountWithFollowers(app, star(), 3000, 2, true, log);
        assertEquals(3000, a.followers().length);
        assertEquals(2, a.followerTokens().length);
        assertEquals(3000, Arrays.stream(a.followers()).distinct().count());
        assertTrue(graph.objGet(a.accountId()).orElseThrow().as(Account.class).pulled());
        ApiClient star = api.as(a.token());
        assertEquals(3000, star.get("/api/v1/accounts/" + a.accountId()).expect(200).json()
                .path("followers_count").asLong(-1));
        // Newest follower first, as the product lists them: the end of the oldest-first array, reversed.
        List<String> newest = star.get("/api/v1/accounts/" + a.accountId() + "/followers", "limit", "40").expect(200).ids();
        List<String> expected = new ArrayList<>();
        for (int i = 2999; i >= 2960; i--) {
            expected.add(Long.toString(a.followers()[i]));
        }
        assertEquals(expected, newest);
        assertEquals(3000, countRows(Relation.PULLS, a.accountId()));

        long post = Long.parseLong(star.postForm("/api/v1/statuses", "status", "to my many followers").expect(200)
                .json().path("id").asString());
        assertTrue(app.awaitTasks(30_000));
        ApiClient fan = api.as(a.followerTokens()[0]);
        assertEquals(Long.toString(a.followers()[0]),
                fan.get("/api/v1/accounts/verify_credentials").expect(200).json().path("id").asString());
        assertEquals(List.of(Long.toString(post)), fan.get("/api/v1/timelines/home").expect(200).ids());
        assertEquals(List.of(), app.feeds().page(a.followers()[0], Page.newest(20)), "nothing was pushed");
    }

    @Test
    void pushedAudienceGetsANewPostByFanOut() {
        SocialDataset.Audience a = SocialDataset.accountWithFollowers(app, star(), 3000, 1, false, log);
        assertFalse(graph.objGet(a.accountId()).orElseThrow().as(Account.class).pulled());
        assertEquals(0, countRows(Relation.PULLS, a.accountId()));
        long post = Long.parseLong(api.as(a.token()).postForm("/api/v1/statuses", "status", "pushed to all")
                .expect(200).json().path("id").asString());
        assertTrue(app.awaitTasks(30_000));
        assertEquals(List.of(Long.toString(post)), api.as(a.followerTokens()[0]).get("/api/v1/timelines/home")
                .expect(200).ids());
        for (long follower : new long[] {a.followers()[0], a.followers()[1500], a.followers()[2999]}) {
            assertEquals(List.of(new FeedItem(post, a.accountId())), app.feeds().page(follower, Page.newest(20)));
        }
    }

    @Test
    void hotPostHasExactlyItsLikesByRealAccounts() {
        SocialDataset.Audience a = SocialDataset.accountWithFollowers(app, star(), 500, 0, true, log);
        SocialDataset.LikedPost p = SocialDataset.postWithLikes(app, a.accountId(), a.followers(), 800, log);
        assertEquals(300, p.newAccounts());
        assertEquals(800, p.likers().length);
        assertTrue(app.awaitTasks(30_000));
        Map<Long, GraphObject> likers = graph.objGetMany(boxed(p.likers()));
        assertEquals(800, likers.size());
        assertTrue(likers.values().stream().allMatch(o -> o.type() == ObjectType.ACCOUNT));
        ApiClient star = api.as(a.token());
        JsonNode status = star.get("/api/v1/statuses/" + p.statusId()).expect(200).json();
        assertEquals(800, status.path("favourites_count").asLong(-1));
        assertEquals(List.of(Long.toString(p.statusId())),
                star.get("/api/v1/accounts/" + a.accountId() + "/statuses").expect(200).ids());
        assertEquals(1, star.get("/api/v1/accounts/" + a.accountId()).expect(200).json().path("statuses_count").asLong());
        // Newest liker first; both ends of each like.
        assertEquals(Long.toString(p.likers()[799]), star.get("/api/v1/statuses/" + p.statusId() + "/favourited_by")
                .expect(200).ids().getFirst());
        assertEquals(flip(edges(p.likers(), Relation.LIKES, false)), edges(new long[] {p.statusId()},
                Relation.LIKED_BY, false));
        // The author's own home shows it (the server's fan-out task put it in the author's feed).
        assertEquals(List.of(Long.toString(p.statusId())), star.get("/api/v1/timelines/home").expect(200).ids());
    }

    // ---- what the product should show, and the rows as stored

    private static String star() {
        return "star_" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The reader's own posts and those of everyone it follows, newest first. */
    private static List<Long> expectedHome(long reader) {
        List<Long> authors = new ArrayList<>(List.of(reader));
        graph.assocRange(reader, Relation.FOLLOWS, Page.newest(1000)).forEach(e -> authors.add(e.id2()));
        List<Long> posts = new ArrayList<>();
        for (long author : authors) {
            graph.assocRange(author, Relation.POSTED, Page.newest(100)).forEach(e -> posts.add(e.id2()));
        }
        posts.sort((x, y) -> Long.compare(y, x));
        return posts;
    }

    private static List<Long> walkHome(ApiClient user) {
        List<Long> all = new ArrayList<>();
        String maxId = "";
        for (int page = 0; page < 100; page++) {
            List<String> got = maxId.isEmpty() ? user.get("/api/v1/timelines/home", "limit", "40").expect(200).ids()
                    : user.get("/api/v1/timelines/home", "limit", "40", "max_id", maxId).expect(200).ids();
            if (got.isEmpty()) {
                return all;
            }
            got.forEach(id -> all.add(Long.parseLong(id)));
            maxId = got.getLast();
        }
        throw new AssertionError("the home timeline did not end");
    }

    /** Edges of one relation from any of {@code id1s}, read from the shards: (id1, id2) -> pos, or (id2, id1). */
    private static Map<List<Long>, Long> edges(long[] id1s, Relation r, boolean flipped) {
        Map<List<Long>, Long> out = new HashMap<>();
        Map<Integer, List<Long>> byShard = dev.scalegram.ids.ScalegramId.byShard(boxed(id1s));
        byShard.forEach((shard, ids) -> graph.shards().read(shard, (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(
                    sql.of("SELECT id1, id2, pos FROM {s}.assocs WHERE type = ? AND id1 = ANY(?)"))) {
                ps.setShort(1, (short) r.code());
                ps.setArray(2, c.createArrayOf("bigint", ids.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        List<Long> key = flipped ? List.of(rs.getLong(2), rs.getLong(1))
                                : List.of(rs.getLong(1), rs.getLong(2));
                        assertEquals(null, out.put(key, rs.getLong(3)));
                    }
                }
            }
            return null;
        }));
        return out;
    }

    private static Map<List<Long>, Long> flip(Map<List<Long>, Long> edges) {
        Map<List<Long>, Long> out = new HashMap<>();
        edges.forEach((k, pos) -> out.put(List.of(k.get(1), k.get(0)), pos));
        return out;
    }

    private static Map<Long, Long> perId1(Set<List<Long>> keys, int end) {
        Map<Long, Long> n = new HashMap<>();
        keys.forEach(k -> n.merge(k.get(end), 1L, Long::sum));
        return n;
    }

    /** Rows of relation r pointing at id2, over every shard. */
    private static long countRows(Relation r, long id2) {
        long n = 0;
        for (int shard = 0; shard < graph.shards().logicalShards(); shard++) {
            n += graph.shards().read(shard, (c, sql) -> {
                try (PreparedStatement ps = c.prepareStatement(
                        sql.of("SELECT count(*) FROM {s}.assocs WHERE type = ? AND id2 = ?"))) {
                    ps.setShort(1, (short) r.code());
                    ps.setLong(2, id2);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getLong(1);
                    }
                }
            });
        }
        return n;
    }

    private static List<Long> boxed(long[] ids) {
        return Arrays.stream(ids).boxed().toList();
    }
}
