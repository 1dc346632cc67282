package dev.scalegram.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.ids.Page;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The {@link FeedStore} contract, for every implementation: subclass it and implement {@link #store(int)}. Every test
 * uses readers of its own, so one database or keyspace serves the whole class.
 */
abstract class FeedStoreContract {

    /** A store over the class's shared database or keyspace, keeping at most {@code cap} items per reader. */
    protected abstract FeedStore store(int cap);

    protected static long id() {
        return TestIds.next();
    }

    private static List<Long> ids(int n) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(id());
        }
        return out;
    }

    /** The items of these statuses by one author, newest first. */
    private static List<FeedItem> newestFirst(List<Long> statusIds, long author) {
        List<FeedItem> out = new ArrayList<>(statusIds.stream().map(s -> new FeedItem(s, author)).toList());
        out.sort((a, b) -> Long.compare(b.statusId(), a.statusId()));
        return out;
    }

    @Test
    void pagesAreNewestFirstWhateverTheOrderOfWrites() {
        FeedStore f = store(100);
        long reader = id();
        long a = id();
        long b = id();
        long s1 = id();
        long s2 = id();
        long s3 = id();
        f.addToFeeds(List.of(reader), s2, a);
        f.addToFeeds(List.of(reader), s3, b);
        f.addToFeeds(List.of(reader), s1, a);
        assertEquals(List.of(new FeedItem(s3, b), new FeedItem(s2, a), new FeedItem(s1, a)),
                f.page(reader, Page.newest(10)));
        assertEquals(List.of(new FeedItem(s3, b), new FeedItem(s2, a)), f.page(reader, Page.newest(2)));
        assertEquals(List.of(), f.page(id(), Page.newest(10)), "a reader nobody wrote to has an empty feed");
    }

    @Test
    void loadWritesWholeFeedsAsGiven() {
        FeedStore f = store(1000);
        long a = id();
        long b = id();
        List<FeedItem> first = newestFirst(ids(250), a); // several of the Cassandra store's 100-row batches
        List<FeedItem> second = newestFirst(ids(3), b);
        long r1 = id();
        long r2 = id();
        f.load(java.util.Map.of(r1, first, r2, second));
        assertEquals(first, f.page(r1, Page.newest(1000)));
        assertEquals(second, f.page(r2, Page.newest(10)));
        long s = id();
        f.addToFeeds(List.of(r2), s, a);
        assertEquals(new FeedItem(s, a), f.page(r2, Page.newest(1)).getFirst(), "a loaded feed takes fan-out as usual");
    }

    @Test
    void maxSinceAndMinIdPageExactlyAsPageApply() {
        FeedStore f = store(100);
        long reader = id();
        long author = id();
        List<Long> statuses = ids(20);
        List<Long> shuffled = new ArrayList<>(statuses);
        Collections.shuffle(shuffled, new Random(7));
        f.addToFeed(reader, shuffled, author);
        List<FeedItem> all = newestFirst(statuses, author);
        assertEquals(all, f.page(reader, Page.newest(40)));
        // Bounds on items, between items (ids are far apart) and beyond both ends; 0 is "no bound".
        long[] bounds = {0, statuses.get(0), statuses.get(5) + 1, statuses.get(10), statuses.get(19),
                statuses.get(19) + 1, statuses.get(0) - 1};
        int checked = 0;
        for (long max : bounds) {
            for (long since : bounds) {
                for (long min : bounds) {
                    for (int limit : new int[] {1, 3, 40}) {
                        Page p = new Page(max, since, min, limit);
                        assertEquals(p.apply(all, FeedItem::statusId), f.page(reader, p), p.toString());
                        checked++;
                    }
                }
            }
        }
        assertEquals(bounds.length * bounds.length * bounds.length * 3, checked);
    }

    @Test
    void addingTheSameItemAgainKeepsOne() {
        FeedStore f = store(100);
        long r1 = id();
        long r2 = id();
        long author = id();
        long s = id();
        f.addToFeeds(List.of(r1, r2), s, author);
        f.addToFeeds(List.of(r1, r2, r1), s, author);
        f.addToFeed(r1, List.of(s, s), author);
        assertEquals(List.of(new FeedItem(s, author)), f.page(r1, Page.newest(10)));
        assertEquals(List.of(new FeedItem(s, author)), f.page(r2, Page.newest(10)));
    }

    @Test
    void backfillTrimsToTheCapKeepingTheNewest() {
        FeedStore f = store(5);
        long reader = id();
        long author = id();
        List<Long> older = ids(3);
        List<Long> statuses = ids(12);
        List<Long> shuffled = new ArrayList<>(statuses);
        Collections.shuffle(shuffled, new Random(11));
        f.addToFeed(reader, shuffled, author);
        List<FeedItem> newest5 = newestFirst(statuses, author).subList(0, 5);
        assertEquals(newest5, f.page(reader, Page.newest(100)));

        f.addToFeed(reader, older, author);
        assertEquals(newest5, f.page(reader, Page.newest(100)), "items older than the cap-th are trimmed at once");

        long newer = id();
        f.addToFeed(reader, List.of(newer), author);
        List<FeedItem> expected = new ArrayList<>();
        expected.add(new FeedItem(newer, author));
        expected.addAll(newest5.subList(0, 4));
        assertEquals(expected, f.page(reader, Page.newest(100)));
    }

    @Test
    void fanOutTrimsTowardsTheCapAndNeverBelowIt() {
        FeedStore f = store(5);
        long reader = id();
        long author = id();
        List<Long> statuses = ids(300);
        for (long s : statuses) {
            f.addToFeeds(List.of(reader), s, author);
        }
        List<FeedItem> all = newestFirst(statuses, author);
        List<FeedItem> feed = f.page(reader, Page.newest(1000));
        // Trimming is amortised (a feed may hold a few over the cap between trims), but over 300 inserts it happens,
        // and what it removes is always the oldest.
        assertTrue(feed.size() < 300, "the feed was never trimmed: " + feed.size() + " items");
        assertTrue(feed.size() >= 5, "trimmed below the cap: " + feed.size() + " items");
        assertEquals(all.subList(0, feed.size()), feed);
    }

    @Test
    void removeFromFeedsRemovesOneStatusFromTheGivenReadersOnly() {
        FeedStore f = store(100);
        long r1 = id();
        long r2 = id();
        long r3 = id();
        long author = id();
        long keep = id();
        long gone = id();
        f.addToFeeds(List.of(r1, r2, r3), keep, author);
        f.addToFeeds(List.of(r1, r2, r3), gone, author);
        f.removeFromFeeds(List.of(r1, r2), gone);
        assertEquals(List.of(new FeedItem(keep, author)), f.page(r1, Page.newest(10)));
        assertEquals(List.of(new FeedItem(keep, author)), f.page(r2, Page.newest(10)));
        assertEquals(List.of(new FeedItem(gone, author), new FeedItem(keep, author)), f.page(r3, Page.newest(10)));
        f.removeFromFeeds(List.of(r1), gone);
        assertEquals(List.of(new FeedItem(keep, author)), f.page(r1, Page.newest(10)), "removing twice is harmless");
    }

    @Test
    void removeAuthorRemovesEverythingByThatAuthorFromOneReader() {
        FeedStore f = store(1000);
        long reader = id();
        long other = id();
        long unfollowed = id();
        long followed = id();
        List<Long> byUnfollowed = ids(150);
        List<Long> byFollowed = ids(2);
        f.addToFeed(reader, byUnfollowed, unfollowed);
        f.addToFeed(reader, byFollowed, followed);
        f.addToFeed(other, byUnfollowed.subList(0, 3), unfollowed);
        f.removeAuthor(reader, unfollowed);
        assertEquals(newestFirst(byFollowed, followed), f.page(reader, Page.newest(1000)));
        assertEquals(newestFirst(byUnfollowed.subList(0, 3), unfollowed), f.page(other, Page.newest(10)));
    }

    @Test
    void oneFanOutReachesFiveThousandReaders() {
        FeedStore f = store(100);
        List<Long> readers = ids(5000);
        long author = id();
        long earlier = id();
        long s = id();
        f.addToFeeds(readers.subList(0, 10), earlier, author);
        f.addToFeeds(readers, s, author);
        for (int i = 0; i < readers.size(); i++) {
            List<FeedItem> expected = i < 10 ? List.of(new FeedItem(s, author), new FeedItem(earlier, author))
                    : List.of(new FeedItem(s, author));
            assertEquals(expected, f.page(readers.get(i), Page.newest(10)), "reader #" + i);
        }
    }
}
