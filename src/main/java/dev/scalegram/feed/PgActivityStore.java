package dev.scalegram.feed;

import dev.scalegram.ids.Page;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.shards.Shards;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Activity in PostgreSQL on the recipient's shard: the embedded-mode {@link ActivityStore}. */
public final class PgActivityStore implements ActivityStore {

    private final Shards shards;

    public PgActivityStore(Shards shards) {
        this.shards = shards;
    }

    @Override
    public void add(long userId, Activity.Type type, long actorId, long statusId) {
        shards.read(ScalegramId.shard(userId), (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(sql.of(
                    "INSERT INTO {s}.activity (user_id, type, actor_id, status_id) VALUES (?, ?, ?, ?) "
                            + "ON CONFLICT DO NOTHING"))) {
                ps.setLong(1, userId);
                ps.setString(2, type.name());
                ps.setLong(3, actorId);
                ps.setLong(4, statusId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<Activity> page(long userId, Page page, Set<Activity.Type> types) {
        return shards.read(ScalegramId.shard(userId), (c, sql) -> {
            String order = page.ascending() ? "ASC" : "DESC";
            try (PreparedStatement ps = c.prepareStatement(sql.of(
                    "SELECT id, type, actor_id, status_id FROM {s}.activity WHERE user_id = ? AND id < ? AND id > ? "
                            + (types.isEmpty() ? "" : "AND type = ANY(?) ") + "ORDER BY id " + order + " LIMIT ?"))) {
                int i = 1;
                ps.setLong(i++, userId);
                ps.setLong(i++, page.upper());
                ps.setLong(i++, page.lower());
                if (!types.isEmpty()) {
                    ps.setArray(i++, c.createArrayOf("text", types.stream().map(Enum::name).toArray()));
                }
                ps.setInt(i, page.limit());
                List<Activity> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(row(userId, rs));
                    }
                }
                if (page.ascending()) {
                    java.util.Collections.reverse(out);
                }
                return out;
            }
        });
    }

    private static Activity row(long userId, ResultSet rs) throws SQLException {
        return new Activity(rs.getLong(1), userId, Activity.Type.valueOf(rs.getString(2)), rs.getLong(3), rs.getLong(4));
    }

    @Override
    public Optional<Activity> get(long userId, long activityId) {
        return shards.read(ScalegramId.shard(userId), (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(sql.of(
                    "SELECT id, type, actor_id, status_id FROM {s}.activity WHERE user_id = ? AND id = ?"))) {
                ps.setLong(1, userId);
                ps.setLong(2, activityId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(row(userId, rs)) : Optional.<Activity>empty();
                }
            }
        });
    }

    @Override
    public void removeForStatus(long userId, long statusId) {
        update(userId, "DELETE FROM {s}.activity WHERE user_id = ? AND status_id = ?", statusId);
    }

    @Override
    public void clear(long userId) {
        update(userId, "DELETE FROM {s}.activity WHERE user_id = ?");
    }

    @Override
    public boolean dismiss(long userId, long activityId) {
        return update(userId, "DELETE FROM {s}.activity WHERE user_id = ? AND id = ?", activityId) == 1;
    }

    private int update(long userId, String template, long... args) {
        return shards.read(ScalegramId.shard(userId), (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(sql.of(template))) {
                ps.setLong(1, userId);
                for (int i = 0; i < args.length; i++) {
                    ps.setLong(i + 2, args[i]);
                }
                return ps.executeUpdate();
            }
        });
    }
}
