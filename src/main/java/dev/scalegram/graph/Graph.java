package dev.scalegram.graph;

import dev.scalegram.cache.Codec;
import dev.scalegram.cache.ReadThrough;
import dev.scalegram.ids.Page;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.shards.Shards;
import dev.scalegram.tasks.Task;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The graph API. Reads are served through the lease cache (objects, counts, edge checks, the head of each range,
 * names); misses are loaded with one query per shard. Writes run through {@link #write}.
 */
public final class Graph {

    /** How many newest entries of a range are cached as its head; pages inside the head never touch the database. */
    static final int HEAD = 100;

    private final Shards shards;
    private final ReadThrough cache;

    public Graph(Shards shards, ReadThrough cache) {
        this.shards = shards;
        this.cache = cache;
    }

    public Shards shards() {
        return shards;
    }

    /** The shard a unique name lives on. */
    public int shardForName(String namespace, String name) {
        return shards.map().shardForName(namespace, name);
    }

    /** The work of one write transaction. */
    @FunctionalInterface
    public interface TxWork<T> {
        T run(GraphTx tx) throws SQLException;
    }

    /** Runs writes on one shard in one transaction, then invalidates every key they made stale. */
    public <T> T write(int shard, TxWork<T> work) {
        GraphTx[] tx = new GraphTx[1];
        T result = shards.transaction(shard, (c, sql) -> {
            tx[0] = new GraphTx(c, sql);
            return work.run(tx[0]);
        });
        cache.invalidate(tx[0].staleKeys());
        return result;
    }

    // ---- objects

    public Optional<GraphObject> objGet(long id) {
        return Optional.ofNullable(objGetMany(List.of(id)).get(id));
    }

    /**
     * Whether an id can name anything here: its shard bits must name one of this deployment's logical shards. Ids
     * from clients are checked with this before they are routed; anything else is simply absent.
     */
    public boolean routable(long id) {
        return id > 0 && ScalegramId.shard(id) < shards.logicalShards();
    }

    /** Objects by id; absent ids are missing from the map. Order follows {@code ids}. */
    public Map<Long, GraphObject> objGetMany(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        List<String> keys = new ArrayList<>(ids.size());
        Map<String, Long> idOfKey = new HashMap<>();
        for (long id : new LinkedHashSet<>(ids)) {
            if (!routable(id)) {
                continue;
            }
            String k = GraphKeys.object(id);
            keys.add(k);
            idOfKey.put(k, id);
        }
        Map<String, GraphObject> got = cache.getMany(keys, OBJECT_CODEC, missing -> {
            Map<Integer, List<Long>> byShard = ScalegramId.byShard(missing.stream().map(idOfKey::get).toList());
            Map<String, GraphObject> loaded = new HashMap<>();
            byShard.forEach((shard, shardIds) -> shards.read(shard, (c, sql) -> {
                try (PreparedStatement ps = c.prepareStatement(
                        sql.of("SELECT id, type, data::text, version FROM {s}.objects WHERE id = ANY(?)"))) {
                    ps.setArray(1, c.createArrayOf("bigint", shardIds.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            GraphObject o = new GraphObject(rs.getLong(1), ObjectType.of(rs.getShort(2)),
                                    rs.getString(3).getBytes(StandardCharsets.UTF_8), rs.getInt(4));
                            loaded.put(GraphKeys.object(o.id()), o);
                        }
                    }
                }
                return null;
            }));
            return loaded;
        });
        Map<Long, GraphObject> out = new LinkedHashMap<>();
        got.forEach((k, v) -> {
            if (v != null) {
                out.put(idOfKey.get(k), v);
            }
        });
        return out;
    }

    // ---- counts

    public long assocCount(long id1, Relation r) {
        return assocCountMany(List.of(id1), r).get(id1);
    }

    /** Counts for many id1s of one relation; every id1 gets an entry (0 when nothing was ever counted). */
    public Map<Long, Long> assocCountMany(Collection<Long> id1s, Relation r) {
        return assocCounts(Map.of(r, id1s)).get(r);
    }

    /**
     * Counts of several relations at once, each for its own id1s (a page's like and comment counts and its authors'
     * follower, following and post counts), in one cache round trip per server and at most one query per shard for
     * the misses. Every relation asked for gets a map with an entry for each of its id1s (0 when nothing was ever
     * counted).
     */
    public Map<Relation, Map<Long, Long>> assocCounts(Map<Relation, ? extends Collection<Long>> wanted) {
        record Counted(long id1, Relation r) {}
        Map<String, Counted> ofKey = new LinkedHashMap<>();
        wanted.forEach((r, id1s) -> {
            if (!r.counted()) {
                throw new IllegalArgumentException(r + " is not a counted relation");
            }
            for (long id : id1s) {
                if (routable(id)) {
                    ofKey.put(GraphKeys.count(id, r), new Counted(id, r));
                }
            }
        });
        Map<String, Long> got = ofKey.isEmpty() ? Map.of()
                : cache.getMany(new ArrayList<>(ofKey.keySet()), Codec.LONG, missing -> {
            Map<String, Long> loaded = new HashMap<>();
            missing.forEach(k -> loaded.put(k, 0L));
            Map<Long, Set<Short>> typesOfId = new HashMap<>();
            for (String k : missing) {
                Counted c = ofKey.get(k);
                typesOfId.computeIfAbsent(c.id1(), x -> new HashSet<>()).add((short) c.r().code());
            }
            ScalegramId.byShard(new ArrayList<>(typesOfId.keySet())).forEach((shard, ids) -> shards.read(shard,
                    (c, sql) -> {
                Set<Short> types = new HashSet<>();
                ids.forEach(id -> types.addAll(typesOfId.get(id)));
                try (PreparedStatement ps = c.prepareStatement(
                        sql.of("SELECT id1, type, n FROM {s}.counts WHERE id1 = ANY(?) AND type = ANY(?)"))) {
                    ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
                    ps.setArray(2, c.createArrayOf("smallint", types.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            String key = GraphKeys.count(rs.getLong(1), Relation.of(rs.getShort(2)));
                            // Rows for pairs nobody asked about (another relation of an id asked for) stay out.
                            if (loaded.containsKey(key)) {
                                loaded.put(key, rs.getLong(3));
                            }
                        }
                    }
                }
                return null;
            }));
            return loaded;
        });
        Map<Relation, Map<Long, Long>> out = new LinkedHashMap<>();
        wanted.forEach((r, id1s) -> {
            Map<Long, Long> counts = new LinkedHashMap<>();
            for (long id : id1s) {
                counts.put(id, 0L);
            }
            out.put(r, counts);
        });
        got.forEach((k, v) -> {
            Counted c = ofKey.get(k);
            out.get(c.r()).put(c.id1(), v == null ? 0L : v);
        });
        return out;
    }

    // ---- edge checks

    public boolean assocExists(long id1, Relation r, long id2) {
        return assocExistsTo(id1, r, List.of(id2)).get(id2);
    }

    /** Which of {@code id2s} {@code id1} has an edge to (one viewer's SAVED marks on a page of statuses). */
    public Map<Long, Boolean> assocExistsTo(long id1, Relation r, Collection<Long> id2s) {
        if (!routable(id1)) {
            Map<Long, Boolean> none = new LinkedHashMap<>();
            id2s.forEach(id2 -> none.put(id2, false));
            return none;
        }
        Map<String, Long> id2OfKey = new LinkedHashMap<>();
        for (long id2 : id2s) {
            id2OfKey.put(GraphKeys.edge(id1, r, id2), id2);
        }
        Map<String, Long> got = cache.getMany(new ArrayList<>(id2OfKey.keySet()), Codec.LONG, missing -> {
            Map<String, Long> loaded = new HashMap<>();
            missing.forEach(k -> loaded.put(k, 0L));
            List<Long> ids = missing.stream().map(id2OfKey::get).toList();
            shards.read(ScalegramId.shard(id1), (c, sql) -> {
                try (PreparedStatement ps = c.prepareStatement(
                        sql.of("SELECT id2 FROM {s}.assocs WHERE id1 = ? AND type = ? AND id2 = ANY(?)"))) {
                    ps.setLong(1, id1);
                    ps.setShort(2, (short) r.code());
                    ps.setArray(3, c.createArrayOf("bigint", ids.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            loaded.put(GraphKeys.edge(id1, r, rs.getLong(1)), 1L);
                        }
                    }
                }
                return null;
            });
            return loaded;
        });
        Map<Long, Boolean> out = new LinkedHashMap<>();
        got.forEach((k, v) -> out.put(id2OfKey.get(k), v != null && v == 1L));
        return out;
    }

    /** Which of {@code id1s} have an edge to {@code id2} (a page of statuses, LIKED_BY the viewer). */
    public Map<Long, Boolean> assocExistsFrom(Collection<Long> id1s, Relation r, long id2) {
        Map<String, Long> id1OfKey = new LinkedHashMap<>();
        for (long id1 : id1s) {
            if (routable(id1)) {
                id1OfKey.put(GraphKeys.edge(id1, r, id2), id1);
            }
        }
        Map<String, Long> got = cache.getMany(new ArrayList<>(id1OfKey.keySet()), Codec.LONG, missing -> {
            Map<String, Long> loaded = new HashMap<>();
            missing.forEach(k -> loaded.put(k, 0L));
            ScalegramId.byShard(missing.stream().map(id1OfKey::get).toList()).forEach((shard, ids) -> shards.read(shard, (c, sql) -> {
                try (PreparedStatement ps = c.prepareStatement(
                        sql.of("SELECT id1 FROM {s}.assocs WHERE type = ? AND id2 = ? AND id1 = ANY(?)"))) {
                    ps.setShort(1, (short) r.code());
                    ps.setLong(2, id2);
                    ps.setArray(3, c.createArrayOf("bigint", ids.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            loaded.put(GraphKeys.edge(rs.getLong(1), r, id2), 1L);
                        }
                    }
                }
                return null;
            }));
            return loaded;
        });
        Map<Long, Boolean> out = new LinkedHashMap<>();
        for (long id1 : id1s) {
            out.put(id1, false);
        }
        got.forEach((k, v) -> out.put(id1OfKey.get(k), v != null && v == 1L));
        return out;
    }

    /** assoc_get with the edge's data, straight from the shard. */
    public Optional<Assoc> assocGet(long id1, Relation r, long id2) {
        if (!routable(id1)) {
            return Optional.empty();
        }
        return shards.read(ScalegramId.shard(id1), (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(sql.of(
                    "SELECT pos, data::text FROM {s}.assocs WHERE id1 = ? AND type = ? AND id2 = ?"))) {
                ps.setLong(1, id1);
                ps.setShort(2, (short) r.code());
                ps.setLong(3, id2);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Assoc(id1, r, id2, rs.getLong(1), rs.getString(2)))
                            : Optional.<Assoc>empty();
                }
            }
        });
    }

    // ---- ranges

    /**
     * assoc_range: edges newest first by position, paged like Mastodon (see {@link Page}). Pages that fall inside
     * the cached head of the range are served from the cache. Range entries carry no data; use {@link #assocGet}.
     */
    public List<Assoc> assocRange(long id1, Relation r, Page page) {
        if (!routable(id1)) {
            return List.of();
        }
        if (page.limit() > HEAD) {
            return loadRange(id1, r, page);
        }
        long[] head = cache.get(GraphKeys.rangeHead(id1, r), Codec.LONG_ARRAY,
                () -> encodeHead(loadRange(id1, r, Page.newest(HEAD + 1))));
        boolean complete = head[0] == 1;
        List<Assoc> entries = new ArrayList<>((head.length - 1) / 2);
        for (int i = 1; i + 1 < head.length; i += 2) {
            entries.add(new Assoc(id1, r, head[i + 1], head[i], null));
        }
        List<Assoc> hit = page.apply(entries, Assoc::pos);
        long oldestCached = entries.isEmpty() ? Long.MAX_VALUE : entries.getLast().pos();
        // Served from the head if the head holds the whole range, or if the page lies wholly inside it.
        boolean inside = complete || (!page.ascending() && hit.size() == page.limit()
                && hit.getLast().pos() >= oldestCached) || (page.ascending() && page.lower() >= oldestCached);
        return inside ? hit : loadRange(id1, r, page);
    }

    /** assoc_time_range: edges whose position falls in [low, high), newest first. */
    public List<Assoc> assocTimeRange(long id1, Relation r, Instant high, Instant low, int limit) {
        return assocRange(id1, r, new Page(ScalegramId.lowestAt(high), ScalegramId.lowestAt(low) - 1, 0, limit));
    }

    private static long[] encodeHead(List<Assoc> newest) {
        boolean complete = newest.size() <= HEAD;
        int n = Math.min(HEAD, newest.size());
        long[] out = new long[1 + 2 * n];
        out[0] = complete ? 1 : 0;
        for (int i = 0; i < n; i++) {
            out[1 + 2 * i] = newest.get(i).pos();
            out[2 + 2 * i] = newest.get(i).id2();
        }
        return out;
    }

    private List<Assoc> loadRange(long id1, Relation r, Page page) {
        return shards.read(ScalegramId.shard(id1), (c, sql) -> {
            String order = page.ascending() ? "ASC" : "DESC";
            try (PreparedStatement ps = c.prepareStatement(sql.of(
                    "SELECT id2, pos FROM {s}.assocs WHERE id1 = ? AND type = ? AND pos < ? AND pos > ? ORDER BY pos "
                            + order + " LIMIT ?"))) {
                ps.setLong(1, id1);
                ps.setShort(2, (short) r.code());
                ps.setLong(3, page.upper());
                ps.setLong(4, page.lower());
                ps.setInt(5, page.limit());
                List<Assoc> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Assoc(id1, r, rs.getLong(1), rs.getLong(2), null));
                    }
                }
                if (page.ascending()) {
                    java.util.Collections.reverse(out);
                }
                return out;
            }
        });
    }

    // ---- names

    /** The id a unique name belongs to. */
    public OptionalLong nameLookup(String namespace, String name) {
        int shard = shardForName(namespace, name);
        Long id = cache.get(GraphKeys.name(namespace, name), Codec.LONG, () -> shards.read(shard, (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(
                    sql.of("SELECT id FROM {s}.names WHERE ns = ? AND name = ?"))) {
                ps.setString(1, namespace);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : null;
                }
            }
        }));
        return id == null ? OptionalLong.empty() : OptionalLong.of(id);
    }

    // ---- the inverse task

    /**
     * Writes the inverse end of an association on its own shard. The task says what changed, but the inverse is made
     * to match the first end as it is now (read from its shard, not the cache): an add and a delete of the same edge
     * can run in either order (retries, parallel workers) and the inverse still ends up right. Idempotent.
     */
    public void applyInverse(Task task) {
        GraphTx.InverseTask t = GraphTx.InverseTask.from(task.payload());
        Relation r = Relation.of(t.relation());
        Optional<Assoc> first = assocGet(t.id2(), r.inverse(), t.id1());
        write(ScalegramId.shard(t.id1()), tx -> first.isPresent()
                ? tx.insertEdge(t.id1(), r, t.id2(), first.get().pos(), first.get().data())
                : tx.deleteEdge(t.id1(), r, t.id2()));
    }

    public static String inverseTaskKind() {
        return GraphTx.INVERSE_TASK;
    }


    static final Codec<GraphObject> OBJECT_CODEC = new Codec<>() {
        @Override
        public byte[] encode(GraphObject o) {
            ByteBuffer b = ByteBuffer.allocate(8 + 2 + 4 + o.data().length);
            b.putLong(o.id()).putShort((short) o.type().code()).putInt(o.version()).put(o.data());
            return b.array();
        }

        @Override
        public GraphObject decode(byte[] bytes) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            long id = b.getLong();
            ObjectType type = ObjectType.of(b.getShort());
            int version = b.getInt();
            byte[] data = new byte[b.remaining()];
            b.get(data);
            return new GraphObject(id, type, data, version);
        }
    };
}
