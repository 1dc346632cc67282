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
 * Turns ids into views in two rounds of cache reads, because each round is a network round trip per memcached server:
 * first the statuses, then everything they point at at once on virtual threads: their authors' and media objects in one
 * multi-get, their counts and their authors' counts in another, the viewer's like and bookmark marks. Misses are one
 * query per shard. Ids whose object is gone (deleted) are dropped here, which is how a deleted status disappears from
 * every list that still points at it.
 */
public final class Hydrator {

    private static final List<Relation> ACCOUNT_COUNTS =
            List.of(Relation.FOLLOWED_BY, Relation.FOLLOWS, Relation.POSTED);

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
        Set<Long> objectIds = new LinkedHashSet<>();
        statuses.values().forEach(s -> {
            authorIds.add(s.authorId());
            objectIds.add(s.authorId());
            objectIds.addAll(s.mediaIds());
        });
        Map<Relation, Collection<Long>> wanted = new LinkedHashMap<>();
        wanted.put(Relation.LIKED_BY, present);
        wanted.put(Relation.HAS_COMMENT, present);
        ACCOUNT_COUNTS.forEach(r -> wanted.put(r, authorIds));
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Map<Long, GraphObject>> objects = ex.submit(() -> graph.objGetMany(objectIds));
            Future<Map<Relation, Map<Long, Long>>> counts = ex.submit(() -> graph.assocCounts(wanted));
            Future<Map<Long, Boolean>> liked = viewerId == 0 ? null
                    : ex.submit(() -> graph.assocExistsFrom(present, Relation.LIKED_BY, viewerId));
            Future<Map<Long, Boolean>> saved = viewerId == 0 ? null
                    : ex.submit(() -> graph.assocExistsTo(viewerId, Relation.SAVED, present));
            Map<Long, GraphObject> objectsById = get(objects);
            Map<Relation, Map<Long, Long>> countsOf = get(counts);
            Map<Long, AccountView> authors = accountViews(authorIds, objectsById, countsOf);
            Map<Long, Boolean> likedIds = liked == null ? Map.of() : get(liked);
            Map<Long, Boolean> savedIds = saved == null ? Map.of() : get(saved);
            List<StatusView> out = new ArrayList<>(present.size());
            for (long id : ids) {
                Status s = statuses.get(id);
                AccountView author = s == null ? null : authors.get(s.authorId());
                if (author == null) {
                    continue;
                }
                List<StatusView.MediaItem> items = new ArrayList<>();
                for (long m : s.mediaIds()) {
                    GraphObject o = objectsById.get(m);
                    if (o != null && o.type() == ObjectType.MEDIA) {
                        items.add(new StatusView.MediaItem(m, o.as(Media.class)));
                    }
                }
                out.add(new StatusView(id, s, author, items, countsOf.get(Relation.LIKED_BY).getOrDefault(id, 0L),
                        countsOf.get(Relation.HAS_COMMENT).getOrDefault(id, 0L), likedIds.getOrDefault(id, false),
                        savedIds.getOrDefault(id, false)));
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
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Map<Long, GraphObject>> objects = ex.submit(() -> graph.objGetMany(ids));
            Map<Relation, Collection<Long>> wanted = new LinkedHashMap<>();
            ACCOUNT_COUNTS.forEach(r -> wanted.put(r, ids));
            // Counts are read for every id at once, before knowing which are accounts: one round trip, not two; the
            // ids of a page are accounts but for the rare deleted one, whose counts are then read for nothing.
            Map<Relation, Map<Long, Long>> counts = graph.assocCounts(wanted);
            return accountViews(ids, get(objects), counts);
        }
    }

    private static Map<Long, AccountView> accountViews(Collection<Long> ids, Map<Long, GraphObject> objects,
            Map<Relation, Map<Long, Long>> counts) {
        Map<Long, AccountView> out = new LinkedHashMap<>();
        for (long id : ids) {
            GraphObject o = objects.get(id);
            if (o != null && o.type() == ObjectType.ACCOUNT) {
                out.put(id, new AccountView(id, o.as(Account.class),
                        counts.get(Relation.FOLLOWED_BY).getOrDefault(id, 0L),
                        counts.get(Relation.FOLLOWS).getOrDefault(id, 0L),
                        counts.get(Relation.POSTED).getOrDefault(id, 0L)));
            }
        }
        return out;
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
