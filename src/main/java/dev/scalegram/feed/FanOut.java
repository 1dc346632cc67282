package dev.scalegram.feed;

import dev.scalegram.config.Topology.FeedConfig;
import dev.scalegram.graph.Assoc;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.Page;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.json.Json;
import dev.scalegram.tasks.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * Fan-out on write, as task handlers. A new post goes into the author's own feed and, page by page through the
 * author's FOLLOWED_BY range, into every follower's feed — unless the author is "pulled" (above the follower
 * threshold), in which case followers merge the author's posts in at read time ({@link HomeFeed}). Every step is
 * idempotent, so a retried task rewrites what is already there.
 *
 * <p>One task covers at most {@link #BATCHES_PER_TASK} pages of followers and then hands the rest to a continuation
 * task carrying its cursor. A task's run time is then bounded whatever the audience: it stays well inside the relay's
 * visibility timeout (a task still running past it would be handed out a second time), a crash redoes one slice and
 * not the whole audience, and other tasks on the shard are not held up behind a million feed writes.
 */
public final class FanOut {

    public static final String FANOUT = "feed.fanout";
    public static final String UNFANOUT = "feed.unfanout";
    public static final String PULL_MIGRATE = "feed.pull_migrate";

    /** Pages of followers one task handles before it enqueues a continuation. */
    static final int BATCHES_PER_TASK = 20;

    /**
     * A post to push into (or pull out of) feeds.
     *
     * @param before 0 for the first task; for a continuation, the FOLLOWED_BY position to go on below
     */
    public record Post(long statusId, long authorId, long before) {
        public Post(long statusId, long authorId) {
            this(statusId, authorId, 0);
        }
    }

    /**
     * An author who became pulled: each follower gets a PULLS edge.
     *
     * @param before 0 for the first task; for a continuation, the FOLLOWED_BY position to go on below
     */
    public record Author(long authorId, long before) {
        public Author(long authorId) {
            this(authorId, 0);
        }
    }

    private final Graph graph;
    private final FeedStore feeds;
    private final FeedConfig config;
    private final LongPredicate pulled;

    /** @param pulled whether an author's posts are pulled at read time instead of fanned out */
    public FanOut(Graph graph, FeedStore feeds, FeedConfig config, LongPredicate pulled) {
        this.graph = graph;
        this.feeds = feeds;
        this.config = config;
        this.pulled = pulled;
    }

    public void fanOut(Task task) {
        Post p = Json.convert(task.payload(), Post.class);
        if (p.before() == 0) {
            feeds.addToFeeds(List.of(p.authorId()), p.statusId(), p.authorId());
        }
        if (pulled.test(p.authorId())) {
            return;
        }
        long rest = forFollowerBatches(p.authorId(), p.before(), batch -> feeds.addToFeeds(batch, p.statusId(),
                p.authorId()));
        if (rest != 0) {
            continueWith(p.authorId(), FANOUT, new Post(p.statusId(), p.authorId(), rest));
        }
    }

    public void unFanOut(Task task) {
        Post p = Json.convert(task.payload(), Post.class);
        if (p.before() == 0) {
            feeds.removeFromFeeds(List.of(p.authorId()), p.statusId());
        }
        long rest = forFollowerBatches(p.authorId(), p.before(), batch -> feeds.removeFromFeeds(batch, p.statusId()));
        if (rest != 0) {
            continueWith(p.authorId(), UNFANOUT, new Post(p.statusId(), p.authorId(), rest));
        }
    }

    /** Gives every follower of a newly pulled author a PULLS edge, so reads merge the author's posts in. */
    public void migrateToPull(Task task) {
        Author a = Json.convert(task.payload(), Author.class);
        long rest = forFollowerBatches(a.authorId(), a.before(), batch -> {
            // One transaction per follower shard in the page, not one per follower.
            ScalegramId.byShard(batch).forEach((shard, followers) -> graph.write(shard, tx -> {
                for (long follower : followers) {
                    tx.assocAdd(follower, Relation.PULLS, a.authorId());
                }
                return null;
            }));
        });
        if (rest != 0) {
            continueWith(a.authorId(), PULL_MIGRATE, new Author(a.authorId(), rest));
        }
    }

    private void continueWith(long authorId, String kind, Object payload) {
        graph.write(ScalegramId.shard(authorId), tx -> {
            tx.enqueue(kind, payload);
            return null;
        });
    }

    /**
     * Runs {@code batchWork} on up to {@link #BATCHES_PER_TASK} pages of the author's followers, newest follow first,
     * starting below {@code before} (0: from the newest).
     *
     * @return 0 when every follower was covered, else the position to continue below
     */
    private long forFollowerBatches(long authorId, long before, java.util.function.Consumer<List<Long>> batchWork) {
        long cursor = before;
        for (int n = 0; n < BATCHES_PER_TASK; n++) {
            List<Assoc> page = graph.assocRange(authorId, Relation.FOLLOWED_BY,
                    new Page(cursor, 0, 0, config.fanoutBatch()));
            if (page.isEmpty()) {
                return 0;
            }
            List<Long> readers = new ArrayList<>(page.size());
            page.forEach(a -> readers.add(a.id2()));
            batchWork.accept(readers);
            if (page.size() < config.fanoutBatch()) {
                return 0;
            }
            cursor = page.getLast().pos();
        }
        return cursor;
    }
}
