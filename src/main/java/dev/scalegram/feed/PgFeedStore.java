package dev.scalegram.feed;

import dev.scalegram.ids.Page;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.shards.Shards;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Home feeds in PostgreSQL, on the reader's shard: the embedded-mode {@link FeedStore}. One statement per shard per
 * fan-out batch. Trimming to the cap is amortised: each insert trims its readers with probability 1/16, so a feed
 * briefly holds a few items over the cap instead of paying an offset scan on every write.
 */
public final class PgFeedStore implements FeedStore {

    private static final int TRIM_ONE_IN = 16;

    private final Shards shards;
    private final int cap;

    public PgFeedStore(Shards shards, int cap) {
        this.shards = shards;
        this.cap = cap;
    }

    @Override
    public void addToFeeds(Collection<Long> readerIds, long statusId, long authorId) {
        ScalegramId.byShard(readerIds).forEach((shard, readers) -> shards.transaction(shard, (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(sql.of("""
                    INSERT INTO {s}.feed_items (reader_id, status_id, author_id)
                    SELECT r, ?, ? FROM unnest(?::bigint[]) AS r ON CONFLICT DO NOTHING"""))) {
                ps.setLong(1, statusId);
                ps.setLong(2, authorId);
                ps.setArray(3, c.createArrayOf("bigint", readers.toArray()));
                ps.executeUpdate();
            }
            List<Long> toTrim = new ArrayList<>();
            for (long r : readers) {
                if (ThreadLocalRandom.current().nextInt(TRIM_ONE_IN) == 0) {
                    toTrim.add(r);
                }
            }
            trim(c, sql, toTrim);
            return null;
        }));
    }

    @Override
    public void addToFeed(long readerId, Collection<Long> statusIds, long authorId) {
        if (statusIds.isEmpty()) {
            return;
        }
        shards.transaction(ScalegramId.shard(readerId), (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(sql.of("""
                    INSERT INTO {s}.feed_items (reader_id, status_id, author_id)
                    SELECT ?, s, ? FROM unnest(?::bigint[]) AS s ON CONFLICT DO NOTHING"""))) {
                ps.setLong(1, readerId);
                ps.setLong(2, authorId);
                ps.setArray(3, c.createArrayOf("bigint", statusIds.toArray()));
                ps.executeUpdate();
            }
            trim(c, sql, List.of(readerId));
            return null;
        });
    }

    private void trim(java.sql.Connection c, dev.scalegram.shards.ShardSql sql, List<Long> readers)
            throws java.sql.SQLException {
        if (readers.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql.of("""
                DELETE FROM {s}.feed_items f
                USING (SELECT r AS reader_id,
                              (SELECT status_id FROM {s}.feed_items g WHERE g.reader_id = r
                               ORDER BY status_id DESC OFFSET ? LIMIT 1) AS cutoff
                       FROM unnest(?::bigint[]) AS r) cut
                WHERE f.reader_id = cut.reader_id AND f.status_id <= cut.cutoff"""))) {
            ps.setInt(1, cap);
            ps.setArray(2, c.createArrayOf("bigint", readers.toArray()));
            ps.executeUpdate();
        }
    }

    @Override
    public void removeFromFeeds(Collection<Long> readerIds, long statusId) {
        ScalegramId.byShard(readerIds).forEach((shard, readers) -> shards.read(shard, (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(
                    sql.of("DELETE FROM {s}.feed_items WHERE reader_id = ANY(?) AND status_id = ?"))) {
                ps.setArray(1, c.createArrayOf("bigint", readers.toArray()));
                ps.setLong(2, statusId);
                ps.executeUpdate();
            }
            return null;
        }));
    }

    @Override
    public void removeAuthor(long readerId, long authorId) {
        shards.read(ScalegramId.shard(readerId), (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(
                    sql.of("DELETE FROM {s}.feed_items WHERE reader_id = ? AND author_id = ?"))) {
                ps.setLong(1, readerId);
                ps.setLong(2, authorId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void load(Map<Long, List<FeedItem>> itemsByReader) {
        ScalegramId.byShard(itemsByReader.keySet()).forEach((shard, readers) -> shards.transaction(shard, (c, sql) -> {
            CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn(sql.of("COPY {s}.feed_items (reader_id, status_id, author_id) FROM STDIN"));
            try {
                StringBuilder b = new StringBuilder(1 << 16);
                for (long reader : readers) {
                    for (FeedItem i : itemsByReader.get(reader)) {
                        b.append(reader).append('\t').append(i.statusId()).append('\t').append(i.authorId()).append('\n');
                        if (b.length() >= 1 << 16) {
                            send(copy, b);
                        }
                    }
                }
                send(copy, b);
                return copy.endCopy();
            } finally {
                if (copy.isActive()) {
                    copy.cancelCopy();
                }
            }
        }));
    }

    private static void send(CopyIn copy, StringBuilder b) throws java.sql.SQLException {
        byte[] bytes = b.toString().getBytes(StandardCharsets.US_ASCII);
        copy.writeToCopy(bytes, 0, bytes.length);
        b.setLength(0);
    }

    @Override
    public List<FeedItem> page(long readerId, Page page) {
        return shards.read(ScalegramId.shard(readerId), (c, sql) -> {
            String order = page.ascending() ? "ASC" : "DESC";
            try (PreparedStatement ps = c.prepareStatement(sql.of(
                    "SELECT status_id, author_id FROM {s}.feed_items WHERE reader_id = ? AND status_id < ? "
                            + "AND status_id > ? ORDER BY status_id " + order + " LIMIT ?"))) {
                ps.setLong(1, readerId);
                ps.setLong(2, page.upper());
                ps.setLong(3, page.lower());
                ps.setInt(4, page.limit());
                List<FeedItem> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new FeedItem(rs.getLong(1), rs.getLong(2)));
                    }
                }
                if (page.ascending()) {
                    java.util.Collections.reverse(out);
                }
                return out;
            }
        });
    }

}
