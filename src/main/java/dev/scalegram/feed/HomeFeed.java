package dev.scalegram.feed;

import dev.scalegram.graph.Assoc;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.Page;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a home feed: the reader's pushed items merged, by id (ids are time-ordered), with the recent posts of the
 * pulled authors the reader follows (hybrid push/pull). Items by authors the reader no longer follows are dropped, so
 * an unfollow takes effect at once even while its cleanup task is still queued.
 */
public final class HomeFeed {

    private static final int MAX_PULLED = 100;

    private final Graph graph;
    private final FeedStore feeds;

    public HomeFeed(Graph graph, FeedStore feeds) {
        this.graph = graph;
        this.feeds = feeds;
    }

    public List<FeedItem> read(long readerId, Page page) {
        Map<Long, FeedItem> merged = new LinkedHashMap<>();
        for (FeedItem i : feeds.page(readerId, page)) {
            merged.put(i.statusId(), i);
        }
        for (Assoc pull : graph.assocRange(readerId, Relation.PULLS, Page.newest(MAX_PULLED))) {
            for (Assoc post : graph.assocRange(pull.id2(), Relation.POSTED, page)) {
                merged.putIfAbsent(post.id2(), new FeedItem(post.id2(), pull.id2()));
            }
        }
        List<FeedItem> items = new ArrayList<>(merged.values());
        items.sort(Comparator.comparingLong(FeedItem::statusId).reversed());
        items = page.apply(items, FeedItem::statusId);
        List<Long> authors = items.stream().map(FeedItem::authorId).filter(a -> a != readerId).distinct().toList();
        if (authors.isEmpty()) {
            return items;
        }
        Map<Long, Boolean> follows = graph.assocExistsTo(readerId, Relation.FOLLOWS, authors);
        return items.stream().filter(i -> i.authorId() == readerId || follows.getOrDefault(i.authorId(), false)).toList();
    }
}
