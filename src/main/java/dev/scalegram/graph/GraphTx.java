package dev.scalegram.graph;

import dev.scalegram.ids.ScalegramId;
import dev.scalegram.json.Json;
import dev.scalegram.shards.ShardSql;
import dev.scalegram.tasks.Outbox;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Writes on one shard inside one transaction. Every method records the cache keys it makes stale; the
 * {@link Graph} invalidates them after commit (never before: a reader could refill the old value in between). An
 * association whose relation has an inverse puts an outbox task in the same transaction, so the inverse is written
 * if and only if this commits.
 */
public final class GraphTx {

    static final String INVERSE_TASK = "graph.inverse";

    private final Connection c;
    private final ShardSql sql;
    private final Set<String> stale = new LinkedHashSet<>();

    GraphTx(Connection c, ShardSql sql) {
        this.c = c;
        this.sql = sql;
    }

    public int shard() {
        return sql.shard();
    }

    Set<String> staleKeys() {
        return stale;
    }

    private void onThisShard(long id, String what) {
        if (ScalegramId.shard(id) != sql.shard()) {
            throw new IllegalArgumentException(what + " " + id + " lives on shard " + ScalegramId.shard(id)
                    + ", not on shard " + sql.shard() + " where this transaction runs");
        }
    }

    /** A new time-ordered id on this shard. */
    public long nextId() throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.of("SELECT {s}.next_id()"));
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** obj_add: stores a new object on this shard and returns its id. */
    public long objAdd(ObjectType type, Object data) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                sql.of("INSERT INTO {s}.objects (type, data) VALUES (?, ?::jsonb) RETURNING id"))) {
            ps.setShort(1, (short) type.code());
            ps.setString(2, Json.string(data));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long id = rs.getLong(1);
                stale.add(GraphKeys.object(id));
                return id;
            }
        }
    }

    /** obj_add with an id chosen beforehand (from {@link #nextId()}), for objects whose payload names their own id. */
    public void objAdd(long id, ObjectType type, Object data) throws SQLException {
        onThisShard(id, "object");
        try (PreparedStatement ps = c.prepareStatement(
                sql.of("INSERT INTO {s}.objects (id, type, data) VALUES (?, ?, ?::jsonb)"))) {
            ps.setLong(1, id);
            ps.setShort(2, (short) type.code());
            ps.setString(3, Json.string(data));
            ps.executeUpdate();
        }
        stale.add(GraphKeys.object(id));
    }

    /** Reads an object and locks it until commit: the start of a read-modify-write. */
    public Optional<GraphObject> objGetForUpdate(long id) throws SQLException {
        onThisShard(id, "object");
        try (PreparedStatement ps = c.prepareStatement(
                sql.of("SELECT type, data::text, version FROM {s}.objects WHERE id = ? FOR UPDATE"))) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new GraphObject(id, ObjectType.of(rs.getShort(1)),
                        rs.getString(2).getBytes(StandardCharsets.UTF_8), rs.getInt(3)));
            }
        }
    }

    /** obj_update: replaces an object's payload; false if it does not exist. */
    public boolean objUpdate(long id, Object data) throws SQLException {
        onThisShard(id, "object");
        try (PreparedStatement ps = c.prepareStatement(sql.of(
                "UPDATE {s}.objects SET data = ?::jsonb, version = version + 1, updated_at = now() WHERE id = ?"))) {
            ps.setString(1, Json.string(data));
            ps.setLong(2, id);
            stale.add(GraphKeys.object(id));
            return ps.executeUpdate() == 1;
        }
    }

    /** obj_delete: false if it did not exist. Associations are the caller's to remove. */
    public boolean objDelete(long id) throws SQLException {
        onThisShard(id, "object");
        try (PreparedStatement ps = c.prepareStatement(sql.of("DELETE FROM {s}.objects WHERE id = ?"))) {
            ps.setLong(1, id);
            stale.add(GraphKeys.object(id));
            return ps.executeUpdate() == 1;
        }
    }

    /** assoc_add with a fresh time-ordered position. */
    public boolean assocAdd(long id1, Relation r, long id2) throws SQLException {
        return assocAdd(id1, r, id2, nextId(), null);
    }

    /**
     * assoc_add: adds {@code id1 -r-> id2} if absent, bumps its count in the same transaction and enqueues the
     * inverse. Returns false (and changes nothing) if the edge already existed, which makes repeats harmless.
     */
    public boolean assocAdd(long id1, Relation r, long id2, long pos, String data) throws SQLException {
        onThisShard(id1, "id1");
        boolean added = insertEdge(id1, r, id2, pos, data);
        if (added && r.inverse() != null) {
            Outbox.enqueue(c, sql, INVERSE_TASK, new InverseTask(true, r.inverse().code(), id2, id1, pos, data));
        }
        return added;
    }

    /** assoc_delete: removes the edge and its count share and enqueues the inverse removal; false if it was absent. */
    public boolean assocDelete(long id1, Relation r, long id2) throws SQLException {
        onThisShard(id1, "id1");
        boolean removed = deleteEdge(id1, r, id2);
        if (removed && r.inverse() != null) {
            Outbox.enqueue(c, sql, INVERSE_TASK, new InverseTask(false, r.inverse().code(), id2, id1, 0, null));
        }
        return removed;
    }

    /** Whether an edge exists, read inside this transaction. */
    public boolean assocExists(long id1, Relation r, long id2) throws SQLException {
        onThisShard(id1, "id1");
        try (PreparedStatement ps = c.prepareStatement(
                sql.of("SELECT 1 FROM {s}.assocs WHERE id1 = ? AND type = ? AND id2 = ?"))) {
            ps.setLong(1, id1);
            ps.setShort(2, (short) r.code());
            ps.setLong(3, id2);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The current count, read inside this transaction (after this transaction's own changes). */
    public long assocCount(long id1, Relation r) throws SQLException {
        onThisShard(id1, "id1");
        try (PreparedStatement ps = c.prepareStatement(
                sql.of("SELECT n FROM {s}.counts WHERE id1 = ? AND type = ?"))) {
            ps.setLong(1, id1);
            ps.setShort(2, (short) r.code());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** Puts a task into this shard's outbox; it will run if and only if this transaction commits. */
    public void enqueue(String kind, Object payload) throws SQLException {
        Outbox.enqueue(c, sql, kind, payload);
    }

    /** Claims a unique name for an id on this shard (which must be the name's shard); false if it is taken. */
    public boolean nameClaim(String namespace, String name, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.of(
                "INSERT INTO {s}.names (ns, name, id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"))) {
            ps.setString(1, namespace);
            ps.setString(2, name);
            ps.setLong(3, id);
            stale.add(GraphKeys.name(namespace, name));
            return ps.executeUpdate() == 1;
        }
    }

    public boolean nameRelease(String namespace, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.of("DELETE FROM {s}.names WHERE ns = ? AND name = ?"))) {
            ps.setString(1, namespace);
            ps.setString(2, name);
            stale.add(GraphKeys.name(namespace, name));
            return ps.executeUpdate() == 1;
        }
    }

    // The edge and count writes shared by the first end and the inverse task.

    boolean insertEdge(long id1, Relation r, long id2, long pos, String data) throws SQLException {
        boolean added;
        try (PreparedStatement ps = c.prepareStatement(sql.of(
                "INSERT INTO {s}.assocs (id1, type, id2, pos, data) VALUES (?, ?, ?, ?, ?::jsonb) ON CONFLICT DO NOTHING"))) {
            ps.setLong(1, id1);
            ps.setShort(2, (short) r.code());
            ps.setLong(3, id2);
            ps.setLong(4, pos);
            ps.setString(5, data);
            added = ps.executeUpdate() == 1;
        }
        if (added) {
            if (r.counted()) {
                bumpCount(id1, r, 1);
            }
            touch(id1, r, id2);
        }
        return added;
    }

    boolean deleteEdge(long id1, Relation r, long id2) throws SQLException {
        boolean removed;
        try (PreparedStatement ps = c.prepareStatement(
                sql.of("DELETE FROM {s}.assocs WHERE id1 = ? AND type = ? AND id2 = ?"))) {
            ps.setLong(1, id1);
            ps.setShort(2, (short) r.code());
            ps.setLong(3, id2);
            removed = ps.executeUpdate() == 1;
        }
        if (removed) {
            if (r.counted()) {
                bumpCount(id1, r, -1);
            }
            touch(id1, r, id2);
        }
        return removed;
    }

    private void bumpCount(long id1, Relation r, int delta) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.of("""
                INSERT INTO {s}.counts (id1, type, n) VALUES (?, ?, GREATEST(?, 0))
                ON CONFLICT (id1, type) DO UPDATE SET n = GREATEST({s}.counts.n + EXCLUDED.n + ?, 0)"""))) {
            // On conflict: n + GREATEST(delta,0) + (delta<0 ? delta : 0) == n + delta, floored at 0.
            ps.setLong(1, id1);
            ps.setShort(2, (short) r.code());
            ps.setInt(3, delta);
            ps.setInt(4, Math.min(delta, 0));
            ps.executeUpdate();
        }
    }

    private void touch(long id1, Relation r, long id2) {
        stale.add(GraphKeys.edge(id1, r, id2));
        stale.add(GraphKeys.rangeHead(id1, r));
        if (r.counted()) {
            stale.add(GraphKeys.count(id1, r));
        }
    }

    /** The outbox payload of an inverse write. */
    record InverseTask(boolean add, int relation, long id1, long id2, long pos, String data) {
        static InverseTask from(tools.jackson.databind.JsonNode n) {
            return Json.convert(n, InverseTask.class);
        }
    }
}
