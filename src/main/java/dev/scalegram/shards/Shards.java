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
import javax.sql.DataSource;

/**
 * Runs work on a logical shard: looks the shard up in the {@link ShardMap} and borrows a connection from that
 * physical server's pool. Writes go to the shard's primary; so do reads for now (replica reads come with regions).
 */
public final class Shards implements AutoCloseable {

    private final ShardMap map;
    private final Map<String, HikariDataSource> pools = new LinkedHashMap<>();
    private final Map<String, PgServer> servers = new LinkedHashMap<>();
    private final HikariDataSource[] poolOfShard;
    private final ShardSql[] sqlOfShard;

    public Shards(ShardMap map, List<PgServer> resolvedServers, MeterRegistry registry) {
        this.map = map;
        for (PgServer s : resolvedServers) {
            servers.put(s.name(), s);
            pools.put(s.name(), pool(s));
        }
        poolOfShard = new HikariDataSource[map.logicalShards()];
        sqlOfShard = new ShardSql[map.logicalShards()];
        Map<String, Counter> counters = new LinkedHashMap<>();
        for (int shard = 0; shard < map.logicalShards(); shard++) {
            String server = map.serverOf(shard);
            poolOfShard[shard] = pools.get(server);
            Counter c = counters.computeIfAbsent(server, n -> Counter.builder("scalegram.db.statements")
                    .description("SQL statements sent, per physical server").tag("server", n)
                    .tag("region", servers.get(n).region()).register(registry));
            sqlOfShard[shard] = new ShardSql(shard, c);
        }
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

    public ShardMap map() {
        return map;
    }

    public int logicalShards() {
        return map.logicalShards();
    }

    public DataSource dataSource(String server) {
        return pools.get(server);
    }

    public PgServer server(String name) {
        return servers.get(name);
    }

    private void check(int shard) {
        if (shard < 0 || shard >= poolOfShard.length) {
            throw new IllegalArgumentException("no logical shard " + shard + " (this deployment has "
                    + poolOfShard.length + ")");
        }
    }

    /** Runs read-only work in autocommit mode. */
    public <T> T read(int shard, SqlWork<T> work) {
        check(shard);
        try (Connection c = poolOfShard[shard].getConnection()) {
            return work.run(c, sqlOfShard[shard]);
        } catch (SQLException e) {
            throw new ShardException("read on shard " + shard + " failed: " + e.getMessage(), e);
        }
    }

    /** Runs work in one transaction on the shard's primary; commits if it returns, rolls back if it throws. */
    public <T> T transaction(int shard, SqlWork<T> work) {
        check(shard);
        try (Connection c = poolOfShard[shard].getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c, sqlOfShard[shard]);
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

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException r) {
            cause.addSuppressed(r);
        }
    }

    @Override
    public void close() {
        pools.values().forEach(HikariDataSource::close);
    }
}
