package dev.scalegram.shards;

import dev.scalegram.config.Topology.PgServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The live shard map, kept in PostgreSQL on the directory server (the first server of the topology) as
 * {@code scalegram_directory.shard_map(shard, server, version)}. It is seeded from the topology's placement the first
 * time any process starts; after that the topology's {@code shard_map} is only history and the directory decides.
 * The map's version is the highest row version: a move bumps it by one and NOTIFYs {@link #CHANNEL} in the same
 * transaction, so every process hears of the new map only once it is readable.
 *
 * <p>The directory lives outside the per-shard Flyway migrations on purpose: it is one small table per deployment,
 * not per shard, and it must exist before any shard is migrated (migrations ask it where the shards are).
 */
final class ShardDirectory {

    private static final Logger LOG = Logger.getLogger(ShardDirectory.class.getName());

    static final String SCHEMA = "scalegram_directory";
    static final String CHANNEL = "scalegram_shard_map";
    /** Serializes the first-start seeding of concurrently starting processes (an advisory transaction lock). */
    private static final long SEED_LOCK = 0x5ca1e_d1c7L;
    /** With the shard number, the session advisory lock that makes moves of one shard mutually exclusive. */
    static final int MOVE_LOCK_CLASS = 0x5ca1e;

    private final PgServer server;
    private final DataSource ds;

    ShardDirectory(PgServer server, DataSource ds) {
        this.server = server;
        this.ds = ds;
    }

    String serverName() {
        return server.name();
    }

    /** Creates the directory if it is absent, seeding it with {@code initial}, and returns the live map. */
    ShardMap open(ShardMap initial) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(" + SEED_LOCK + ")");
                st.execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
                st.execute("CREATE TABLE IF NOT EXISTS " + SCHEMA + ".shard_map (shard integer PRIMARY KEY, "
                        + "server text NOT NULL, version bigint NOT NULL)");
                boolean empty;
                try (ResultSet rs = st.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM " + SCHEMA + ".shard_map)")) {
                    rs.next();
                    empty = rs.getBoolean(1);
                }
                if (empty) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO " + SCHEMA + ".shard_map (shard, server, version) VALUES (?, ?, 1)")) {
                        for (int s = 0; s < initial.logicalShards(); s++) {
                            ps.setInt(1, s);
                            ps.setString(2, initial.serverOf(s));
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                    LOG.info(() -> "seeded the shard map directory on " + server.name() + " with "
                            + initial.logicalShards() + " logical shards from the topology");
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new ShardException("cannot open the shard map directory on " + server.name() + ": "
                    + e.getMessage(), e);
        }
        ShardMap live = load(initial.servers());
        if (live.logicalShards() != initial.logicalShards()) {
            throw new IllegalStateException("the shard map directory on " + server.name() + " holds "
                    + live.logicalShards() + " logical shards but the topology says " + initial.logicalShards()
                    + " (logical_shards is fixed for the life of a deployment)");
        }
        int moved = 0;
        for (int s = 0; s < live.logicalShards(); s++) {
            moved += live.serverOf(s).equals(initial.serverOf(s)) ? 0 : 1;
        }
        if (moved > 0) {
            int n = moved;
            LOG.info(() -> n + " logical shard(s) are not where the topology's shard_map puts them; the directory "
                    + "(version " + live.version() + ") is what counts");
        }
        return live;
    }

    /** Reads the whole map. */
    ShardMap load(List<String> servers) {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT shard, server, version FROM " + SCHEMA
                     + ".shard_map ORDER BY shard")) {
            List<String> serverOf = new java.util.ArrayList<>();
            long version = 0;
            while (rs.next()) {
                if (rs.getInt(1) != serverOf.size()) {
                    throw new IllegalStateException("the shard map directory has no row for logical shard "
                            + serverOf.size());
                }
                serverOf.add(rs.getString(2));
                version = Math.max(version, rs.getLong(3));
            }
            return ShardMap.of(version, servers, serverOf.toArray(String[]::new));
        } catch (SQLException e) {
            throw new ShardException("cannot read the shard map directory on " + server.name() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Puts {@code shard} on {@code to} if it is still on {@code from}, in one transaction that also notifies every
     * process; returns the new map version. Switches are serialized by a table lock (readers are not blocked), so
     * versions are never reused.
     */
    long switchShard(int shard, String from, String to) throws SQLException {
        // A pooled connection: this runs inside a move's freeze, where opening a connection would cost milliseconds.
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("LOCK TABLE " + SCHEMA + ".shard_map IN EXCLUSIVE MODE");
                String now;
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT server FROM " + SCHEMA + ".shard_map WHERE shard = ?")) {
                    ps.setInt(1, shard);
                    try (ResultSet rs = ps.executeQuery()) {
                        now = rs.next() ? rs.getString(1) : null;
                    }
                }
                if (!from.equals(now)) {
                    throw new IllegalStateException("logical shard " + shard + " is on " + now + ", not on " + from
                            + ": the map changed under this move");
                }
                long version;
                try (ResultSet rs = st.executeQuery("SELECT max(version) + 1 FROM " + SCHEMA + ".shard_map")) {
                    rs.next();
                    version = rs.getLong(1);
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE " + SCHEMA + ".shard_map SET server = ?, version = ? WHERE shard = ?")) {
                    ps.setString(1, to);
                    ps.setLong(2, version);
                    ps.setInt(3, shard);
                    ps.executeUpdate();
                }
                st.execute("SELECT pg_notify('" + CHANNEL + "', '" + version + "')");
                c.commit();
                return version;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException r) {
                    e.addSuppressed(r);
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** Where the directory puts a shard now, read on a fresh connection (to settle a commit whose outcome is unknown). */
    String serverOf(int shard) throws SQLException {
        try (Connection c = connect();
             PreparedStatement ps = c.prepareStatement("SELECT server FROM " + SCHEMA + ".shard_map WHERE shard = ?")) {
            ps.setInt(1, shard);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** A connection of its own (not from the pool): for LISTEN, session advisory locks, and settling unclear commits. */
    Connection connect() throws SQLException {
        return DriverManager.getConnection(server.url(), server.user(), server.password());
    }

    /**
     * Calls {@code onChange} whenever the map may have changed: on every notification, and after every (re)connect,
     * since notifications sent while not listening are lost. Runs on a daemon thread until the returned handle closes.
     */
    AutoCloseable watch(Runnable onChange) {
        Watcher w = new Watcher(onChange);
        w.thread = Thread.ofPlatform().daemon().name("shard-map-" + server.name()).start(w::run);
        return w;
    }

    private final class Watcher implements AutoCloseable {
        private final Runnable onChange;
        private volatile boolean closed;
        private Thread thread;

        Watcher(Runnable onChange) {
            this.onChange = onChange;
        }

        void run() {
            while (!closed) {
                try (Connection c = connect()) {
                    try (Statement st = c.createStatement()) {
                        st.execute("LISTEN " + CHANNEL);
                    }
                    // Also on the first connect: a move between the caller's load and this LISTEN would be missed.
                    onChange.run();
                    while (!closed) {
                        // Bounded waits, so close() is noticed without closing the socket under a blocked read.
                        PGNotification[] ns = c.unwrap(PGConnection.class).getNotifications(250);
                        if (ns != null && ns.length > 0) {
                            onChange.run();
                        }
                    }
                } catch (Exception e) {
                    if (closed) {
                        return;
                    }
                    LOG.log(Level.WARNING, "shard map watcher on " + server.name() + " failed; reconnecting in 1 s: "
                            + e.getMessage());
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }

        @Override
        public void close() {
            closed = true;
            thread.interrupt();
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
