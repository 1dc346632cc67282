package dev.scalegram.feed;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.tracker.RequestTracker;
import java.time.Duration;

/**
 * The connection to the Cassandra cluster that holds home feeds and activity: one driver session per process (it
 * multiplexes every request over a connection per node), shared by {@link CassandraFeedStore} and
 * {@link CassandraActivityStore}. Opening it creates the keyspace and the tables when they are missing.
 */
public final class CassandraSession implements AutoCloseable {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    // Schema changes wait for every node to agree; on a busy 2-core machine that takes more than a request timeout.
    private static final Duration SCHEMA_TIMEOUT = Duration.ofSeconds(30);

    private final CqlSession cql;
    private final CassandraFeedConfig config;

    private CassandraSession(CqlSession cql, CassandraFeedConfig config) {
        this.cql = cql;
        this.config = config;
    }

    /** Connects (routing to the local data center only) and creates the keyspace and tables if missing. */
    public static CassandraSession open(CassandraFeedConfig config) {
        return open(config, null);
    }

    /** As {@link #open(CassandraFeedConfig)}, with a tracker that sees every request (tests read levels from it). */
    static CassandraSession open(CassandraFeedConfig config, RequestTracker tracker) {
        DriverConfigLoader loader = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, REQUEST_TIMEOUT)
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, SCHEMA_TIMEOUT)
                // jnr-posix is excluded from the build: use the Java clock without first trying the native one.
                .withBoolean(DefaultDriverOption.TIMESTAMP_GENERATOR_FORCE_JAVA_CLOCK, true)
                // Native protocol v4, not the v5 that Cassandra 5 and this driver would agree on: under load (bench mix
                // on the cluster) the driver's v5 segment decoder misread a self-contained segment ("Unsupported
                // request opcode: 1 in protocol 0"), closed the connection and failed every query in flight, with
                // Netty 4.1 and 4.2 alike. v4 frames carry the same requests; what v5 adds (per-segment checksums)
                // TCP already gives on one host's loopback and a data center's network.
                .withString(DefaultDriverOption.PROTOCOL_VERSION, "V4")
                .build();
        CqlSessionBuilder b = CqlSession.builder()
                .addContactPoints(config.contactPoints())
                .withLocalDatacenter(config.localDc())
                .withConfigLoader(loader);
        if (tracker != null) {
            b.addRequestTracker(tracker);
        }
        CqlSession cql = b.build();
        try {
            createSchema(cql, config);
        } catch (RuntimeException e) {
            cql.close();
            throw e;
        }
        return new CassandraSession(cql, config);
    }

    public CassandraFeedConfig config() {
        return config;
    }

    CqlSession cql() {
        return cql;
    }

    /** A table of this session's keyspace, qualified for CQL text. */
    String table(String name) {
        return config.keyspace() + "." + name;
    }

    @Override
    public void close() {
        cql.close();
    }

    private static void createSchema(CqlSession cql, CassandraFeedConfig c) {
        String ks = c.keyspace();
        ddl(cql, "CREATE KEYSPACE IF NOT EXISTS " + ks + " WITH replication = {'class': 'NetworkTopologyStrategy', '"
                + c.localDc() + "': " + c.replicationFactor() + "}");
        // A reader's feed is one partition, newest first, so a home read is one contiguous slice from the top. Every
        // row that goes (trimmed past the cap, removed status, unfollowed author) is also filtered at read time
        // (hydration drops deleted statuses, HomeFeed drops unfollowed authors, old items sit below the cap), so a
        // resurrected row is harmless: tombstones need only outlive the hint window (3 h), not the 10-day default.
        ddl(cql, """
                CREATE TABLE IF NOT EXISTS %s.home_feed (
                    reader_id bigint,
                    status_id bigint,
                    author_id bigint,
                    PRIMARY KEY (reader_id, status_id)
                ) WITH CLUSTERING ORDER BY (status_id DESC) AND gc_grace_seconds = 10800""".formatted(ks));
        // A user's notifications, newest first by a time-ordered id.
        ddl(cql, """
                CREATE TABLE IF NOT EXISTS %s.activity (
                    user_id bigint,
                    id bigint,
                    type text,
                    actor_id bigint,
                    status_id bigint,
                    PRIMARY KEY (user_id, id)
                ) WITH CLUSTERING ORDER BY (id DESC)""".formatted(ks));
        // What makes adding an activity idempotent: one row per (user, status, type, actor) naming the activity's id,
        // claimed with a lightweight transaction. status_id leads the clustering key so a deleted status's
        // activities are one slice.
        ddl(cql, """
                CREATE TABLE IF NOT EXISTS %s.activity_key (
                    user_id bigint,
                    status_id bigint,
                    type text,
                    actor_id bigint,
                    id bigint,
                    PRIMARY KEY (user_id, status_id, type, actor_id)
                )""".formatted(ks));
    }

    private static void ddl(CqlSession cql, String cql0) {
        cql.execute(SimpleStatement.newInstance(cql0).setTimeout(SCHEMA_TIMEOUT));
    }
}
