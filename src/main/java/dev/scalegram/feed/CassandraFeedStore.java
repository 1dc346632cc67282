package dev.scalegram.feed;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import dev.scalegram.ids.Page;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Home feeds in Cassandra: the cluster-mode {@link FeedStore}. Table {@code home_feed}: one partition per reader,
 * clustered by status id descending, so a page is one slice read from the top of the partition.
 *
 * <p>Fan-out writes are asynchronous, at most {@value BoundedRequests#DEFAULT_MAX_IN_FLIGHT} in flight per store,
 * and {@link #addToFeeds} returns only when all of them have succeeded (or throws): a fan-out task is acknowledged
 * only after its writes are durable at the write consistency level.
 *
 * <p>Trimming to the cap costs no read on most inserts: one insert in {@value #TRIM_ONE_IN} (per reader) reads the
 * reader's cap-th newest key X (keys only) and issues one range delete {@code status_id < X}. A range delete is a
 * single range tombstone, not one tombstone per row, and it lies below every row a newest-first page reads, so pages
 * near the top never scan it; successive trims nest, and compaction drops the shadowed rows and tombstones after the
 * table's short {@code gc_grace_seconds}. Between trims a feed briefly holds a few items over the cap. An item is
 * never trimmed while it is among the cap newest on the replica the cut-off is read from.
 */
public final class CassandraFeedStore implements FeedStore {

    private static final int TRIM_ONE_IN = 16;
    /** Rows per single-partition batch (backfill) and per {@code IN} delete (unfollow cleanup). */
    private static final int CHUNK = 100;

    private final CqlSession cql;
    private final ConsistencyLevel write;
    private final ConsistencyLevel read;
    private final int cap;
    private final BoundedRequests requests = new BoundedRequests(BoundedRequests.DEFAULT_MAX_IN_FLIGHT);

    private final PreparedStatement insert;
    private final PreparedStatement delete;
    private final PreparedStatement deleteIn;
    private final PreparedStatement trimCutoff;
    private final PreparedStatement trimBelow;
    private final PreparedStatement byAuthor;
    private final PreparedStatement newestFirst;
    private final PreparedStatement oldestFirst;

    /** @param cap the most items a reader's feed keeps (the newest) */
    public CassandraFeedStore(CassandraSession session, int cap) {
        if (cap < 1) {
            throw new IllegalArgumentException("cap must be positive");
        }
        this.cql = session.cql();
        this.write = session.config().write();
        this.read = session.config().read();
        this.cap = cap;
        String t = session.table("home_feed");
        insert = cql.prepare("INSERT INTO " + t + " (reader_id, status_id, author_id) VALUES (?, ?, ?)");
        delete = cql.prepare("DELETE FROM " + t + " WHERE reader_id = ? AND status_id = ?");
        deleteIn = cql.prepare("DELETE FROM " + t + " WHERE reader_id = ? AND status_id IN ?");
        trimCutoff = cql.prepare("SELECT status_id FROM " + t + " WHERE reader_id = ? LIMIT ?");
        trimBelow = cql.prepare("DELETE FROM " + t + " WHERE reader_id = ? AND status_id < ?");
        // author_id is not part of the key: filtering within one (capped) partition is a bounded scan.
        byAuthor = cql.prepare("SELECT status_id FROM " + t + " WHERE reader_id = ? AND author_id = ? ALLOW FILTERING");
        String page = "SELECT status_id, author_id FROM " + t
                + " WHERE reader_id = ? AND status_id < ? AND status_id > ?";
        newestFirst = cql.prepare(page + " LIMIT ?");
        oldestFirst = cql.prepare(page + " ORDER BY status_id ASC LIMIT ?");
    }

    @Override
    public void addToFeeds(Collection<Long> readerIds, long statusId, long authorId) {
        requests.forEach(new LinkedHashSet<>(readerIds), reader -> {
            CompletionStage<AsyncResultSet> put = cql.executeAsync(writing(insert.bind(reader, statusId, authorId)));
            return ThreadLocalRandom.current().nextInt(TRIM_ONE_IN) == 0 ? put.thenCompose(x -> trim(reader)) : put;
        });
    }

    @Override
    public void addToFeed(long readerId, Collection<Long> statusIds, long authorId) {
        if (statusIds.isEmpty()) {
            return;
        }
        // One reader's rows share a partition: an unlogged batch of them is a single mutation, applied atomically.
        requests.forEach(chunks(new ArrayList<>(new LinkedHashSet<>(statusIds))), chunk -> {
            BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
            chunk.forEach(s -> batch.addStatement(insert.bind(readerId, s, authorId)));
            return cql.executeAsync(writing(batch.build()));
        });
        await(trim(readerId));
    }

    /** Deletes everything below the reader's cap-th newest item, when the feed has at least {@code cap} items. */
    private CompletionStage<?> trim(long readerId) {
        BoundStatement cutoff = reading(trimCutoff.bind(readerId, cap)).setPageSize(cap);
        return cql.executeAsync(cutoff).thenCompose(rs -> {
            int n = 0;
            long oldestKept = 0;
            for (Row row : rs.currentPage()) {
                oldestKept = row.getLong(0);
                n++;
            }
            if (n < cap) {
                return CompletableFuture.completedFuture(null);
            }
            return cql.executeAsync(writing(trimBelow.bind(readerId, oldestKept)));
        });
    }

    @Override
    public void removeFromFeeds(Collection<Long> readerIds, long statusId) {
        requests.forEach(new LinkedHashSet<>(readerIds),
                reader -> cql.executeAsync(writing(delete.bind(reader, statusId))));
    }

    @Override
    public void removeAuthor(long readerId, long authorId) {
        // Read at the write level (ANY is no read level): a cleanup should find every item whose write was
        // acknowledged.
        ConsistencyLevel level = write == DefaultConsistencyLevel.ANY ? read : write;
        List<Long> statusIds = new ArrayList<>();
        for (Row row : cql.execute(byAuthor.bind(readerId, authorId).setConsistencyLevel(level))) {
            statusIds.add(row.getLong(0));
        }
        requests.forEach(chunks(statusIds), chunk -> cql.executeAsync(writing(deleteIn.bind(readerId, chunk))));
    }

    /** Tries per bulk-load batch when Cassandra times out (see BoundedRequests.retryingTimeouts). */
    private static final int LOAD_ATTEMPTS = 6;

    @Override
    public void load(Map<Long, List<FeedItem>> itemsByReader) {
        // One unlogged batch per reader and CHUNK items: each is a single-partition mutation, the cheapest write.
        List<Map.Entry<Long, List<FeedItem>>> batches = new ArrayList<>();
        itemsByReader.forEach((reader, items) -> {
            for (int i = 0; i < items.size(); i += CHUNK) {
                batches.add(Map.entry(reader, items.subList(i, Math.min(items.size(), i + CHUNK))));
            }
        });
        requests.forEach(batches, batch -> {
            BatchStatementBuilder b = BatchStatement.builder(DefaultBatchType.UNLOGGED);
            batch.getValue().forEach(i -> b.addStatement(insert.bind(batch.getKey(), i.statusId(), i.authorId())));
            BatchStatement statement = writing(b.build());
            return BoundedRequests.retryingTimeouts(() -> cql.executeAsync(statement), LOAD_ATTEMPTS);
        });
    }

    @Override
    public List<FeedItem> page(long readerId, Page page) {
        PreparedStatement ps = page.ascending() ? oldestFirst : newestFirst;
        List<FeedItem> out = new ArrayList<>();
        for (Row row : cql.execute(reading(ps.bind(readerId, page.upper(), page.lower(), page.limit())))) {
            out.add(new FeedItem(row.getLong(0), row.getLong(1)));
        }
        if (page.ascending()) {
            java.util.Collections.reverse(out);
        }
        return out;
    }

    private <S extends Statement<S>> S writing(S s) {
        // Every write here is an upsert or a delete: safe for the driver to retry.
        return s.setConsistencyLevel(write).setIdempotent(true);
    }

    private <S extends Statement<S>> S reading(S s) {
        return s.setConsistencyLevel(read).setIdempotent(true);
    }

    private static List<List<Long>> chunks(List<Long> ids) {
        List<List<Long>> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += CHUNK) {
            out.add(ids.subList(i, Math.min(ids.size(), i + CHUNK)));
        }
        return out;
    }

    private static void await(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().join();
        } catch (java.util.concurrent.CompletionException e) {
            throw BoundedRequests.rethrowable(e.getCause() != null ? e.getCause() : e);
        }
    }
}
