package dev.scalegram.social;

import dev.scalegram.config.Topology.FeedConfig;
import dev.scalegram.feed.Activity;
import dev.scalegram.feed.ActivityStore;
import dev.scalegram.feed.FanOut;
import dev.scalegram.feed.FeedStore;
import dev.scalegram.graph.Assoc;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.Page;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.json.Json;
import dev.scalegram.tasks.Task;
import java.util.List;

/**
 * The asynchronous half of follow and unfollow. After a follow: notify the followee; if the followee is pulled, give
 * the follower a PULLS edge, else copy the followee's recent posts into the follower's feed (which also covers a post
 * whose fan-out read the follower list just before this follow landed); and if the followee has just crossed the
 * fan-out threshold, mark it pulled and migrate its followers. After an unfollow: drop the PULLS edge and the
 * followee's posts from the follower's feed.
 */
public final class FollowWorker {

    private static final int BACKFILL = 40;

    private final Graph graph;
    private final FeedStore feeds;
    private final ActivityStore activity;
    private final FeedConfig config;

    public FollowWorker(Graph graph, FeedStore feeds, ActivityStore activity, FeedConfig config) {
        this.graph = graph;
        this.feeds = feeds;
        this.activity = activity;
        this.config = config;
    }

    /**
     * Whether the follow stands, read from the follower's shard and not the cache: the relay can hand this task out
     * the moment the follow commits, before the writer has invalidated the cached edge, and a page that showed the
     * Follow button has just cached "not following" (or, for an unfollow, "following").
     */
    private boolean followsNow(Tasks.FollowRef f) {
        return graph.write(ScalegramId.shard(f.followerId()),
                tx -> tx.assocExists(f.followerId(), Relation.FOLLOWS, f.followeeId()));
    }

    public void afterFollow(Task task) {
        Tasks.FollowRef f = Json.convert(task.payload(), Tasks.FollowRef.class);
        if (!followsNow(f)) {
            return; // unfollowed meanwhile
        }
        activity.add(f.followeeId(), Activity.Type.FOLLOW, f.followerId(), 0);
        var followee = graph.objGet(f.followeeId()).filter(o -> o.type() == ObjectType.ACCOUNT);
        if (followee.isEmpty()) {
            return;
        }
        Account account = followee.get().as(Account.class);
        if (!account.pulled() && graph.assocCount(f.followeeId(), Relation.FOLLOWED_BY) > config.fanoutThreshold()) {
            boolean marked = graph.write(ScalegramId.shard(f.followeeId()), tx -> {
                var locked = tx.objGetForUpdate(f.followeeId());
                if (locked.isEmpty() || locked.get().as(Account.class).pulled()) {
                    return false;
                }
                tx.objUpdate(f.followeeId(), locked.get().as(Account.class).withPulled(true));
                tx.enqueue(FanOut.PULL_MIGRATE, new FanOut.Author(f.followeeId()));
                return true;
            });
            account = account.withPulled(account.pulled() || marked);
        }
        if (account.pulled()) {
            graph.write(ScalegramId.shard(f.followerId()),
                    tx -> tx.assocAdd(f.followerId(), Relation.PULLS, f.followeeId()));
        } else {
            List<Long> recent = graph.assocRange(f.followeeId(), Relation.POSTED, Page.newest(BACKFILL))
                    .stream().map(Assoc::id2).toList();
            feeds.addToFeed(f.followerId(), recent, f.followeeId());
        }
    }

    public void afterUnfollow(Task task) {
        Tasks.FollowRef f = Json.convert(task.payload(), Tasks.FollowRef.class);
        if (followsNow(f)) {
            return; // followed again meanwhile
        }
        graph.write(ScalegramId.shard(f.followerId()),
                tx -> tx.assocDelete(f.followerId(), Relation.PULLS, f.followeeId()));
        feeds.removeAuthor(f.followerId(), f.followeeId());
    }
}
