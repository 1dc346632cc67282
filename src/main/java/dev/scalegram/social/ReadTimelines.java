package dev.scalegram.social;

import dev.scalegram.feed.FeedItem;
import dev.scalegram.feed.HomeFeed;
import dev.scalegram.graph.Assoc;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Every list of statuses or accounts a client pages through: home, recent public posts, hashtag, profile, bookmarks,
 * likers, followers, following, and a status's thread. Each is a range (or the home feed) turned into views by the
 * {@link Hydrator}. A page is returned with the cursor positions the API needs for its Link header.
 */
public final class ReadTimelines {

    /** Items plus the positions of the newest and oldest entry read (0 when empty), for pagination links. */
    public record Result<T>(List<T> items, long newest, long oldest) {}

    private final Graph graph;
    private final HomeFeed home;
    private final Hydrator hydrator;
    private final PublicTimeline recent;

    public ReadTimelines(Graph graph, HomeFeed home, Hydrator hydrator, PublicTimeline recent) {
        this.graph = graph;
        this.home = home;
        this.hydrator = hydrator;
        this.recent = recent;
    }

    public Result<StatusView> home(long viewerId, Page page) {
        List<FeedItem> items = home.read(viewerId, page);
        List<Long> ids = items.stream().map(FeedItem::statusId).toList();
        return statuses(ids, ids, viewerId);
    }

    /** Recent public posts of everyone (Explore; Mastodon's public timeline): see {@link PublicTimeline}. */
    public Result<StatusView> recent(long viewerId, Page page) {
        List<Long> ids = recent.page(page).stream().map(FeedItem::statusId).toList();
        return statuses(ids, ids, viewerId);
    }

    public Result<StatusView> tag(String hashtag, long viewerId, Page page) {
        OptionalLong tagId = graph.nameLookup(TagWorker.HASHTAGS, hashtag.toLowerCase(Locale.ROOT));
        if (tagId.isEmpty()) {
            return new Result<>(List.of(), 0, 0);
        }
        return statusRange(tagId.getAsLong(), Relation.TAGGED, viewerId, page);
    }

    public Result<StatusView> accountStatuses(long accountId, long viewerId, Page page) {
        FollowAccount.requireAccount(graph, accountId);
        return statusRange(accountId, Relation.POSTED, viewerId, page);
    }

    /** Bookmarks page by when they were saved, not by status id. */
    public Result<StatusView> bookmarks(long viewerId, Page page) {
        return statusRange(viewerId, Relation.SAVED, viewerId, page);
    }

    public Result<AccountView> favouritedBy(long statusId, Page page) {
        FavouriteStatus.requireStatus(graph, statusId);
        return accountRange(statusId, Relation.LIKED_BY, page);
    }

    public Result<AccountView> followers(long accountId, Page page) {
        FollowAccount.requireAccount(graph, accountId);
        return accountRange(accountId, Relation.FOLLOWED_BY, page);
    }

    public Result<AccountView> following(long accountId, Page page) {
        FollowAccount.requireAccount(graph, accountId);
        return accountRange(accountId, Relation.FOLLOWS, page);
    }

    /** A status's thread: its ancestors (oldest first) and its comments and their replies (oldest first). */
    public record Context(List<StatusView> ancestors, List<StatusView> descendants) {}

    public Context context(long statusId, long viewerId) {
        Status s = FavouriteStatus.requireStatus(graph, statusId);
        List<Long> up = new ArrayList<>();
        long parent = s.inReplyToId();
        while (parent != 0 && up.size() < 40) {
            var o = graph.objGet(parent).filter(x -> x.type() == ObjectType.STATUS);
            if (o.isEmpty()) {
                break;
            }
            up.addFirst(parent);
            parent = o.get().as(Status.class).inReplyToId();
        }
        List<Long> down = new ArrayList<>();
        List<Long> frontier = List.of(statusId);
        while (!frontier.isEmpty() && down.size() < 200) {
            List<Long> next = new ArrayList<>();
            for (long id : frontier) {
                List<Assoc> comments = graph.assocRange(id, Relation.HAS_COMMENT, Page.newest(100));
                for (Assoc a : comments.reversed()) {
                    next.add(a.id2());
                }
            }
            down.addAll(next);
            frontier = next;
        }
        down.sort(Long::compare);
        return new Context(hydrator.statuses(up, viewerId), hydrator.statuses(down, viewerId));
    }

    private Result<StatusView> statusRange(long id1, Relation r, long viewerId, Page page) {
        List<Assoc> range = graph.assocRange(id1, r, page);
        return statuses(range.stream().map(Assoc::id2).toList(), range.stream().map(Assoc::pos).toList(), viewerId);
    }

    private Result<StatusView> statuses(List<Long> ids, List<Long> positions, long viewerId) {
        if (ids.isEmpty()) {
            return new Result<>(List.of(), 0, 0);
        }
        return new Result<>(hydrator.statuses(ids, viewerId), positions.getFirst(), positions.getLast());
    }

    private Result<AccountView> accountRange(long id1, Relation r, Page page) {
        List<Assoc> range = graph.assocRange(id1, r, page);
        if (range.isEmpty()) {
            return new Result<>(List.of(), 0, 0);
        }
        List<AccountView> views = new ArrayList<>(hydrator.accounts(range.stream().map(Assoc::id2).toList()).values());
        return new Result<>(views, range.getFirst().pos(), range.getLast().pos());
    }
}
