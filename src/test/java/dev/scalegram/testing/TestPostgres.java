package dev.scalegram.testing;

import dev.scalegram.config.Topology;
import dev.scalegram.shards.EmbeddedPostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL 18 (zonky) for the whole test JVM; each test gets a database of its own so tests stay
 * independent without paying for a server start each.
 */
public final class TestPostgres {

    private static EmbeddedPostgresServer server;
    private static EmbeddedPostgresServer second;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private TestPostgres() {}

    public static synchronized EmbeddedPostgresServer server() {
        if (server == null) {
            Path build = Path.of(System.getProperty("scalegram.test.dir", "target")).toAbsolutePath();
            Path dir = build.resolve("test-pg").resolve("data-" + ProcessHandle.current().pid());
            server = EmbeddedPostgresServer.start(dir);
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        }
        return server;
    }

    /** A second real server for the JVM, started on first use: for tests that move shards between servers. */
    public static synchronized EmbeddedPostgresServer secondServer() {
        if (second == null) {
            second = EmbeddedPostgresServer.start(dir("data2-"));
            Runtime.getRuntime().addShutdownHook(new Thread(second::close));
        }
        return second;
    }

    /** A data directory under the build dir for a server of one's own (one the test may stop). */
    public static Path dir(String prefix) {
        Path build = Path.of(System.getProperty("scalegram.test.dir", "target")).toAbsolutePath();
        return build.resolve("test-pg").resolve(prefix + ProcessHandle.current().pid() + "-" + DATABASES.incrementAndGet());
    }

    /** A new, empty database; returns its JDBC URL. */
    public static String newDatabase() {
        return newDatabase(server());
    }

    /** A new, empty database on {@code on}; returns its JDBC URL. */
    public static String newDatabase(EmbeddedPostgresServer on) {
        String name = "t" + DATABASES.incrementAndGet() + "_" + Long.toHexString(System.nanoTime());
        try (Connection c = DriverManager.getConnection(on.jdbcUrl(), "postgres", "");
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return "jdbc:postgresql://127.0.0.1:" + on.port() + "/" + name;
    }

    /**
     * A topology with {@code shards} logical shards spread evenly over new databases on the given servers, named
     * pg0, pg1, ... in order (pg0 holds the shard map directory).
     */
    public static Topology topology(int shards, EmbeddedPostgresServer... on) {
        List<Topology.PgServer> servers = new java.util.ArrayList<>();
        for (int i = 0; i < on.length; i++) {
            servers.add(new Topology.PgServer("pg" + i, Topology.EMBEDDED_REGION, newDatabase(on[i]), "postgres", "",
                    16, false));
        }
        return Topology.embedded().withLogicalShards(shards)
                .withPostgres(new Topology.PostgresConfig(servers, List.of()));
    }

    /** A topology with {@code shards} logical shards in a new database on the shared server. */
    public static Topology topology(int shards) {
        Topology.PgServer pg = new Topology.PgServer("pg0", Topology.EMBEDDED_REGION, newDatabase(), "postgres", "",
                16, false);
        return Topology.embedded().withLogicalShards(shards)
                .withPostgres(new Topology.PostgresConfig(List.of(pg), List.of()));
    }
}
