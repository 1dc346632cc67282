package dev.scalegram.social;

import dev.scalegram.feed.Activity;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.ScalegramId;

/**
 * Likes and unlikes. LIKED_BY and the like count are written on the status's shard in one transaction, so the
 * response already shows favourited and the new count; LIKES on the liker's shard and the notification follow by
 * task. A repeated like changes nothing.
 */
public final class FavouriteStatus {

    private final Graph graph;

    public FavouriteStatus(Graph graph) {
        this.graph = graph;
    }

    public void favourite(long viewerId, long statusId) {
        Status s = requireStatus(graph, statusId);
        graph.write(ScalegramId.shard(statusId), tx -> {
            if (tx.assocAdd(statusId, Relation.LIKED_BY, viewerId) && s.authorId() != viewerId) {
                tx.enqueue(Tasks.NOTIFY, new Tasks.Notify(s.authorId(), Activity.Type.FAVOURITE.name(), viewerId, statusId));
            }
            return null;
        });
    }

    public void unfavourite(long viewerId, long statusId) {
        requireStatus(graph, statusId);
        graph.write(ScalegramId.shard(statusId), tx -> tx.assocDelete(statusId, Relation.LIKED_BY, viewerId));
    }

    static Status requireStatus(Graph graph, long id) {
        return graph.objGet(id).filter(o -> o.type() == ObjectType.STATUS)
                .orElseThrow(() -> Problem.notFound("Record not found")).as(Status.class);
    }
}
