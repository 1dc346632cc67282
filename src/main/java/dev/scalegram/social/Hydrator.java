package dev.scalegram.social;

import dev.scalegram.graph.Graph;
import dev.scalegram.graph.GraphObject;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.media.Media;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Turns ids into views: one multi-get for the statuses, then the independent lookups (authors and their counters,
 * media, like and reply counts, the viewer's like and bookmark marks) at once on virtual threads, each a cache
 * multi-get whose misses are one query per shard. Ids whose object is gone (deleted) are dropped here, which is how a
 * deleted status disappears from every list that still points at it.
 */
public final class Hydrator {

    private final Graph graph;

    public Hydrator(Graph graph) {
        this.graph = graph;
    }

    public List<StatusView> statuses(List<Long> ids, long viewerId) {
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<Long, Status> statuses = new LinkedHashMap<>();
        graph.objGetMany(ids).forEach((id, o) -> {
            if (o.type() == ObjectType.STATUS) {
                statuses.put(id, o.as(Status.class));
            }
        });
        List<Long> present = new ArrayList<>(statuses.keySet());
        if (present.isEmpty()) {
            return List.of();
        }
        Set<Long> authorIds = new LinkedHashSet<>();
        Set<Long> mediaIds = new LinkedHashSet<>();
        statuses.values().forEach(s -> {
            authorIds.add(s.authorId());
            mediaIds.addAll(s.mediaIds());
        });
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Map<Long, AccountView>> authors = ex.submit(() -> accounts(authorIds));
            Future<Map<Long, GraphObject>> media = ex.submit(() -> graph.objGetMany(mediaIds));
            Future<Map<Long, Long>> favourites = ex.submit(() -> graph.assocCountMany(present, Relation.LIKED_BY));
            Future<Map<Long, Long>> replies = ex.submit(() -> graph.assocCountMany(present, Relation.HAS_COMMENT));
            Future<Map<Long, Boolean>> liked = viewerId == 0 ? null
                    : ex.submit(() -> graph.assocExistsFrom(present, Relation.LIKED_BY, viewerId));
            Future<Map<Long, Boolean>> saved = viewerId == 0 ? null
                    : ex.submit(() -> graph.assocExistsTo(viewerId, Relation.SAVED, present));
            List<StatusView> out = new ArrayList<>(present.size());
            for (long id : ids) {
                Status s = statuses.get(id);
                AccountView author = s == null ? null : get(authors).get(s.authorId());
                if (author == null) {
                    continue;
                }
                List<StatusView.MediaItem> items = new ArrayList<>();
                for (long m : s.mediaIds()) {
                    GraphObject o = get(media).get(m);
                    if (o != null) {
                        items.add(new StatusView.MediaItem(m, o.as(Media.class)));
                    }
                }
                out.add(new StatusView(id, s, author, items, get(favourites).getOrDefault(id, 0L),
                        get(replies).getOrDefault(id, 0L),
                        liked != null && get(liked).getOrDefault(id, false),
                        saved != null && get(saved).getOrDefault(id, false)));
            }
            return out;
        }
    }

    public StatusView status(long id, long viewerId) {
        List<StatusView> one = statuses(List.of(id), viewerId);
        if (one.isEmpty()) {
            throw Problem.notFound("Record not found");
        }
        return one.getFirst();
    }

    /** Accounts with their three counters; missing ids are absent from the map, which keeps the given order. */
    public Map<Long, AccountView> accounts(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        Map<Long, Account> accounts = new LinkedHashMap<>();
        graph.objGetMany(ids).forEach((id, o) -> {
            if (o.type() == ObjectType.ACCOUNT) {
                accounts.put(id, o.as(Account.class));
            }
        });
        List<Long> present = new ArrayList<>(accounts.keySet());
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Map<Long, Long>> followers = ex.submit(() -> graph.assocCountMany(present, Relation.FOLLOWED_BY));
            Future<Map<Long, Long>> following = ex.submit(() -> graph.assocCountMany(present, Relation.FOLLOWS));
            Future<Map<Long, Long>> posts = ex.submit(() -> graph.assocCountMany(present, Relation.POSTED));
            Map<Long, AccountView> out = new LinkedHashMap<>();
            for (long id : ids) {
                Account a = accounts.get(id);
                if (a != null) {
                    out.put(id, new AccountView(id, a, get(followers).getOrDefault(id, 0L),
                            get(following).getOrDefault(id, 0L), get(posts).getOrDefault(id, 0L)));
                }
            }
            return out;
        }
    }

    public AccountView account(long id) {
        AccountView v = accounts(List.of(id)).get(id);
        if (v == null) {
            throw Problem.notFound("Record not found");
        }
        return v;
    }

    /** A finished lookup's value; its runtime failure rethrown as it was (also used by {@link PublicTimeline}). */
    static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
