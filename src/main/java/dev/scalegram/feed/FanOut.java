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
 */
public final class FanOut {

    public static final String FANOUT = "feed.fanout";
    public static final String UNFANOUT = "feed.unfanout";
    public static final String PULL_MIGRATE = "feed.pull_migrate";

    /** A post to push into (or pull out of) feeds. */
    public record Post(long statusId, long authorId) {}

    /** An author who became pulled: each follower gets a PULLS edge. */
    public record Author(long authorId) {}

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
        feeds.addToFeeds(List.of(p.authorId()), p.statusId(), p.authorId());
        if (pulled.test(p.authorId())) {
            return;
        }
        forEachFollowerBatch(p.authorId(), batch -> feeds.addToFeeds(batch, p.statusId(), p.authorId()));
    }

    public void unFanOut(Task task) {
        Post p = Json.convert(task.payload(), Post.class);
        feeds.removeFromFeeds(List.of(p.authorId()), p.statusId());
        forEachFollowerBatch(p.authorId(), batch -> feeds.removeFromFeeds(batch, p.statusId()));
    }

    /** Gives every follower of a newly pulled author a PULLS edge, so reads merge the author's posts in. */
    public void migrateToPull(Task task) {
        Author a = Json.convert(task.payload(), Author.class);
        forEachFollowerBatch(a.authorId(), batch -> {
            for (long follower : batch) {
                graph.write(ScalegramId.shard(follower), tx -> tx.assocAdd(follower, Relation.PULLS, a.authorId()));
            }
        });
    }

    private void forEachFollowerBatch(long authorId, java.util.function.Consumer<List<Long>> batchWork) {
        long before = 0;
        while (true) {
            List<Assoc> page = graph.assocRange(authorId, Relation.FOLLOWED_BY,
                    new Page(before, 0, 0, config.fanoutBatch()));
            if (page.isEmpty()) {
                return;
            }
            List<Long> readers = new ArrayList<>(page.size());
            page.forEach(a -> readers.add(a.id2()));
            batchWork.accept(readers);
            if (page.size() < config.fanoutBatch()) {
                return;
            }
            before = page.getLast().pos();
        }
    }
}
