package dev.scalegram.social;

import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.ScalegramId;

/**
 * Follows an account. FOLLOWS is written on the follower's shard now (the response shows it); FOLLOWED_BY, the
 * notification, the backfill of recent posts and, for pulled authors, the PULLS edge follow through tasks.
 */
public final class FollowAccount {

    private final Graph graph;

    public FollowAccount(Graph graph) {
        this.graph = graph;
    }

    public void follow(long followerId, long followeeId) {
        requireAccount(graph, followeeId);
        if (followerId == followeeId) {
            throw Problem.forbidden("You cannot follow yourself");
        }
        graph.write(ScalegramId.shard(followerId), tx -> {
            if (tx.assocAdd(followerId, Relation.FOLLOWS, followeeId)) {
                tx.enqueue(Tasks.AFTER_FOLLOW, new Tasks.FollowRef(followerId, followeeId));
            }
            return null;
        });
    }

    public void unfollow(long followerId, long followeeId) {
        requireAccount(graph, followeeId);
        graph.write(ScalegramId.shard(followerId), tx -> {
            if (tx.assocDelete(followerId, Relation.FOLLOWS, followeeId)) {
                tx.enqueue(Tasks.AFTER_UNFOLLOW, new Tasks.FollowRef(followerId, followeeId));
            }
            return null;
        });
    }

    static Account requireAccount(Graph graph, long id) {
        return graph.objGet(id).filter(o -> o.type() == ObjectType.ACCOUNT)
                .orElseThrow(() -> Problem.notFound("Record not found")).as(Account.class);
    }
}
