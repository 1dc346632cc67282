package dev.scalegram.shards;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.scalegram.config.Topology.PgServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Runs work on a logical shard: looks the shard up in the live {@link ShardMap} and borrows a connection from that
 * physical server's pool. Writes go to the shard's primary; so do reads for now (replica reads come with regions).
 *
 * <p>The map given to the constructor is only the topology's initial placement: the live map is read from the
 * {@link ShardDirectory} on the first server (seeding it on the very first start) and followed from then on. A new
 * map arrives by NOTIFY, or is fetched when a statement fails because its shard's schema is no longer on the server
 * the old map named (the shard was moved away). Routing is one immutable snapshot behind a volatile reference, swapped
 * whole, so work on other shards never waits for a map change.
 *
 * <p>When a unit of work fails that way, it is run once more on the shard's new server. That is safe because the
 * failed attempt never committed: a move renames the old schema in the same transaction that froze its writers, so
 * a transaction that touched the old schema either committed before the freeze (and was copied) or fails. A
 * {@link #read} unit runs in autocommit, so one that writes must be idempotent, as every such unit here is.
 */
public final class Shards implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Shards.class.getName());
    /** Relation or schema does not exist: what a statement on a moved-away shard schema fails with. */
    private static final String UNDEFINED_TABLE = "42P01";
    private static final String INVALID_SCHEMA_NAME = "3F000";
    private static final String UNDEFINED_FUNCTION = "42883";

    /** One consistent routing table: never mutated, replaced whole when the map changes. */
    private record Routing(ShardMap map, HikariDataSource[] poolOfShard, ShardSql[] sqlOfShard) {}

    private final Map<String, HikariDataSource> pools = new LinkedHashMap<>();
    private final Map<String, PgServer> servers = new LinkedHashMap<>();
    private final MeterRegistry registry;
    private final ShardDirectory directory;
    private final AutoCloseable watcher;
    private final Counter rerouted;
    private volatile Routing routing;

    /**
     * @param initial the topology's placement: seeds the directory on a first start, and names the servers
     * @param resolvedServers every server of the topology, with URLs (embedded ones already started)
     */
    public Shards(ShardMap initial, List<PgServer> resolvedServers, MeterRegistry registry) {
        this.registry = registry;
        this.rerouted = Counter.builder("scalegram.shards.rerouted")
                .description("units of work run again on a shard's new server after it moved under them")
                .register(registry);
        for (PgServer s : resolvedServers) {
            servers.put(s.name(), s);
            pools.put(s.name(), pool(s));
        }
        try {
            String first = initial.servers().getFirst();
            directory = new ShardDirectory(servers.get(first), pools.get(first));
            routing = route(directory.open(initial));
            watcher = directory.watch(() -> {
                try {
                    refresh(routing.map().version());
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "cannot refresh the shard map: " + e.getMessage(), e);
                }
            });
        } catch (RuntimeException e) {
            pools.values().forEach(HikariDataSource::close);
            throw e;
        }
    }

    private Routing route(ShardMap map) {
        HikariDataSource[] poolOfShard = new HikariDataSource[map.logicalShards()];
        ShardSql[] sqlOfShard = new ShardSql[map.logicalShards()];
        Map<String, Counter> counters = new LinkedHashMap<>();
        for (int shard = 0; shard < map.logicalShards(); shard++) {
            String server = map.serverOf(shard);
            poolOfShard[shard] = pools.get(server);
            Counter c = counters.computeIfAbsent(server, n -> Counter.builder("scalegram.db.statements")
                    .description("SQL statements sent, per physical server").tag("server", n)
                    .tag("region", servers.get(n).region()).register(registry));
            sqlOfShard[shard] = new ShardSql(shard, c);
        }
        return new Routing(map, poolOfShard, sqlOfShard);
    }

    private static HikariDataSource pool(PgServer s) {
        HikariConfig c = new HikariConfig();
        c.setPoolName("pg-" + s.region() + "-" + s.name());
        c.setJdbcUrl(s.url());
        c.setUsername(s.user());
        c.setPassword(s.password());
        c.setMaximumPoolSize(s.poolSize());
        c.setMinimumIdle(Math.min(4, s.poolSize()));
        c.setConnectionTimeout(10_000);
        c.addDataSourceProperty("reWriteBatchedInserts", "true");
        c.addDataSourceProperty("tcpKeepAlive", "true");
        return new HikariDataSource(c);
    }

    /** The live map (it changes when a shard moves; read it again rather than keeping it). */
    public ShardMap map() {
        return routing.map();
    }

    public int logicalShards() {
        return routing.map().logicalShards();
    }

    public DataSource dataSource(String server) {
        return pools.get(server);
    }

    public PgServer server(String name) {
        return servers.get(name);
    }

    /** Re-reads the map from the directory now (instead of waiting for its notification) and returns it. */
    public ShardMap refreshMap() {
        refresh(Long.MAX_VALUE);
        return map();
    }

    ShardDirectory directory() {
        return directory;
    }

    /**
     * Loads the directory's map unless one newer than {@code seen} is already in use: when many callers fail on the
     * same move at once, one reads the directory and the rest reuse its answer. Versions only go forward.
     */
    private synchronized void refresh(long seen) {
        Routing current = routing;
        if (current.map().version() > seen) {
            return;
        }
        ShardMap loaded = directory.load(current.map().servers());
        if (loaded.version() > current.map().version()) {
            routing = route(loaded);
            LOG.info(() -> "shard map version " + loaded.version() + " in use (was " + current.map().version() + ")");
        }
    }

    private void check(int shard) {
        if (shard < 0 || shard >= routing.poolOfShard().length) {
            throw new IllegalArgumentException("no logical shard " + shard + " (this deployment has "
                    + routing.poolOfShard().length + ")");
        }
    }

    /** Runs read-only work in autocommit mode. */
    public <T> T read(int shard, SqlWork<T> work) {
        check(shard);
        Routing r = routing;
        try {
            return readOn(r, shard, work);
        } catch (RuntimeException e) {
            if (!movedAway(e, r, shard)) {
                throw e;
            }
            return readOn(routing, shard, work);
        }
    }

    private <T> T readOn(Routing r, int shard, SqlWork<T> work) {
        try (Connection c = r.poolOfShard()[shard].getConnection()) {
            return work.run(c, r.sqlOfShard()[shard]);
        } catch (SQLException e) {
            throw new ShardException("read on shard " + shard + " failed: " + e.getMessage(), e);
        }
    }

    /** Runs work in one transaction on the shard's primary; commits if it returns, rolls back if it throws. */
    public <T> T transaction(int shard, SqlWork<T> work) {
        check(shard);
        Routing r = routing;
        try {
            return transactionOn(r, shard, work);
        } catch (RuntimeException e) {
            if (!movedAway(e, r, shard)) {
                throw e;
            }
            return transactionOn(routing, shard, work);
        }
    }

    private <T> T transactionOn(Routing r, int shard, SqlWork<T> work) {
        try (Connection c = r.poolOfShard()[shard].getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c, r.sqlOfShard()[shard]);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new ShardException("transaction on shard " + shard + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * True if {@code failure} is a missing relation/schema/function and the shard now lives on another server than
     * the one {@code used} named: the unit of work ran against a shard that moved away and may run again. A missing
     * relation on a shard that did not move is a real error and is not retried.
     */
    private boolean movedAway(RuntimeException failure, Routing used, int shard) {
        if (!missingObject(failure)) {
            return false;
        }
        try {
            refresh(used.map().version());
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
            return false;
        }
        String before = used.map().serverOf(shard);
        String now = routing.map().serverOf(shard);
        if (before.equals(now)) {
            return false;
        }
        rerouted.increment();
        LOG.fine(() -> "logical shard " + shard + " moved from " + before + " to " + now + "; running the work again");
        return true;
    }

    private static boolean missingObject(Throwable t) {
        for (int depth = 0; t != null && depth < 10; t = t.getCause(), depth++) {
            if (t instanceof SQLException e) {
                String state = e.getSQLState();
                if (UNDEFINED_TABLE.equals(state) || INVALID_SCHEMA_NAME.equals(state)
                        || UNDEFINED_FUNCTION.equals(state)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException r) {
            cause.addSuppressed(r);
        }
    }

    @Override
    public void close() {
        try {
            watcher.close();
        } catch (Exception e) {
            LOG.log(Level.FINE, "closing the shard map watcher", e);
        }
        pools.values().forEach(HikariDataSource::close);
    }
}
