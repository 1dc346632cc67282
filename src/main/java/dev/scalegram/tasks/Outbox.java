package dev.scalegram.tasks;

import dev.scalegram.json.Json;
import dev.scalegram.shards.ShardSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Writes tasks into a shard's outbox inside the caller's transaction. The NOTIFY is transactional too: PostgreSQL
 * delivers it only on commit, which wakes the relay without polling.
 */
public final class Outbox {

    public static final String CHANNEL = "scalegram_outbox";

    private Outbox() {}

    public static void enqueue(Connection c, ShardSql sql, String kind, Object payload) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                sql.of("INSERT INTO {s}.outbox (kind, payload) VALUES (?, ?::jsonb)"))) {
            ps.setString(1, kind);
            ps.setString(2, Json.string(payload));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(sql.of("SELECT pg_notify('" + CHANNEL + "', ?)"))) {
            ps.setString(1, Integer.toString(sql.shard()));
            ps.execute();
        }
    }
}
