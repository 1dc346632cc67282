package dev.scalegram.feed;

import dev.scalegram.ids.Page;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Per-reader home feeds, newest first, capped to the newest N items. Every write is idempotent. */
public interface FeedStore {

    /** Adds one status to many readers' feeds (a fan-out batch). */
    void addToFeeds(Collection<Long> readerIds, long statusId, long authorId);

    /** Adds many statuses of one author to one reader's feed (the backfill after a follow). */
    void addToFeed(long readerId, Collection<Long> statusIds, long authorId);

    void removeFromFeeds(Collection<Long> readerIds, long statusId);

    /** Removes everything by one author from one reader's feed (after an unfollow). */
    void removeAuthor(long readerId, long authorId);

    List<FeedItem> page(long readerId, Page page);

    /**
     * Writes many readers' feeds at once: the path of a bulk loader (a generated dataset), not of the product. Each
     * reader's items go in as given; the caller keeps every feed within the cap, so nothing is trimmed. Meant for
     * items not stored yet: the PostgreSQL store loads with COPY, which fails on an item already there.
     */
    void load(Map<Long, List<FeedItem>> itemsByReader);
}
