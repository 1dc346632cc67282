package dev.scalegram.feed;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import dev.scalegram.ids.Page;
import dev.scalegram.ids.ScalegramId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Activity (notifications) in Cassandra: the cluster-mode {@link ActivityStore}. Table {@code activity}: one partition
 * per user, clustered by a time-ordered id descending, so a page is one slice from the top.
 *
 * <p>Adding is idempotent per (user, type, actor, status) through a second table, {@code activity_key}, keyed by
 * exactly that: an add first claims the key with a lightweight transaction ({@code IF NOT EXISTS}), which either
 * stores a fresh id or hands back the id a previous add stored, then writes the activity row under the winning id.
 * A retried add therefore rewrites the same row, even when the first attempt died between the two writes. Removals
 * delete the row first and release the key last (conditionally, only if it still names that row), so an interrupted
 * removal leaves a key whose retry finds it again, never an unreachable row. Every write to {@code activity_key} is a
 * lightweight transaction: mixing them with plain writes on the same rows could order them wrongly.
 *
 * <p>Ids are generated here in Scalegram's layout (millisecond, the user's shard, a 10-bit sequence), so they sort
 * by time like the PostgreSQL ones; there is no sequence to ask as in PostgreSQL. Two processes collide only if they
 * add for the same user in the same millisecond with the same sequence number (the later row would replace the
 * earlier).
 */
public final class CassandraActivityStore implements ActivityStore {

    private static final ConsistencyLevel SERIAL = DefaultConsistencyLevel.LOCAL_SERIAL;
    /** Rows fetched per round trip while filtering by type: a filtered page may skip over many others. */
    private static final int FILTERED_FETCH = 200;

    private final CqlSession cql;
    private final ConsistencyLevel write;
    private final ConsistencyLevel read;
    /** Reads whose answer decides a write (cleanups, dismiss): at the write level, so they see acknowledged writes. */
    private final ConsistencyLevel cleanupRead;
    private final BoundedRequests requests = new BoundedRequests(BoundedRequests.DEFAULT_MAX_IN_FLIGHT);
    /**
     * The last id's (millisecond, sequence) as one number, so ids from this process strictly increase. Each process
     * starts its sequence at a random offset within the millisecond, so two processes seldom pick the same number.
     */
    private final AtomicLong clock = new AtomicLong();
    private final int offset = ThreadLocalRandom.current().nextInt(1 << (ScalegramId.SEQ_BITS - 1));

    private final PreparedStatement claimKey;
    private final PreparedStatement releaseKey;
    private final PreparedStatement keysOfStatus;
    private final PreparedStatement keysOfUser;
    private final PreparedStatement insertRow;
    private final PreparedStatement deleteRow;
    private final PreparedStatement deleteUser;
    private final PreparedStatement getRow;
    private final PreparedStatement newestFirst;
    private final PreparedStatement oldestFirst;

    public CassandraActivityStore(CassandraSession session) {
        this.cql = session.cql();
        this.write = session.config().write();
        this.read = session.config().read();
        this.cleanupRead = write == DefaultConsistencyLevel.ANY ? read : write;
        String keys = session.table("activity_key");
        String rows = session.table("activity");
        claimKey = cql.prepare("INSERT INTO " + keys + " (user_id, status_id, type, actor_id, id)"
                + " VALUES (?, ?, ?, ?, ?) IF NOT EXISTS");
        releaseKey = cql.prepare("DELETE FROM " + keys
                + " WHERE user_id = ? AND status_id = ? AND type = ? AND actor_id = ? IF id = ?");
        keysOfStatus = cql.prepare("SELECT type, actor_id, id FROM " + keys + " WHERE user_id = ? AND status_id = ?");
        keysOfUser = cql.prepare("SELECT status_id, type, actor_id, id FROM " + keys + " WHERE user_id = ?");
        insertRow = cql.prepare("INSERT INTO " + rows + " (user_id, id, type, actor_id, status_id)"
                + " VALUES (?, ?, ?, ?, ?)");
        deleteRow = cql.prepare("DELETE FROM " + rows + " WHERE user_id = ? AND id = ?");
        deleteUser = cql.prepare("DELETE FROM " + rows + " WHERE user_id = ?");
        getRow = cql.prepare("SELECT id, type, actor_id, status_id FROM " + rows + " WHERE user_id = ? AND id = ?");
        String page = "SELECT id, type, actor_id, status_id FROM " + rows + " WHERE user_id = ? AND id < ? AND id > ?";
        newestFirst = cql.prepare(page);
        oldestFirst = cql.prepare(page + " ORDER BY id ASC");
    }

