package dev.scalegram.social;

import dev.scalegram.feed.FeedItem;
import dev.scalegram.feed.FeedStore;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.ids.Page;
import dev.scalegram.json.Json;
import dev.scalegram.tasks.Task;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The recent public posts (Explore, and the API's public timeline), bounded and cheap to read whatever the number of
 * shards. A task files each new post into one of a few stripes; a stripe is a feed in the {@link FeedStore} (so it is
 * capped to the newest N like a home feed, on PostgreSQL or Cassandra) read under the id of a small graph object,
 * created on first use on the shard its name hashes to. Reading merges the stripes' pages: a fixed number of
 * single-feed reads per request, never a scan of every shard.
 *
 * <p>Why stripes and not one list: one list would put every post's write on one shard (one partition on Cassandra);
 * {@value #STRIPES} spread them, and the read stays a handful of small queries. The bound is {@value #STRIPES} times
 * the feed cap, which is plenty for "recent".
 */
public final class PublicTimeline {

    static final int STRIPES = 4;
    static final String NAMESPACE = "public";

    private final Graph graph;
    private final FeedStore feeds;
    /** Stripe ids once known (0 until then): they never change, so each is looked up once per process. */
    private final AtomicLongArray stripeIds = new AtomicLongArray(STRIPES);

    public PublicTimeline(Graph graph, FeedStore feeds) {
        this.graph = graph;
        this.feeds = feeds;
    }

    /** Task handler for {@link Tasks#PUBLISH}: files a post into its stripe, or takes it out. Idempotent. */
    public void publish(Task task) {
        Tasks.Publish p = Json.convert(task.payload(), Tasks.Publish.class);
        int stripe = stripeOf(p.statusId());
        if (p.add()) {
            feeds.addToFeeds(List.of(ensureStripe(stripe)), p.statusId(), p.authorId());
        } else {
            long id = stripeId(stripe);
            if (id != 0) {
                feeds.removeFromFeeds(List.of(id), p.statusId());
            }
        }
    }

    /** A page of recent public posts, newest first (Mastodon's paging: max_id, since_id, min_id). */
    public List<FeedItem> page(Page page) {
        List<Long> ids = new ArrayList<>(STRIPES);
        for (int i = 0; i < STRIPES; i++) {
            long id = stripeId(i);
            if (id != 0) {
                ids.add(id);
            }
        }
        if (ids.isEmpty()) {
            return List.of();
        }
        List<FeedItem> merged = new ArrayList<>();
        // Each stripe gives its best `limit` items within the bounds; the best `limit` of their union is the answer.
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<FeedItem>>> reads = ids.stream().map(id -> ex.submit(() -> feeds.page(id, page))).toList();
            for (Future<List<FeedItem>> f : reads) {
                merged.addAll(Hydrator.get(f));
            }
        }
        merged.sort(Comparator.comparingLong(FeedItem::statusId).reversed());
        return page.apply(merged, FeedItem::statusId);
    }

    private static int stripeOf(long statusId) {
        // Status ids end in a per-shard sequence: mix the bits so consecutive posts of one shard spread out too.
        return (int) Math.floorMod(Long.rotateRight(statusId * 0x9E3779B97F4A7C15L, 29), (long) STRIPES);
    }

    private long stripeId(int stripe) {
        long known = stripeIds.get(stripe);
        if (known != 0) {
            return known;
        }
        OptionalLong found = graph.nameLookup(NAMESPACE, name(stripe));
        if (found.isPresent()) {
            stripeIds.set(stripe, found.getAsLong());
            return found.getAsLong();
        }
        return 0;
    }

    private long ensureStripe(int stripe) {
        long known = stripeId(stripe);
        if (known != 0) {
            return known;
        }
        String name = name(stripe);
        long created = graph.write(graph.shardForName(NAMESPACE, name), tx -> {
            long id = tx.nextId();
            if (!tx.nameClaim(NAMESPACE, name, id)) {
                return 0L; // another worker created it first
            }
            tx.objAdd(id, ObjectType.PUBLIC_STRIPE, Map.of("stripe", stripe));
            return id;
        });
        long id = created != 0 ? created : graph.nameLookup(NAMESPACE, name).orElseThrow();
        stripeIds.set(stripe, id);
        return id;
    }

    private static String name(int stripe) {
        return "stripe-" + stripe;
    }
}
