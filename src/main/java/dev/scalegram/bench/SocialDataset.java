package dev.scalegram.bench;

import dev.scalegram.api.OAuthStore;
import dev.scalegram.config.Topology;
import dev.scalegram.feed.FanOut;
import dev.scalegram.feed.FeedItem;
import dev.scalegram.feed.FeedStore;
import dev.scalegram.feed.PgFeedStore;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.json.Json;
import dev.scalegram.server.Scalegram;
import dev.scalegram.social.Account;
import dev.scalegram.social.Login;
import dev.scalegram.social.Passwords;
import dev.scalegram.social.RegisterAccount;
import dev.scalegram.social.Status;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * A social network written in bulk into a server's storage: accounts that can log in, Zipf-distributed followings
 * (popular accounts are followed far more), posts, Zipf-distributed likes, and the home feeds fan-out would have
 * written. Rows go in with PostgreSQL COPY (and Cassandra batches for feeds kept there), exactly the rows the graph
 * layer would have written one request at a time, so the server reads them like any other data.
 *
 * <p>Seed a server before it serves: the bulk path writes no cache keys, so nothing a server cached earlier about
 * these rows is invalidated. Every id is new, so nothing stale can exist for them in a fresh cache.
 *
 * <p>What is not written: notifications (a follow or a like the product makes also notifies), outbox tasks (the load
 * writes both ends of every edge and the feeds itself), media. Every account has the password {@link #PASSWORD}
 * and the email {@code username@seed.example}; usernames carry a random tag per load, so loads into one database
 * never collide. Ids come from {@link SeedIds}: unique, time-ordered, and below every id the server makes after the
 * load returns.
 */
final class SocialDataset {

    /** The password of every account made here (bcrypt-hashed once per JVM: hashing is slow on purpose). */
    static final String PASSWORD = "scalegram-seed-password";
    /** The scopes of every access token issued here. */
    static final String SCOPES = "read write follow";
    static final String EMAIL_DOMAIN = "seed.example";

    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9_]{1,30}");
    private static final SecureRandom SECURE = new SecureRandom();
    private static String passwordHash;

    private SocialDataset() {}

    /**
     * What to generate.
     *
     * @param users accounts to create; user i has popularity rank i (0 is the most followed)
     * @param meanFollowing how many accounts each user follows, on average; whom is drawn Zipf over popularity rank
     * @param zipfExponent the Zipf exponent s for followings and likes (1.0 is the classic curve)
     * @param postsPerUser posts each user has, all top-level photo posts (no media rows)
     * @param meanLikesPerPost likes per post on average; which posts get them is Zipf over the posts
     * @param tokens the first {@code tokens} users (by index) get an access token with scopes read write follow
     * @param seed the random seed: the same spec and seed give the same shape of graph
     */
    record Spec(int users, int meanFollowing, double zipfExponent, int postsPerUser, int meanLikesPerPost, int tokens,
                long seed) {

        /** A scenario's dataset parameters, with these defaults, in the order its result lists them. */
        static void putDefaults(Map<String, Object> d) {
            d.put("users", 10_000);
            d.put("mean_following", 50);
            d.put("zipf_exponent", 1.0);
            d.put("posts_per_user", 5);
            d.put("mean_likes_per_post", 3);
            d.put("tokens", 1000);
            d.put("seed", 42L);
        }

        /** The spec a scenario's parameters (see {@link #putDefaults}) name. */
        static Spec from(Params p) {
            return new Spec(p.integer("users"), p.integer("mean_following"), p.number("zipf_exponent"),
                    p.integer("posts_per_user"), p.integer("mean_likes_per_post"), p.integer("tokens"),
                    ((Number) p.asMap().get("seed")).longValue());
        }
    }

    /**
     * What was written.
     *
     * @param accounts account ids, by user index
     * @param tokens access tokens of users 0 .. spec.tokens - 1
     * @param posts every post id, newest last
     * @param stats counts and timings, for a result's JSON
     */
    record Seeded(long[] accounts, String[] tokens, long[] posts, Map<String, Object> stats) {}

    /**
     * Writes {@code spec}'s network into {@code app}'s storage, printing progress about once a second.
     *
     * <p>User i follows about {@code meanFollowing} others (an exponential draw around the mean, at least 1, at most
     * ten times the mean), each drawn Zipf over popularity rank, never itself and never twice. Post j of user i is
     * post rank i * postsPerUser + j, so a popular user's posts are the popular ones; {@code users * postsPerUser *
     * meanLikesPerPost} likes are drawn Zipf over post rank, a post's likers uniformly without repeats (a post past
     * every user passes its surplus on to the next rank). A user followed by more than the fan-out threshold is
     * stored pulled, its followers holding PULLS edges; every other post is in each follower's feed, and every post
     * in its author's, each feed keeping its newest {@code cap}.
     */
    static Seeded seed(Scalegram app, Spec spec, PrintStream log) {
        check(spec);
        long t0 = System.nanoTime();
        Graph graph = app.graph();
        int logical = graph.shards().logicalShards();
        Topology.FeedConfig feed = app.topology().feed();
        int n = spec.users();
        int perUser = spec.postsPerUser();
        log.printf("seed: %,d users following ~%d each (Zipf s=%s), %d posts each, ~%d likes per post, %d tokens%n",
                n, spec.meanFollowing(), spec.zipfExponent(), perUser, spec.meanLikesPerPost(), spec.tokens());
        BulkLoad load = new BulkLoad(graph.shards(), log);
        String hash = passwordHash();
        long appId = spec.tokens() > 0 ? createApp(graph) : 0;
        People users = People.fresh(graph, "u", n);
        SeedIds ids = new SeedIds(logical);

        // ---- the graph, in memory: arrays indexed by user, edge, post and like
        long g0 = System.nanoTime();
        SplittableRandom random = new SplittableRandom(spec.seed());
        users.allocate(ids);
        Follows f = Follows.draw(users, spec, random, ids);
        users.pulled = new boolean[n];
        int pulledCount = 0;
        for (int v = 0; v < n; v++) {
            if (f.followers(v) > feed.fanoutThreshold()) {
                users.pulled[v] = true;
                pulledCount++;
            }
        }
        long[] postIds = new long[n * perUser];
        for (int k = 0; k < perUser; k++) {
            for (int u = 0; u < n; u++) {
                postIds[u * perUser + k] = ids.next(users.shard[u]);
            }
        }
        Likes likes = Likes.draw(users, postIds, perUser, spec, random, ids);
        double generated = (System.nanoTime() - g0) / 1e9;
        load.second("generate", generated);
        log.printf("  seed: generated %,d follows, %,d posts, %,d likes in memory in %.1f s (%d pulled accounts)%n",
                f.edges(), postIds.length, likes.count(), generated, pulledCount);

        // ---- accounts, follows (both ends, PULLS for pulled authors, counts), posts, likes, feeds, tokens
        writeAccounts(load, hash, users);
        int[][] usersOf = users.byShard(logical);
        long[] w = new long[logical];
        for (int u = 0; u < n; u++) {
            int s = users.shard[u];
            w[s] += f.following(u) + f.followers(u) + Long.signum(f.following(u)) + Long.signum(f.followers(u));
            for (int e = f.start[u]; e < f.start[u + 1]; e++) {
                w[s] += users.pulled[f.target[e]] ? 1 : 0;
            }
        }
        load.phase("follows", w, List.of(
                new BulkLoad.Table("assocs", "id1, type, id2, pos", (s, out) -> {
                    for (int u : usersOf[s]) {
                        for (int e = f.start[u]; e < f.start[u + 1]; e++) {
                            edge(out, users.id[u], Relation.FOLLOWS, users.id[f.target[e]], f.pos[e]);
                        }
                        for (int r = f.revStart[u]; r < f.revStart[u + 1]; r++) {
                            int e = f.revEdge[r];
                            edge(out, users.id[u], Relation.FOLLOWED_BY, users.id[f.source[e]], f.pos[e]);
                        }
                        for (int e = f.start[u]; e < f.start[u + 1]; e++) {
                            if (users.pulled[f.target[e]]) {
                                edge(out, users.id[u], Relation.PULLS, users.id[f.target[e]], ids.next(s));
                            }
                        }
                    }
                }),
                new BulkLoad.Table("counts", "id1, type, n", (s, out) -> {
                    for (int u : usersOf[s]) {
                        count(out, users.id[u], Relation.FOLLOWS, f.following(u));
                        count(out, users.id[u], Relation.FOLLOWED_BY, f.followers(u));
                    }
                })));

        Arrays.fill(w, 0);
        for (int u = 0; u < n; u++) {
            w[users.shard[u]] += 2L * perUser + Long.signum(perUser);
        }
        load.phase("posts", w, List.of(
                new BulkLoad.Table("objects", "id, type, data", (s, out) -> {
                    for (int u : usersOf[s]) {
                        for (int k = 0; k < perUser; k++) {
                            out.col(postIds[u * perUser + k]).col(ObjectType.STATUS.code())
                                    .col(Json.string(status(users.id[u], "Post " + (k + 1) + " by " + users.name(u))))
                                    .end();
                        }
                    }
                }),
                new BulkLoad.Table("assocs", "id1, type, id2, pos", (s, out) -> {
                    for (int u : usersOf[s]) {
                        for (int k = 0; k < perUser; k++) {
                            long p = postIds[u * perUser + k];
                            edge(out, users.id[u], Relation.POSTED, p, p);
                        }
                    }
                }),
                new BulkLoad.Table("counts", "id1, type, n", (s, out) -> {
                    for (int u : usersOf[s]) {
                        count(out, users.id[u], Relation.POSTED, perUser);
                    }
                })));

        Arrays.fill(w, 0);
        for (int u = 0; u < n; u++) {
            w[users.shard[u]] += likes.byLiker(u);
            for (int k = 0; k < perUser; k++) {
                int c = likes.of(u * perUser + k);
                w[users.shard[u]] += c + Long.signum(c);
            }
        }
        load.phase("likes", w, List.of(
                new BulkLoad.Table("assocs", "id1, type, id2, pos", (s, out) -> {
                    for (int u : usersOf[s]) {
                        for (int p = u * perUser; p < (u + 1) * perUser; p++) {
                            for (int l = likes.start[p]; l < likes.start[p + 1]; l++) {
                                edge(out, postIds[p], Relation.LIKED_BY, users.id[likes.liker[l]], likes.pos[l]);
                            }
                        }
                        for (int r = likes.revStart[u]; r < likes.revStart[u + 1]; r++) {
                            int l = likes.revLike[r];
                            edge(out, users.id[u], Relation.LIKES, postIds[likes.post[l]], likes.pos[l]);
                        }
                    }
                }),
                new BulkLoad.Table("counts", "id1, type, n", (s, out) -> {
                    for (int u : usersOf[s]) {
                        for (int p = u * perUser; p < (u + 1) * perUser; p++) {
                            count(out, postIds[p], Relation.LIKED_BY, likes.of(p));
                        }
                    }
                })));

        long feedItems = writeFeeds(app.feeds(), load, feed.cap(), users, usersOf, f, postIds, perUser);

        String[] tokens = writeTokens(load, graph, ids, appId, Arrays.copyOf(users.id, spec.tokens()));
        load.vacuum();
        ids.awaitClockPast();

        long[] newestLast = postIds.clone();
        Arrays.sort(newestLast);
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("users", n);
        stats.put("username_prefix", users.prefix);
        stats.put("password", PASSWORD);
        stats.put("follows", f.edges());
        stats.put("pulled_accounts", pulledCount);
        stats.put("max_followers", f.maxFollowers());
        stats.put("posts", postIds.length);
        stats.put("likes", likes.count());
        stats.put("max_likes", likes.max());
        stats.put("feed_items", feedItems);
        stats.put("tokens", tokens.length);
        stats.putAll(load.stats());
        log.printf("seed: done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return new Seeded(users.id.clone(), tokens, newestLast, stats);
    }

    /** The username of user {@code i} of a seed (they are the stats' username_prefix and the index). */
    static String username(Seeded seeded, int i) {
        return seeded.stats().get("username_prefix") + Integer.toString(i);
    }

    /**
     * One account with one post-free profile and its audience.
     *
     * @param accountId the account
     * @param token its access token (to post as it)
     * @param followers every follower's id, in the order they followed (oldest first)
     * @param followerTokens access tokens of the first {@code followerTokens.length} followers
     */
    record Audience(long accountId, String token, long[] followers, String[] followerTokens) {}

    /**
     * An account followed by exactly {@code followers} new accounts that follow nobody else, written in bulk with
     * both ends of every FOLLOWS edge and both counts. When {@code pulled} the account is stored as a real account
     * past the fan-out threshold is: marked pulled, every follower holding a PULLS edge to it; otherwise it is a
     * pushed account whatever its size.
     */
    static Audience accountWithFollowers(Scalegram app, String username, int followers, int followerTokens,
            boolean pulled, PrintStream log) {
        return accountWithFollowers(app, username, followers, followerTokens, pulled, log, new LinkedHashMap<>());
    }

    /** As above, and puts counts and timings into {@code stats}. */
    static Audience accountWithFollowers(Scalegram app, String username, int followers, int followerTokens,
            boolean pulled, PrintStream log, Map<String, Object> stats) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw new IllegalArgumentException("a username is 1-30 letters, digits or underscores, not " + username);
        }
        if (followers < 0 || followerTokens < 0 || followerTokens > followers) {
            throw new IllegalArgumentException("need 0 <= followerTokens <= followers, not " + followerTokens + " and "
                    + followers);
        }
        long t0 = System.nanoTime();
        Graph graph = app.graph();
        int logical = graph.shards().logicalShards();
        if (nameTaken(graph, RegisterAccount.USERNAMES, username.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("the username " + username + " is taken");
        }
        log.printf("seed: %s with %,d followers (%s), %d follower tokens%n", username, followers,
                pulled ? "pulled" : "pushed", followerTokens);
        BulkLoad load = new BulkLoad(graph.shards(), log);
        String hash = passwordHash();
        long appId = createApp(graph);
        People star = People.named(graph, username);
        People fans = People.fresh(graph, "f", followers);
        SeedIds ids = new SeedIds(logical);
        star.allocate(ids);
        star.pulled = new boolean[] {pulled};
        fans.allocate(ids);
        long starId = star.id[0];
        int starShard = star.shard[0];
        long[] pos = new long[followers];
        for (int i = 0; i < followers; i++) {
            pos[i] = ids.next(fans.shard[i]);
        }
        // Shards count their ids independently, so the follow order is the order of pos, not of i.
        long[] sortedPos = pos.clone();
        Arrays.sort(sortedPos);
        long[] inOrder = new long[followers];
        for (int i = 0; i < followers; i++) {
            inOrder[Arrays.binarySearch(sortedPos, pos[i])] = fans.id[i];
        }

        writeAccounts(load, hash, star, fans);
        int[][] fansOf = fans.byShard(logical);
        long[] w = new long[logical];
        for (int s = 0; s < logical; s++) {
            w[s] = fansOf[s].length * (pulled ? 3L : 2L);
        }
        w[starShard] += followers + 1;
        load.phase("follows", w, List.of(
                new BulkLoad.Table("assocs", "id1, type, id2, pos", (s, out) -> {
                    for (int i : fansOf[s]) {
                        edge(out, fans.id[i], Relation.FOLLOWS, starId, pos[i]);
                        if (pulled) {
                            edge(out, fans.id[i], Relation.PULLS, starId, ids.next(s));
                        }
                    }
                    if (s == starShard) {
                        for (int i = 0; i < followers; i++) {
                            edge(out, starId, Relation.FOLLOWED_BY, fans.id[i], pos[i]);
                        }
                    }
                }),
                new BulkLoad.Table("counts", "id1, type, n", (s, out) -> {
                    for (int i : fansOf[s]) {
                        count(out, fans.id[i], Relation.FOLLOWS, 1);
                    }
                    if (s == starShard) {
                        count(out, starId, Relation.FOLLOWED_BY, followers);
                    }
                })));
        long[] withTokens = new long[1 + followerTokens];
        withTokens[0] = starId;
        System.arraycopy(inOrder, 0, withTokens, 1, followerTokens);
        String[] tokens = writeTokens(load, graph, ids, appId, withTokens);
        load.vacuum();
        ids.awaitClockPast();
        stats.put("username", username);
        stats.put("account_id", starId);
        stats.put("followers", followers);
        stats.put("pulled", pulled);
        stats.put("follower_username_prefix", fans.prefix);
        stats.putAll(load.stats());
        log.printf("seed: %s and %,d followers done in %.1f s%n", username, followers, (System.nanoTime() - t0) / 1e9);
        return new Audience(starId, tokens[0], inOrder, Arrays.copyOfRange(tokens, 1, tokens.length));
    }

    /**
     * A post with exactly this many likes.
     *
     * @param statusId the post
     * @param likers every liker, in the order they liked (oldest first): the given accounts, then the new ones
     * @param newAccounts how many of the likers were made for it (accounts that follow nobody)
     */
    record LikedPost(long statusId, long[] likers, int newAccounts, Map<String, Object> stats) {}

    /**
     * A new post by {@code authorId} liked by exactly {@code likes} real accounts: the first {@code likes} of
     * {@code likers} (existing, distinct accounts, such as an audience's followers) and, if there are fewer, new
     * accounts made for it (password {@link #PASSWORD}, following nobody). The likes, both ends with the post's like
     * count, go in with COPY first; then the post is published as {@code PostStatus} publishes one: the status, its
     * POSTED edge and count and a fan-out task in one transaction through the graph (which invalidates the author's
     * cached count and profile range), so the server's own fan-out puts it into the feeds. Call
     * {@link Scalegram#awaitTasks} before reading followers' home feeds of a pushed author.
     */
    static LikedPost postWithLikes(Scalegram app, long authorId, long[] likers, int likes, PrintStream log) {
        if (likes < 0) {
            throw new IllegalArgumentException("likes must be >= 0, not " + likes);
        }
        long t0 = System.nanoTime();
        Graph graph = app.graph();
        int logical = graph.shards().logicalShards();
        var author = graph.objGet(authorId).filter(o -> o.type() == ObjectType.ACCOUNT)
                .orElseThrow(() -> new IllegalArgumentException("no account " + authorId));
        String authorName = author.as(Account.class).username();
        int given = Math.min(likes, likers.length);
        long[] distinct = Arrays.copyOf(likers, given);
        Arrays.sort(distinct);
        for (int i = 1; i < given; i++) {
            if (distinct[i] == distinct[i - 1]) {
                throw new IllegalArgumentException("account " + distinct[i] + " is among the likers twice");
            }
        }
        log.printf("seed: a post by %s with %,d likes (%,d by new accounts)%n", authorName, likes, likes - given);
        BulkLoad load = new BulkLoad(graph.shards(), log);
        String hash = likes > given ? passwordHash() : null;
        People extra = People.fresh(graph, "l", likes - given);
        SeedIds ids = new SeedIds(logical);
        extra.allocate(ids);
        int postShard = ScalegramId.shard(authorId);
        long statusId = ids.next(postShard);
        long[] all = Arrays.copyOf(likers, likes);
        System.arraycopy(extra.id, 0, all, given, likes - given);
        long[] pos = new long[likes];
        for (int i = 0; i < likes; i++) {
            pos[i] = ids.next(postShard);
        }
        if (extra.size > 0) {
            writeAccounts(load, hash, extra);
        }
        int[] likerShard = new int[likes];
        for (int i = 0; i < likes; i++) {
            likerShard[i] = ScalegramId.shard(all[i]);
        }
        int[][] likersOf = group(likerShard, logical);
        long[] w = new long[logical];
        for (int s = 0; s < logical; s++) {
            w[s] = likersOf[s].length;
        }
        w[postShard] += likes + 1;
        load.phase("likes", w, List.of(
                new BulkLoad.Table("assocs", "id1, type, id2, pos", (s, out) -> {
                    for (int i : likersOf[s]) {
                        edge(out, all[i], Relation.LIKES, statusId, pos[i]);
                    }
                    if (s == postShard) {
                        for (int i = 0; i < likes; i++) {
                            edge(out, statusId, Relation.LIKED_BY, all[i], pos[i]);
                        }
                    }
                }),
                new BulkLoad.Table("counts", "id1, type, n", (s, out) -> {
                    if (s == postShard) {
                        count(out, statusId, Relation.LIKED_BY, likes);
                    }
                })));
        load.vacuum();
        // Published only now: the server makes ids again (the outbox row) once the clock is past the loaded ones.
        ids.awaitClockPast();
        Status status = status(authorId, "A post with " + likes + " likes by " + authorName);
        graph.write(postShard, tx -> {
            tx.objAdd(statusId, ObjectType.STATUS, status);
            tx.assocAdd(authorId, Relation.POSTED, statusId, statusId, null);
            tx.enqueue(FanOut.FANOUT, new FanOut.Post(statusId, authorId));
            return null;
        });
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("status_id", statusId);
        stats.put("author_id", authorId);
        stats.put("likes", likes);
        stats.put("new_accounts", extra.size);
        if (extra.size > 0) {
            stats.put("new_account_username_prefix", extra.prefix);
        }
        stats.putAll(load.stats());
        log.printf("seed: post %d with %,d likes done in %.1f s%n", statusId, likes, (System.nanoTime() - t0) / 1e9);
        return new LikedPost(statusId, all, extra.size, stats);
    }

    // ---- phases shared by the three loads

    /** Accounts, their LOGIN objects and their username and email claims, for every group given. */
    private static void writeAccounts(BulkLoad load, String hash, People... groups) {
        int logical = load.logicalShards();
        int[][][] byName = new int[groups.length][][];
        int[][][] byEmail = new int[groups.length][][];
        long[] w = new long[logical];
        for (int g = 0; g < groups.length; g++) {
            byName[g] = groups[g].byShard(logical);
            byEmail[g] = group(groups[g].emailShard, logical);
            for (int s = 0; s < logical; s++) {
                w[s] += 3L * byName[g][s].length + byEmail[g][s].length;
            }
        }
        load.phase("accounts", w, List.of(
                new BulkLoad.Table("objects", "id, type, data", (s, out) -> {
                    for (int g = 0; g < groups.length; g++) {
                        People p = groups[g];
                        for (int i : byName[g][s]) {
                            String name = p.name(i);
                            out.col(p.id[i]).col(ObjectType.ACCOUNT.code()).col(Json.string(new Account(name, name, "",
                                    p.createdAt, p.login[i], p.pulled != null && p.pulled[i]))).end();
                            out.col(p.login[i]).col(ObjectType.LOGIN.code())
                                    .col(Json.string(new Login(p.id[i], p.email(i), hash))).end();
                        }
                    }
                }),
                new BulkLoad.Table("names", "ns, name, id", (s, out) -> {
                    for (int g = 0; g < groups.length; g++) {
                        People p = groups[g];
                        for (int i : byName[g][s]) {
                            out.col(RegisterAccount.USERNAMES).col(p.name(i).toLowerCase(Locale.ROOT)).col(p.id[i]).end();
                        }
                        for (int i : byEmail[g][s]) {
                            out.col(RegisterAccount.EMAILS).col(p.email(i)).col(p.id[i]).end();
                        }
                    }
                })));
    }

    /**
     * Access tokens as {@code OAuthStore.issueToken} stores them: a TOKEN object and the name (the SHA-256 of the
     * token string) leading to it, both on the digest's shard. Returns the token strings, one per account.
     */
    private static String[] writeTokens(BulkLoad load, Graph graph, SeedIds ids, long appId, long[] accounts) {
        int logical = load.logicalShards();
        int n = accounts.length;
        String[] tokens = new String[n];
        String[] digests = new String[n];
        int[] shard = new int[n];
        long[] tokenIds = new long[n];
        byte[] b = new byte[32];
        for (int i = 0; i < n; i++) {
            SECURE.nextBytes(b);
            tokens[i] = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            digests[i] = OAuthStore.digest(tokens[i]);
            shard[i] = graph.shardForName(OAuthStore.TOKENS, digests[i]);
            tokenIds[i] = ids.next(shard[i]);
        }
        int[][] of = group(shard, logical);
        long[] w = new long[logical];
        for (int s = 0; s < logical; s++) {
            w[s] = 2L * of[s].length;
        }
        long now = System.currentTimeMillis();
        load.phase("tokens", w, List.of(
                new BulkLoad.Table("objects", "id, type, data", (s, out) -> {
                    for (int i : of[s]) {
                        out.col(tokenIds[i]).col(ObjectType.TOKEN.code())
                                .col(Json.string(new OAuthStore.Token(appId, accounts[i], SCOPES, now))).end();
                    }
                }),
                new BulkLoad.Table("names", "ns, name, id", (s, out) -> {
                    for (int i : of[s]) {
                        out.col(OAuthStore.TOKENS).col(digests[i]).col(tokenIds[i]).end();
                    }
                })));
        return tokens;
    }

    /**
     * Every reader's feed as fan-out would have left it: its own posts and those of the pushed accounts it follows,
     * the newest {@code cap}. One store write per shard (in slices of about 200,000 items for very large shards).
     */
    private static long writeFeeds(FeedStore store, BulkLoad load, int cap, People users, int[][] usersOf, Follows f,
            long[] postIds, int perUser) {
        int logical = usersOf.length;
        long[] w = new long[logical];
        for (int u = 0; u < users.size; u++) {
            long pushed = 0;
            for (int e = f.start[u]; e < f.start[u + 1]; e++) {
                pushed += users.pulled[f.target[e]] ? 0 : 1;
            }
            w[users.shard[u]] += Math.min(cap, (1 + pushed) * perUser);
        }
        boolean inPostgres = store instanceof PgFeedStore;
        load.perShard("feeds", w, (s, progress) -> {
            Map<Long, List<FeedItem>> slice = new HashMap<>();
            long inSlice = 0;
            long written = 0;
            List<FeedItem> items = new ArrayList<>();
            for (int u : usersOf[s]) {
                items.clear();
                addPosts(items, users.id[u], postIds, u, perUser);
                for (int e = f.start[u]; e < f.start[u + 1]; e++) {
                    int v = f.target[e];
                    if (!users.pulled[v]) {
                        addPosts(items, users.id[v], postIds, v, perUser);
                    }
                }
                if (items.isEmpty()) {
                    continue;
                }
                items.sort((a, b) -> Long.compare(b.statusId(), a.statusId()));
                List<FeedItem> kept = List.copyOf(items.subList(0, Math.min(cap, items.size())));
                slice.put(users.id[u], kept);
                inSlice += kept.size();
                if (inSlice >= 200_000) {
                    store.load(slice);
                    progress.advance(inSlice);
                    written += inSlice;
                    slice.clear();
                    inSlice = 0;
                }
            }
            if (!slice.isEmpty()) {
                store.load(slice);
                progress.advance(inSlice);
                written += inSlice;
            }
            load.counted("feed_items", written);
            if (inPostgres && written > 0) {
                load.touched("feed_items", s, written);
            }
            return written;
        });
        return Arrays.stream(w).sum();
    }

    private static void addPosts(List<FeedItem> items, long authorId, long[] postIds, int author, int perUser) {
        for (int k = 0; k < perUser; k++) {
            items.add(new FeedItem(postIds[author * perUser + k], authorId));
        }
    }

    // ---- rows

    private static void edge(BulkLoad.Rows out, long id1, Relation r, long id2, long pos) throws java.sql.SQLException {
        out.col(id1).col(r.code()).col(id2).col(pos).end();
    }

    /** A counts row; none for 0, as the product never writes a 0 for a relation it has not seen. */
    private static void count(BulkLoad.Rows out, long id1, Relation r, long n) throws java.sql.SQLException {
        if (n > 0) {
            out.col(id1).col(r.code()).col(n).end();
        }
    }

    private static Status status(long authorId, String text) {
        return new Status(authorId, text, List.of(), 0, 0, List.of());
    }

    // ---- the graph in memory

    /** New accounts: account i's username is the prefix and i (or the one name given); its shards and ids. */
    private static final class People {

        final int size;
        final String prefix;
        private final String single;
        final int[] shard;
        final int[] emailShard;
        final long createdAt = System.currentTimeMillis();
        long[] id;
        long[] login;
        boolean[] pulled;

        private People(Graph graph, int size, String prefix, String single) {
            this.size = size;
            this.prefix = prefix;
            this.single = single;
            this.shard = new int[size];
            this.emailShard = new int[size];
            for (int i = 0; i < size; i++) {
                shard[i] = graph.shardForName(RegisterAccount.USERNAMES, name(i).toLowerCase(Locale.ROOT));
                emailShard[i] = graph.shardForName(RegisterAccount.EMAILS, email(i));
            }
        }

        /** {@code count} accounts under a random tag no earlier load used: {@code letter}, 6 characters, "_". */
        static People fresh(Graph graph, String letter, int count) {
            String prefix;
            do {
                StringBuilder b = new StringBuilder(letter);
                for (int i = 0; i < 6; i++) {
                    b.append(Character.forDigit(SECURE.nextInt(36), 36));
                }
                prefix = b.append('_').toString();
            } while (nameTaken(graph, RegisterAccount.USERNAMES, prefix + "0"));
            return new People(graph, count, prefix, null);
        }

        static People named(Graph graph, String username) {
            return new People(graph, 1, null, username);
        }

        String name(int i) {
            return single != null ? single : prefix + i;
        }

        /** Lower-cased, as the email claim stores it. */
        String email(int i) {
            return name(i).toLowerCase(Locale.ROOT) + "@" + EMAIL_DOMAIN;
        }

        /** Account and login ids, in index order, each on the account's shard. */
        void allocate(SeedIds ids) {
            id = new long[size];
            login = new long[size];
            for (int i = 0; i < size; i++) {
                id[i] = ids.next(shard[i]);
                login[i] = ids.next(shard[i]);
            }
        }

        int[][] byShard(int logical) {
            return group(shard, logical);
        }
    }

    /**
     * Who follows whom. Edge e is source[e] -> target[e], followed at pos[e]; user u's edges are start[u] ..
     * start[u + 1] - 1, and revEdge[revStart[v] .. revStart[v + 1] - 1] are the edges into v.
     */
    private static final class Follows {

        int[] start;
        int[] source;
        int[] target;
        long[] pos;
        int[] revStart;
        int[] revEdge;

        static Follows draw(People users, Spec spec, SplittableRandom random, SeedIds ids) {
            int n = users.size;
            int most = (int) Math.min(n - 1L, 10L * spec.meanFollowing());
            int[] want = new int[n];
            long sum = 0;
            for (int u = 0; u < n && most > 0; u++) {
                // Exponential around the mean: most follow a few dozen, some a few hundred.
                long k = Math.round(-spec.meanFollowing() * Math.log(1 - random.nextDouble()));
                want[u] = Math.clamp(k, 1, most);
                sum += want[u];
            }
            Follows f = new Follows();
            f.start = new int[n + 1];
            f.source = new int[(int) sum];
            f.target = new int[(int) sum];
            f.pos = new long[(int) sum];
            Zipf rank = new Zipf(n, spec.zipfExponent(), random);
            int[] chosenBy = new int[n];
            int e = 0;
            for (int u = 0; u < n; u++) {
                f.start[u] = e;
                // Rejection: the popular head is drawn again and again; bounded so a tiny network cannot loop long.
                for (int got = 0, tries = 0; got < want[u] && tries < 20 * want[u] + 1000; tries++) {
                    int v = rank.next();
                    if (v == u || chosenBy[v] == u + 1) {
                        continue;
                    }
                    chosenBy[v] = u + 1;
                    f.source[e] = u;
                    f.target[e] = v;
                    f.pos[e] = ids.next(users.shard[u]);
                    e++;
                    got++;
                }
            }
            f.start[n] = e;
            f.revStart = new int[n + 1];
            for (int i = 0; i < e; i++) {
                f.revStart[f.target[i] + 1]++;
            }
            for (int v = 0; v < n; v++) {
                f.revStart[v + 1] += f.revStart[v];
            }
            f.revEdge = new int[e];
            int[] fill = Arrays.copyOf(f.revStart, n);
            for (int i = 0; i < e; i++) {
                f.revEdge[fill[f.target[i]]++] = i;
            }
            return f;
        }

        int following(int u) {
            return start[u + 1] - start[u];
        }

        int followers(int v) {
            return revStart[v + 1] - revStart[v];
        }

        long edges() {
            return start[start.length - 1];
        }

        int maxFollowers() {
            int m = 0;
            for (int v = 0; v + 1 < revStart.length; v++) {
                m = Math.max(m, followers(v));
            }
            return m;
        }
    }

    /**
     * Who liked what. Like l is liker[l] on post rank post[l], at pos[l]; post p's likes are start[p] ..
     * start[p + 1] - 1, and revLike[revStart[u] .. revStart[u + 1] - 1] are user u's.
     */
    private static final class Likes {

        int[] start;
        int[] liker;
        int[] post;
        long[] pos;
        int[] revStart;
        int[] revLike;

        static Likes draw(People users, long[] postIds, int perUser, Spec spec, SplittableRandom random,
                SeedIds ids) {
            int n = users.size;
            int posts = postIds.length;
            long total = (long) posts * spec.meanLikesPerPost();
            int[] count = new int[posts];
            if (total > 0) {
                Zipf rank = new Zipf(posts, spec.zipfExponent(), random);
                for (long i = 0; i < total; i++) {
                    count[rank.next()]++;
                }
                // No post can have more likes than there are users: the surplus moves on down the ranks (and round
                // again from the top if need be; check() made sure everything fits).
                long carry = 0;
                do {
                    for (int p = 0; p < posts; p++) {
                        long c = count[p] + carry;
                        carry = Math.max(0, c - n);
                        count[p] = (int) Math.min(c, n);
                    }
                } while (carry > 0);
            }
            Likes l = new Likes();
            l.start = new int[posts + 1];
            for (int p = 0; p < posts; p++) {
                l.start[p + 1] = l.start[p] + count[p];
            }
            l.liker = new int[(int) total];
            l.post = new int[(int) total];
            l.pos = new long[(int) total];
            int[] mark = new int[n];
            for (int p = 0; p < posts; p++) {
                int c = count[p];
                int base = l.start[p];
                if (c <= n / 2) {
                    for (int got = 0; got < c; ) {
                        int v = random.nextInt(n);
                        if (mark[v] != p + 1) {
                            mark[v] = p + 1;
                            l.liker[base + got++] = v;
                        }
                    }
                } else {
                    // Most users like it: draw the ones who do not, take the rest, and shuffle them into an order.
                    for (int skipped = 0; skipped < n - c; ) {
                        int v = random.nextInt(n);
                        if (mark[v] != p + 1) {
                            mark[v] = p + 1;
                            skipped++;
                        }
                    }
                    int j = base;
                    for (int v = 0; v < n; v++) {
                        if (mark[v] != p + 1) {
                            l.liker[j++] = v;
                        }
                    }
                    for (int i = c - 1; i > 0; i--) {
                        int k = random.nextInt(i + 1);
                        int t = l.liker[base + i];
                        l.liker[base + i] = l.liker[base + k];
                        l.liker[base + k] = t;
                    }
                }
                int shard = users.shard[p / perUser];
                for (int i = base; i < base + c; i++) {
                    l.post[i] = p;
                    l.pos[i] = ids.next(shard);
                }
            }
            l.revStart = new int[n + 1];
            for (int v : l.liker) {
                l.revStart[v + 1]++;
            }
            for (int u = 0; u < n; u++) {
                l.revStart[u + 1] += l.revStart[u];
            }
            l.revLike = new int[l.liker.length];
            int[] fill = Arrays.copyOf(l.revStart, n);
            for (int i = 0; i < l.liker.length; i++) {
                l.revLike[fill[l.liker[i]]++] = i;
            }
            return l;
        }

        int of(int p) {
            return start[p + 1] - start[p];
        }

        int byLiker(int u) {
            return revStart[u + 1] - revStart[u];
        }

        long count() {
            return liker.length;
        }

        int max() {
            int m = 0;
            for (int p = 0; p + 1 < start.length; p++) {
                m = Math.max(m, of(p));
            }
            return m;
        }
    }

    // ---- helpers

    private static void check(Spec spec) {
        if (spec.users() < 1) {
            throw new IllegalArgumentException("users must be >= 1, not " + spec.users());
        }
        if (spec.meanFollowing() < 0 || spec.postsPerUser() < 0 || spec.meanLikesPerPost() < 0) {
            throw new IllegalArgumentException("following, posts per user and likes per post must be >= 0: " + spec);
        }
        if (spec.tokens() < 0 || spec.tokens() > spec.users()) {
            throw new IllegalArgumentException("tokens must be 0 .. users (" + spec.users() + "), not " + spec.tokens());
        }
        if (!(spec.zipfExponent() >= 0) || Double.isInfinite(spec.zipfExponent())) {
            throw new IllegalArgumentException("the Zipf exponent must be a number >= 0, not " + spec.zipfExponent());
        }
        if (spec.meanLikesPerPost() > spec.users()) {
            throw new IllegalArgumentException("likes per post (" + spec.meanLikesPerPost()
                    + ") cannot exceed users (" + spec.users() + "): each user likes a post at most once");
        }
        long limit = 1L << 30; // edges, posts and likes are indexed by int arrays
        long posts = (long) spec.users() * spec.postsPerUser();
        if (10L * spec.users() * spec.meanFollowing() > limit || posts > limit
                || posts * spec.meanLikesPerPost() > limit) {
            throw new IllegalArgumentException("too big for one load: " + spec);
        }
    }

    /** Indices 0 .. key.length - 1 grouped by key (a counting sort), in index order within a group. */
    static int[][] group(int[] key, int groups) {
        int[] size = new int[groups];
        for (int k : key) {
            size[k]++;
        }
        int[][] out = new int[groups][];
        for (int g = 0; g < groups; g++) {
            out[g] = new int[size[g]];
        }
        int[] fill = new int[groups];
        for (int i = 0; i < key.length; i++) {
            out[key[i]][fill[key[i]]++] = i;
        }
        return out;
    }

    /**
     * Whether a name is claimed, read from its shard and not through the cache: a cached "absent" would outlive the
     * claim this load is about to write without invalidating anything.
     */
    private static boolean nameTaken(Graph graph, String namespace, String name) {
        return graph.shards().read(graph.shardForName(namespace, name), (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(sql.of("SELECT 1 FROM {s}.names WHERE ns = ? AND name = ?"))) {
                ps.setString(1, namespace);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /** The OAuth app the tokens belong to, registered the normal way. */
    private static long createApp(Graph graph) {
        return new OAuthStore(graph).createApp("scalegram-seed", "", List.of("urn:ietf:wg:oauth:2.0:oob"),
                new LinkedHashSet<>(List.of(SCOPES.split(" ")))).id();
    }

    private static synchronized String passwordHash() {
        if (passwordHash == null) {
            passwordHash = Passwords.hash(PASSWORD);
        }
        return passwordHash;
    }
}