    @Override
    public void add(long userId, Activity.Type type, long actorId, long statusId) {
        long fresh = nextId(userId);
        ResultSet claim = cql.execute(claimKey.bind(userId, statusId, type.name(), actorId, fresh)
                .setConsistencyLevel(write).setSerialConsistencyLevel(SERIAL));
        long id = claim.wasApplied() ? fresh : claim.one().getLong("id");
        cql.execute(writing(insertRow.bind(userId, id, type.name(), actorId, statusId)));
    }

    @Override
    public List<Activity> page(long userId, Page page, Set<Activity.Type> types) {
        PreparedStatement ps = page.ascending() ? oldestFirst : newestFirst;
        // Unfiltered, one page of exactly the limit is the answer; filtered, read on until enough rows match.
        int fetch = types.isEmpty() ? page.limit() : Math.max(page.limit(), FILTERED_FETCH);
        BoundStatement b = reading(ps.bind(userId, page.upper(), page.lower())).setPageSize(fetch);
        List<Activity> out = new ArrayList<>();
        Iterator<Row> rows = cql.execute(b).iterator();
        while (out.size() < page.limit() && rows.hasNext()) {
            Activity a = activity(userId, rows.next());
            if (types.isEmpty() || types.contains(a.type())) {
                out.add(a);
            }
        }
        if (page.ascending()) {
            Collections.reverse(out);
        }
        return out;
    }

    @Override
    public Optional<Activity> get(long userId, long activityId) {
        Row row = cql.execute(reading(getRow.bind(userId, activityId))).one();
        return Optional.ofNullable(row).map(r -> activity(userId, r));
    }

    @Override
    public void removeForStatus(long userId, long statusId) {
        List<Row> keys = cql.execute(keysOfStatus.bind(userId, statusId).setConsistencyLevel(cleanupRead)).all();
        requests.forEach(keys, k -> {
            long id = k.getLong("id");
            return cql.executeAsync(writing(deleteRow.bind(userId, id))).thenCompose(x -> cql.executeAsync(
                    release(userId, statusId, k.getString("type"), k.getLong("actor_id"), id)));
        });
    }

    @Override
    public void clear(long userId) {
        List<Row> keys = cql.execute(keysOfUser.bind(userId).setConsistencyLevel(cleanupRead)).all();
        // The rows go in one partition tombstone; the keys one by one, each a lightweight transaction as their
        // writes are.
        cql.execute(writing(deleteUser.bind(userId)));
        requests.forEach(keys, k -> cql.executeAsync(release(userId, k.getLong("status_id"), k.getString("type"),
                k.getLong("actor_id"), k.getLong("id"))));
    }

    @Override
    public boolean dismiss(long userId, long activityId) {
        Row row = cql.execute(getRow.bind(userId, activityId).setConsistencyLevel(cleanupRead)).one();
        if (row == null) {
            return false;
        }
        Activity a = activity(userId, row);
        cql.execute(writing(deleteRow.bind(userId, activityId)));
        cql.execute(release(userId, a.statusId(), a.type().name(), a.actorId(), activityId));
        return true;
    }

    private long nextId(long userId) {
        long now = (System.currentTimeMillis() << ScalegramId.SEQ_BITS) | offset;
        // A burst of more than a millisecond's worth borrows the next millisecond: order matters more than the clock.
        long v = clock.updateAndGet(last -> Math.max(last + 1, now));
        int seqMask = (1 << ScalegramId.SEQ_BITS) - 1;
        return ScalegramId.of(v >>> ScalegramId.SEQ_BITS, ScalegramId.shard(userId), (int) (v & seqMask));
    }

    /** Frees a key so a later add makes a new activity, unless the key already names another one. */
    private BoundStatement release(long userId, long statusId, String type, long actorId, long id) {
        return releaseKey.bind(userId, statusId, type, actorId, id)
                .setConsistencyLevel(write).setSerialConsistencyLevel(SERIAL);
    }

    private static Activity activity(long userId, Row r) {
        return new Activity(r.getLong("id"), userId, Activity.Type.valueOf(r.getString("type")), r.getLong("actor_id"),
                r.getLong("status_id"));
    }

    private <S extends Statement<S>> S writing(S s) {
        // Upserts and deletes: safe for the driver to retry.
        return s.setConsistencyLevel(write).setIdempotent(true);
    }

    private <S extends Statement<S>> S reading(S s) {
        return s.setConsistencyLevel(read).setIdempotent(true);
    }
}
