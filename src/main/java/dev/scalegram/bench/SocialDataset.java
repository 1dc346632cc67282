package dev.scalegram.bench;

import dev.scalegram.server.Scalegram;
import java.io.PrintStream;
import java.util.Map;

/**
 * A social network written in bulk into a server's storage: accounts that can log in, Zipf-distributed followings
 * (popular accounts are followed far more), posts, Zipf-distributed likes, and the home feeds fan-out would have
 * written. Rows go in with PostgreSQL COPY (and Cassandra batches for feeds kept there), exactly the rows the graph
 * layer would have written one request at a time, so the server reads them like any other data.
 *
 * <p>Seed a server before it serves: the bulk path writes no cache keys, so nothing a server cached earlier about
 * these rows is invalidated. Every id is new, so nothing stale can exist for them in a fresh cache.
 */
final class SocialDataset {

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
                long seed) {}

    /**
     * What was written.
     *
     * @param accounts account ids, by user index
     * @param tokens access tokens of users 0 .. spec.tokens - 1
     * @param posts every post id, newest last
     * @param stats counts and timings, for a result's JSON
     */
    record Seeded(long[] accounts, String[] tokens, long[] posts, Map<String, Object> stats) {}

    /** Writes {@code spec}'s network into {@code app}'s storage, printing progress about once a second. */
    static Seeded seed(Scalegram app, Spec spec, PrintStream log) {
        throw new UnsupportedOperationException("not written yet");
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
        throw new UnsupportedOperationException("not written yet");
    }
}
