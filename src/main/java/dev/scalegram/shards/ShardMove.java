package dev.scalegram.shards;

import dev.scalegram.config.Topology.PgServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.CRC32;

/**
 * Moves one logical shard to another PostgreSQL server while the deployment keeps running. Other shards are never
 * touched; the moving shard's writers wait through a short freeze and then carry on on the new server.
 *
 * <ol>
 *   <li><b>Copy.</b> The source publishes the shard's schema ({@code CREATE PUBLICATION ... FOR TABLES IN SCHEMA}).
 *       The target gets the schema from the same Flyway migration as any shard (tables, indexes, sequence,
 *       {@code next_id()}), its fresh Flyway history emptied so that the source's arrives instead, and subscribes
 *       with {@code copy_data = true}: PostgreSQL copies every table and then streams the changes made since.</li>
 *   <li><b>Catch up.</b> Wait until every table is synchronized ({@code pg_subscription_rel} state {@code r}) and
 *       the slot's confirmed position has reached the source's WAL position.</li>
 *   <li><b>Freeze.</b> One transaction on the source takes {@code EXCLUSIVE} locks on the shard's tables. That blocks
 *       the shard's writers (plain reads go on) and nothing else; it gives up after a short lock timeout and tries
 *       again rather than sit in a lock queue behind a long transaction, and rather than deadlock with a writer that
 *       already holds one of the tables. Every transaction that committed before the lock is in the WAL before a
 *       mark written (and flushed) next; the move waits until the subscriber has confirmed the mark's position, that
 *       is, has applied and flushed everything before it. Logical replication carries no sequences, so the target's
 *       id sequence is set past the source's: by a full cycle of the 10 sequence bits and half of another, so that
 *       even ids the source hands out in the switch's own millisecond (to transactions that will fail anyway) do
 *       not share sequence bits with the target's first ones.</li>
 *   <li><b>Switch.</b> Still inside the locking transaction, the source schema is renamed away
 *       ({@code shard_0042_moved_<timestamp>}); then the directory's map is switched (new version, NOTIFY); then the
 *       locking transaction commits. Writers that were waiting fail with "relation does not exist", and
 *       {@link Shards} re-reads the map and runs their unit of work again on the new server: no write is lost
 *       (it committed before the freeze and was copied, or it failed and runs again) and none is applied twice (the
 *       failed attempt never committed). The directory commits before the source, so anyone who fails on the renamed
 *       schema finds the new map.</li>
 *   <li><b>Verify.</b> A repeatable-read snapshot of the target taken during the freeze (before any write could reach
 *       it) is compared with the frozen, renamed source: row count and an md5 over every row in primary key order,
 *       per table. The renamed copy is kept unless asked to drop it.</li>
 * </ol>
 *
 * Anything that fails before the switch rolls the move back: the freeze transaction is rolled back (the schema keeps
 * its name, writers proceed), and the subscription, publication, slots and the half-made target schema are dropped.
 * The map is untouched, so the source never stopped being the shard's home. If the directory's commit fails with an
 * unknown outcome, the directory is read again to decide. What is not covered: the source's final commit failing
 * <em>after</em> the directory switched (the connection dies in that instant); the rename is then redone at once, but
 * a writer with the old map could have written to the source in between, and the move says so loudly.
 *
 * <p>The subscription connects from the target server to the source with the source's JDBC host, port, database,
 * user and password: that address must be reachable from the target server, not only from this process.
 */
public final class ShardMove {

    private static final Logger LOG = Logger.getLogger(ShardMove.class.getName());
    /** Marks a schema on the target that a move is still filling: never live, safe to drop when found later. */
    private static final String INCOMING = "scalegram: incoming shard move, not live yet";
    private static final String LOCK_NOT_AVAILABLE = "55P03";
    /** Ids keep seq % 1024: a margin of exactly 1024 would land on the same residues, so go half a cycle further. */
    private static final int SEQUENCE_MARGIN = 1024 + 512;
    private static final int LOCK_ATTEMPTS = 50;

    /** What a finished move did. */
    public record Result(int shard, String from, String to, long mapVersion, long freezeMillis, String oldSchema,
                         boolean sourceDropped, Map<String, Long> rows) {}

    /** Where a move is; tests break a move at a chosen step. */
    enum Step { COPYING, CAUGHT_UP, FROZEN, SWITCHED }

