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

    /** A new, empty database; returns its JDBC URL. */
    public static String newDatabase() {
        String name = "t" + DATABASES.incrementAndGet() + "_" + Long.toHexString(System.nanoTime());
        try (Connection c = DriverManager.getConnection(server().jdbcUrl(), "postgres", "");
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return "jdbc:postgresql://127.0.0.1:" + server().port() + "/" + name;
    }

    /** A topology with {@code shards} logical shards in a new database on the shared server. */
    public static Topology topology(int shards) {
        Topology.PgServer pg = new Topology.PgServer("pg0", Topology.EMBEDDED_REGION, newDatabase(), "postgres", "",
                16, false);
        return Topology.embedded().withLogicalShards(shards)
                .withPostgres(new Topology.PostgresConfig(List.of(pg), List.of()));
    }
}
