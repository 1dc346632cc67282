package dev.scalegram.social;

import dev.scalegram.graph.Graph;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.ScalegramId;

/** Saves and unsaves a status: a private SAVED edge on the viewer's shard, no inverse, no count. */
public final class BookmarkStatus {

    private final Graph graph;

    public BookmarkStatus(Graph graph) {
        this.graph = graph;
    }

    public void bookmark(long viewerId, long statusId) {
        FavouriteStatus.requireStatus(graph, statusId);
        graph.write(ScalegramId.shard(viewerId), tx -> tx.assocAdd(viewerId, Relation.SAVED, statusId));
    }

    public void unbookmark(long viewerId, long statusId) {
        FavouriteStatus.requireStatus(graph, statusId);
        graph.write(ScalegramId.shard(viewerId), tx -> tx.assocDelete(viewerId, Relation.SAVED, statusId));
    }
}
