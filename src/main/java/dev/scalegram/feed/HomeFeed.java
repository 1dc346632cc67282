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
        List<Long> pulled = graph.assocRange(readerId, Relation.PULLS, Page.newest(MAX_PULLED)).stream()
                .map(Assoc::id2).toList();
        // Dropping unfollowed authors can leave a page short; read on (a few rounds at most) so clients that stop at
        // an empty page do not stop early.
        List<FeedItem> out = new ArrayList<>();
        Page next = page;
        for (int round = 0; round < 4 && out.size() < page.limit(); round++) {
            List<FeedItem> merged = merged(readerId, pulled, next);
            if (merged.isEmpty()) {
                break;
            }
            out.addAll(followedOnly(readerId, merged));
            long edge = page.ascending() ? merged.getFirst().statusId() : merged.getLast().statusId();
            next = page.ascending() ? new Page(page.maxId(), 0, edge, page.limit())
                    : new Page(edge, page.sinceId(), 0, page.limit());
            if (merged.size() < next.limit()) {
                break;
            }
        }
        out.sort(Comparator.comparingLong(FeedItem::statusId).reversed());
        return page.ascending() ? out.subList(Math.max(0, out.size() - page.limit()), out.size())
                : out.subList(0, Math.min(out.size(), page.limit()));
    }

    private List<FeedItem> merged(long readerId, List<Long> pulled, Page page) {
        Map<Long, FeedItem> merged = new LinkedHashMap<>();
        for (FeedItem i : feeds.page(readerId, page)) {
            merged.put(i.statusId(), i);
        }
        for (long author : pulled) {
            for (Assoc post : graph.assocRange(author, Relation.POSTED, page)) {
                merged.putIfAbsent(post.id2(), new FeedItem(post.id2(), author));
            }
        }
        List<FeedItem> items = new ArrayList<>(merged.values());
        items.sort(Comparator.comparingLong(FeedItem::statusId).reversed());
        return page.apply(items, FeedItem::statusId);
    }

    private List<FeedItem> followedOnly(long readerId, List<FeedItem> items) {
        List<Long> authors = items.stream().map(FeedItem::authorId).filter(a -> a != readerId).distinct().toList();
        if (authors.isEmpty()) {
            return items;
        }
        Map<Long, Boolean> follows = graph.assocExistsTo(readerId, Relation.FOLLOWS, authors);
        return items.stream().filter(i -> i.authorId() == readerId || follows.getOrDefault(i.authorId(), false)).toList();
    }
}
