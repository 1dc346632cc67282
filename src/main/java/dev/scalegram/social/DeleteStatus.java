package dev.scalegram.social;

import dev.scalegram.feed.FanOut;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.ScalegramId;

/**
 * Deletes one's own status. The object and its POSTED or COMMENT_ON edge go in one transaction (so counts drop at
 * once); removal from feeds, the public timeline and hashtags follows by task. Everything else that still points at
 * the status (likes, bookmarks, notifications) is dropped when pages are hydrated, because the object is gone.
 */
public final class DeleteStatus {

    private final Graph graph;

    public DeleteStatus(Graph graph) {
        this.graph = graph;
    }

    /** @return the deleted status, for the response */
    public Status delete(long viewerId, long statusId) {
        Status s = graph.objGet(statusId).filter(o -> o.type() == ObjectType.STATUS)
                .orElseThrow(() -> Problem.notFound("Record not found")).as(Status.class);
        if (s.authorId() != viewerId) {
            throw Problem.forbidden("This action is not allowed");
        }
        graph.write(ScalegramId.shard(statusId), tx -> {
            if (!tx.objDelete(statusId)) {
                return null; // deleted concurrently
            }
            if (s.isComment()) {
                tx.assocDelete(statusId, Relation.COMMENT_ON, s.inReplyToId());
            } else {
                tx.assocDelete(s.authorId(), Relation.POSTED, statusId);
                tx.enqueue(FanOut.UNFANOUT, new FanOut.Post(statusId, s.authorId()));
                tx.enqueue(Tasks.PUBLISH, new Tasks.Publish(statusId, s.authorId(), false));
                if (!s.tags().isEmpty()) {
                    tx.enqueue(Tasks.TAG, new Tasks.Tag(statusId, s.tags(), false));
                }
            }
            return null;
        });
        return s;
    }
}