    private final Shards shards;
    private Consumer<String> progress = line -> {};
    private boolean dropSource;
    private Duration copyTimeout = Duration.ofHours(6);
    private Duration freezeTimeout = Duration.ofSeconds(30);
    private Consumer<Step> hook = step -> {};

    /** A move run with the deployment's servers and directory as {@code shards} knows them. */
    public ShardMove(Shards shards) {
        this.shards = shards;
    }

    /** Where progress lines go (the CLI prints them). */
    public ShardMove progress(Consumer<String> lines) {
        this.progress = lines;
        return this;
    }

    /** Drop the renamed source schema once the copy is verified, instead of keeping it. */
    public ShardMove dropSource(boolean drop) {
        this.dropSource = drop;
        return this;
    }

    /** The longest the freeze may wait for the target to apply the last changes before the move gives up. */
    public ShardMove freezeTimeout(Duration d) {
        this.freezeTimeout = d;
        return this;
    }

    ShardMove copyTimeout(Duration d) {
        this.copyTimeout = d;
        return this;
    }

    ShardMove hook(Consumer<Step> h) {
        this.hook = h;
        return this;
    }

    /** Moves {@code shard} to the server named {@code target}; throws (with the map unchanged) if it cannot. */
    public Result run(int shard, String target) {
        ShardMap map = shards.refreshMap();
        if (shard < 0 || shard >= map.logicalShards()) {
            throw new IllegalArgumentException("no logical shard " + shard + " (this deployment has "
                    + map.logicalShards() + ")");
        }
        if (!map.servers().contains(target)) {
            throw new IllegalArgumentException("no server '" + target + "' (servers: " + map.servers() + ")");
        }
        String source = map.serverOf(shard);
        if (source.equals(target)) {
            throw new IllegalArgumentException("logical shard " + shard + " is already on " + target);
        }
        try (Connection moveLock = shards.directory().connect()) {
            try (PreparedStatement ps = moveLock.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
                ps.setInt(1, ShardDirectory.MOVE_LOCK_CLASS);
                ps.setInt(2, shard);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        throw new IllegalStateException("another move of logical shard " + shard + " is running");
                    }
                }
            }
            // The session lock ends with this connection, also if this process dies.
            return new Attempt(shard, source, target).run();
        } catch (SQLException e) {
            throw new ShardException("cannot move logical shard " + shard + ": " + e.getMessage(), e);
        }
    }

    /** One move's state: what exists so far, so that an abort removes exactly that. */
    private final class Attempt {
        final int shard;
        final String schema;
        final String source;
        final String target;
        final PgServer src;
        final PgServer dst;
        /** Publication, subscription and slot share this name; the source database is in it (slots are per cluster). */
        final String name;
        Connection s;
        Connection t;
        Connection snapshot;
        long subscriptionOid;
        boolean targetSchemaMade;
        boolean switched;

        Attempt(int shard, String source, String target) {
            this.shard = shard;
            this.schema = ShardMap.schema(shard);
            this.source = source;
            this.target = target;
            this.src = shards.server(source);
            this.dst = shards.server(target);
            CRC32 crc = new CRC32();
            crc.update(Conninfo.parse(src.url()).database().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            this.name = "scalegram_move_%04d_%08x".formatted(shard, crc.getValue());
        }

        Result run() throws SQLException {
            try {
                s = connect(src);
                t = connect(dst);
                snapshot = connect(dst);
                prepare();
                copy();
                catchUp();
                Frozen frozen = freezeAndSwitch();
                return finish(frozen);
            } catch (SQLException | RuntimeException e) {
                if (!switched) {
                    abort(e);
                }
                throw e;
            } finally {
                closeQuietly(snapshot);
                closeQuietly(t);
                closeQuietly(s);
            }
        }

        void prepare() throws SQLException {
            removeLeftovers();
            if (!schemaExists(s, schema)) {
                throw new IllegalStateException("the map puts logical shard " + shard + " on " + source
                        + " but that server has no schema " + schema);
            }
            List<String> noIdentity = strings(s, """
                    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = ? AND c.relkind IN ('r', 'p')
                      AND (c.relreplident = 'n' OR (c.relreplident = 'd' AND NOT EXISTS (
                           SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)))""", schema);
            if (!noIdentity.isEmpty()) {
                // Publishing such a table would make every UPDATE and DELETE on it fail while the move runs.
                throw new IllegalStateException("tables " + noIdentity + " of " + schema
                        + " have no primary key (replica identity), so they cannot be moved online");
            }
        }

        /** Drops what a move of this shard that died before its switch left behind (the move lock is held). */
        void removeLeftovers() throws SQLException {
            Long oid = subscriptionOid(t);
            if (oid != null) {
                LOG.warning(() -> "dropping subscription " + name + " left on " + target + " by an earlier move");
                dropSubscription(t);
                dropSlots(s, oid);
            }
            if (schemaExists(t, schema)) {
                String comment = strings(t, "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = ?",
                        schema).stream().findFirst().orElse(null);
                if (!INCOMING.equals(comment)) {
                    throw new IllegalStateException(target + " already has a schema " + schema
                            + " that no move is filling; drop or rename it first if it is a stale copy");
                }
                LOG.warning(() -> "dropping " + schema + " left half-copied on " + target + " by an earlier move");
                exec(t, "DROP SCHEMA " + schema + " CASCADE");
            }
            exec(s, "DROP PUBLICATION IF EXISTS " + name);
            dropSlots(s, null);
        }

        void copy() throws SQLException {
            say("copying " + schema + " from " + source + " to " + target);
            exec(s, "CREATE PUBLICATION " + name + " FOR TABLES IN SCHEMA " + schema);
            targetSchemaMade = true;
            ShardMigrations.migrate(shards.dataSource(target), shard);
            exec(t, "COMMENT ON SCHEMA " + schema + " IS '" + INCOMING + "'");
            // The source's history is copied with the rest; ours would collide with it row for row.
            exec(t, "TRUNCATE " + schema + ".flyway_schema_history");
            // The slot is made here rather than by CREATE SUBSCRIPTION, which would wait forever for its own
            // transaction if source and target were two databases of one cluster.
            strings(s, "SELECT pg_create_logical_replication_slot(?, 'pgoutput')::text", name);
            exec(t, "CREATE SUBSCRIPTION " + name + " CONNECTION '" + Conninfo.parse(src.url()).libpq(src).replace("'", "''")
                    + "' PUBLICATION " + name + " WITH (copy_data = true, create_slot = false, slot_name = '" + name
                    + "', synchronous_commit = 'on')");
            subscriptionOid = subscriptionOid(t);
            hook.accept(Step.COPYING);
            long deadline = System.nanoTime() + copyTimeout.toNanos();
            while (true) {
                try (PreparedStatement ps = t.prepareStatement("""
                        SELECT count(*) FILTER (WHERE r.srsubstate <> 'r'), count(*),
                               (SELECT coalesce(sum(sync_error_count + apply_error_count), 0)
                                FROM pg_stat_subscription_stats WHERE subid = ?)
                        FROM pg_subscription_rel r WHERE r.srsubid = ?""")) {
                    ps.setLong(1, subscriptionOid);
                    ps.setLong(2, subscriptionOid);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getLong(3) > 0) {
                            throw new IllegalStateException("the subscription on " + target
                                    + " reports errors (see its server log); giving up");
                        }
                        if (rs.getLong(2) > 0 && rs.getLong(1) == 0) {
                            say("copied " + rs.getLong(2) + " tables");
                            return;
                        }
                    }
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("the initial copy did not finish within " + copyTimeout);
                }
                sleep(50);
            }
        }

        void catchUp() throws SQLException {
            say("catching up");
            long t0 = System.nanoTime();
            awaitConfirmed(s, flushedMark(), copyTimeout);
            say("caught up in " + millisSince(t0) + " ms");
            hook.accept(Step.CAUGHT_UP);
        }

        /**
         * A WAL position after every commit that is visible now, flushed so the sender can stream up to it: a
         * logical message written with {@code flush = true}. (pg_current_wal_lsn() could lie before an asynchronous
         * commit that is visible but not yet written, or after WAL that nothing would flush on an idle server.)
         */
        String flushedMark() throws SQLException {
            return strings(s, "SELECT pg_logical_emit_message(false, 'scalegram.move', ?, true)::text", name).getFirst();
        }

        /** Waits until the subscriber confirms it has applied (and flushed) the source's WAL up to {@code lsn}. */
        void awaitConfirmed(Connection c, String lsn, Duration timeout) throws SQLException {
            long deadline = System.nanoTime() + timeout.toNanos();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, lsn);
                ps.setString(2, name);
                while (true) {
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            throw new IllegalStateException("replication slot " + name + " is gone from " + source);
                        }
                        if (rs.getBoolean(1)) {
                            return;
                        }
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException(target + " did not apply the source's changes up to " + lsn
                                + " within " + timeout);
                    }
                    sleep(1);
                }
            }
        }

        record Frozen(long version, long freezeMillis, String oldSchema) {}

        Frozen freezeAndSwitch() throws SQLException {
            List<String> tables = strings(s,
                    "SELECT tablename FROM pg_tables WHERE schemaname = ? ORDER BY tablename", schema);
            StringBuilder lockList = new StringBuilder();
            for (String table : tables) {
                lockList.append(lockList.isEmpty() ? "" : ", ").append(schema).append('.').append(table);
            }
            String oldSchema = schema + "_moved_" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"));
            s.setAutoCommit(false);
            long frozenAt = lock(lockList.toString());
            long locked = System.nanoTime();
            hook.accept(Step.FROZEN);
            awaitConfirmed(s, flushedMark(), freezeTimeout);
            long applied = System.nanoTime();
            try (PreparedStatement ps = s.prepareStatement(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = ? AND last_value IS NOT NULL")) {
                ps.setString(1, schema);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String seq = schema + "." + rs.getString(1);
                        exec(t, "SELECT setval('" + seq + "', greatest(" + (rs.getLong(2) + SEQUENCE_MARGIN)
                                + ", (SELECT last_value FROM " + seq + ")))");
                    }
                }
            }
            // The verification's view of the target: everything copied, nothing written there yet.
            snapshot.setAutoCommit(false);
            snapshot.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            strings(snapshot, "SELECT 1");
            exec(s, "ALTER SCHEMA " + schema + " RENAME TO " + oldSchema);
            long version = switchMap();
            switched = true;
            try {
                s.commit();
                s.setAutoCommit(true);
            } catch (SQLException e) {
                renameAfterFailedCommit(oldSchema, e);
            }
            long freeze = millisSince(frozenAt);
            say("frozen for " + freeze + " ms (" + (locked - frozenAt) / 1_000_000 + " ms waiting for the locks, "
                    + (applied - locked) / 1_000_000 + " ms for the target to apply the last changes, "
                    + millisSince(applied) + " ms to switch)");
            say("switched to map version " + version + ": logical shard " + shard + " is on " + target);
            shards.refreshMap();
            hook.accept(Step.SWITCHED);
            return new Frozen(version, freeze, oldSchema);
        }

        /**
         * Takes the freeze locks; returns when (System.nanoTime) the attempt that got them began, since writers queue
         * from then on. Each attempt waits a short while only: a writer holding one table while it waits for another
         * we hold would otherwise deadlock with us, and all the shard's writers would queue behind a long wait.
         */
        long lock(String lockList) throws SQLException {
            for (int attempt = 1; ; attempt++) {
                long t0 = System.nanoTime();
                try (Statement st = s.createStatement()) {
                    st.execute("SET LOCAL lock_timeout = '200ms'");
                    st.execute("LOCK TABLE " + lockList + " IN EXCLUSIVE MODE");
                    return t0;
                } catch (SQLException e) {
                    s.rollback();
                    if (!LOCK_NOT_AVAILABLE.equals(e.getSQLState()) || attempt == LOCK_ATTEMPTS) {
                        throw e;
                    }
                    LOG.fine(() -> "freeze of " + schema + " waited too long for a lock; trying again");
                    sleep(20L * Math.min(attempt, 10));
                }
            }
        }

        long switchMap() throws SQLException {
            try {
                return shards.directory().switchShard(shard, source, target);
            } catch (SQLException e) {
                // The commit may have happened and only its answer got lost: the directory knows.
                String now = shards.directory().serverOf(shard);
                if (target.equals(now)) {
                    LOG.warning(() -> "the directory switch reported " + e.getMessage() + " but did commit");
                    return shards.directory().load(shards.map().servers()).version();
                }
                throw e;
            }
        }

        void renameAfterFailedCommit(String oldSchema, SQLException cause) {
            LOG.log(Level.SEVERE, "the map already names " + target + " for logical shard " + shard
                    + " but the source's freeze commit failed; renaming " + schema + " on " + source + " again", cause);
            closeQuietly(s);
            try {
                s = connect(src);
                if (schemaExists(s, schema)) {
                    exec(s, "ALTER SCHEMA " + schema + " RENAME TO " + oldSchema);
                    say("WARNING: " + schema + " on " + source + " was writable for a moment after the switch; "
                            + "compare " + oldSchema + " with " + target + " before dropping it");
                }
            } catch (SQLException e) {
                cause.addSuppressed(e);
                throw new ShardException("logical shard " + shard + " is mapped to " + target + " but " + schema
                        + " still exists on " + source + ": rename it away by hand", cause);
            }
        }

        Result finish(Frozen frozen) throws SQLException {
            try {
                dropSubscription(t);
                exec(t, "COMMENT ON SCHEMA " + schema + " IS NULL");
                exec(s, "DROP PUBLICATION IF EXISTS " + name);
                dropSlots(s, subscriptionOid);
            } catch (SQLException e) {
                // The move is done; what is left is tidying up, which the next move of this shard also does.
                LOG.log(Level.WARNING, "logical shard " + shard + " moved, but cleaning up replication failed: "
                        + e.getMessage(), e);
            }
            Map<String, Long> rows = verify(frozen.oldSchema());
            snapshot.rollback();
            boolean dropped = false;
            if (dropSource) {
                exec(s, "DROP SCHEMA " + frozen.oldSchema() + " CASCADE");
                say("dropped " + frozen.oldSchema() + " on " + source);
                dropped = true;
            } else {
                say("kept the old copy as " + frozen.oldSchema() + " on " + source);
            }
            return new Result(shard, source, target, frozen.version(), frozen.freezeMillis(), frozen.oldSchema(),
                    dropped, rows);
        }

        /** Row counts and checksums per table: the target's snapshot from the freeze against the frozen source. */
        Map<String, Long> verify(String oldSchema) throws SQLException {
            Map<String, Long> rows = new LinkedHashMap<>();
            List<String> mismatches = new ArrayList<>();
            List<String> tables = strings(s,
                    "SELECT tablename FROM pg_tables WHERE schemaname = ? ORDER BY tablename", oldSchema);
            for (String table : tables) {
                List<String> key = strings(s, """
                        SELECT quote_ident(a.attname) FROM pg_index i
                        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                        WHERE i.indrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass AND i.indisprimary
                        ORDER BY array_position(i.indkey::int2[], a.attnum)""", oldSchema, table);
                String order = key.isEmpty() ? "t::text" : String.join(", ", key);
                String q = "SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY " + order
                        + "), '')) FROM %s." + table + " t";
                String[] before = strings(s, q.formatted(oldSchema), 2);
                String[] after = strings(snapshot, q.formatted(schema), 2);
                rows.put(table, Long.parseLong(after[0]));
                if (!before[0].equals(after[0]) || !before[1].equals(after[1])) {
                    mismatches.add(table + " (" + before[0] + " rows on " + source + ", " + after[0] + " on "
                            + target + ")");
                }
            }
            if (!mismatches.isEmpty()) {
                throw new IllegalStateException("logical shard " + shard + " moved to " + target
                        + " but its copy differs from the frozen source in " + mismatches + "; the source is kept as "
                        + oldSchema + " on " + source);
            }
            say("verified " + tables.size() + " tables, " + rows.values().stream().mapToLong(Long::longValue).sum()
                    + " rows: counts and checksums match");
            return rows;
        }

        /** Undoes everything made so far; the map was never touched. Best effort: the target may be unreachable. */
        void abort(Exception cause) {
            rollbackQuietly(s);
            rollbackQuietly(snapshot);
            try (Connection target = connect(dst)) {
                if (subscriptionOid(target) != null) {
                    dropSubscription(target);
                }
                if (targetSchemaMade) {
                    exec(target, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                }
            } catch (SQLException | RuntimeException e) {
                cause.addSuppressed(e);
                LOG.warning(() -> "cannot clean up " + target + " after the failed move (the next move of shard "
                        + shard + " will): " + e.getMessage());
            }
            try (Connection source = connect(src)) {
                exec(source, "DROP PUBLICATION IF EXISTS " + name);
                dropSlots(source, subscriptionOid == 0 ? null : subscriptionOid);
            } catch (SQLException | RuntimeException e) {
                cause.addSuppressed(e);
            }
            say("aborted: " + cause.getMessage() + "; logical shard " + shard + " stays on " + source
                    + " (map unchanged)");
        }

        Long subscriptionOid(Connection c) throws SQLException {
            List<String> oid = strings(c, """
                    SELECT oid::text FROM pg_subscription
                    WHERE subname = ? AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())""",
                    name);
            return oid.isEmpty() ? null : Long.parseLong(oid.getFirst());
        }

        /** Drops the subscription without asking the source to drop its slot (the source may be busy or far). */
        void dropSubscription(Connection c) throws SQLException {
            exec(c, "ALTER SUBSCRIPTION " + name + " DISABLE");
            exec(c, "ALTER SUBSCRIPTION " + name + " SET (slot_name = NONE)");
            exec(c, "DROP SUBSCRIPTION " + name);
        }

        /**
         * Drops the move's slot on the source and, for a known subscription, its table-copy slots. A slot still held
         * by a sender (its subscriber just went away) is released by ending that sender; this retries for a while.
         */
        void dropSlots(Connection c, Long subOid) throws SQLException {
            String syncPattern = subOid == null ? "" : "pg\\_" + subOid + "\\_sync\\_%";
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                List<String> left = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("""
                        SELECT slot_name, active_pid FROM pg_replication_slots
                        WHERE slot_name = ? OR slot_name LIKE ?""")) {
                    ps.setString(1, name);
                    ps.setString(2, syncPattern);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            String slot = rs.getString(1);
                            int pid = rs.getInt(2);
                            if (rs.wasNull()) {
                                try (PreparedStatement drop = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                                    drop.setString(1, slot);
                                    drop.execute();
                                } catch (SQLException e) {
                                    left.add(slot + ": " + e.getMessage());
                                }
                            } else {
                                exec(c, "SELECT pg_terminate_backend(" + pid + ")");
                                left.add(slot + " (held by pid " + pid + ")");
                            }
                        }
                    }
                }
                if (left.isEmpty()) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("cannot drop replication slots on " + source + ": " + left);
                }
                sleep(100);
            }
        }

        void say(String line) {
            LOG.info(() -> "shard move " + shard + ": " + line);
            progress.accept(line);
        }
    }

    /** The parts of a {@code jdbc:postgresql://host:port/database} URL, and the libpq form of them. */
    record Conninfo(String host, int port, String database) {
        static Conninfo parse(String jdbcUrl) {
            String prefix = "jdbc:postgresql://";
            if (jdbcUrl == null || !jdbcUrl.startsWith(prefix)) {
                throw new IllegalArgumentException("not a jdbc:postgresql://host:port/database URL: " + jdbcUrl);
            }
            String rest = jdbcUrl.substring(prefix.length());
            int q = rest.indexOf('?');
            if (q >= 0) {
                rest = rest.substring(0, q);
            }
            int slash = rest.indexOf('/');
            String hostPort = slash < 0 ? rest : rest.substring(0, slash);
            String db = slash < 0 ? "" : rest.substring(slash + 1);
            if (hostPort.contains(",")) {
                throw new IllegalArgumentException("a multi-host URL cannot be a replication source: " + jdbcUrl);
            }
            int colon = hostPort.lastIndexOf(':');
            boolean hasPort = colon > 0 && !hostPort.endsWith("]");
            String host = hasPort ? hostPort.substring(0, colon) : hostPort;
            int port = hasPort ? Integer.parseInt(hostPort.substring(colon + 1)) : 5432;
            return new Conninfo(host.isEmpty() ? "localhost" : host, port, db.isEmpty() ? "postgres" : db);
        }

        String libpq(PgServer credentials) {
            StringBuilder b = new StringBuilder();
            b.append("host=").append(quote(host.replace("[", "").replace("]", "")))
                    .append(" port=").append(port)
                    .append(" dbname=").append(quote(database))
                    .append(" user=").append(quote(credentials.user()));
            if (credentials.password() != null && !credentials.password().isEmpty()) {
                b.append(" password=").append(quote(credentials.password()));
            }
            return b.toString();
        }

        private static String quote(String v) {
            return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'";
        }
    }

    private static Connection connect(PgServer server) throws SQLException {
        return DriverManager.getConnection(server.url(), server.user(), server.password());
    }

    private static boolean schemaExists(Connection c, String schema) throws SQLException {
        return !strings(c, "SELECT 1 FROM pg_namespace WHERE nspname = ?", schema).isEmpty();
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** The first column of every row, as text. */
    private static List<String> strings(Connection c, String sql, String... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    /** The first {@code columns} columns of the only row, as text. */
    private static String[] strings(Connection c, String sql, int columns) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            String[] out = new String[columns];
            for (int i = 0; i < columns; i++) {
                out[i] = rs.getString(i + 1);
            }
            return out;
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static void rollbackQuietly(Connection c) {
        try {
            if (c != null && !c.isClosed() && !c.getAutoCommit()) {
                c.rollback();
            }
        } catch (SQLException ignored) {
            // the connection is gone, and with it the transaction
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (SQLException ignored) {
            // closing anyway
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
