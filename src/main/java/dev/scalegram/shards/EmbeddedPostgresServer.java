package dev.scalegram.shards;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * A real PostgreSQL 18 started from zonky's Maven jars, its data kept under a directory of ours so that it survives
 * restarts. Durability matters: zonky turns {@code synchronous_commit} off by default and we turn it back on, because
 * nothing acknowledged may be lost.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgresServer.class.getName());

    private final EmbeddedPostgres pg;
    private final Path dataDir;

    private EmbeddedPostgresServer(EmbeddedPostgres pg, Path dataDir) {
        this.pg = pg;
        this.dataDir = dataDir;
    }

    /** Starts (or restarts, keeping the data) a server whose data directory is {@code dataDir}. */
    public static EmbeddedPostgresServer start(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            Path work = dataDir.getParent().resolve("pg-runtime");
            Files.createDirectories(work);
            removeStalePid(dataDir);
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(work.toFile())
                    .setPort(freePort())
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setRegisterShutdownHook(false)
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("shared_buffers", "128MB")
                    // Logical replication: the change stream for regions, and ShardMove's copy of a shard. A move
                    // uses a slot and a sender for its subscription plus one per table being copied at the time.
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_wal_senders", "20")
                    .setServerConfig("max_replication_slots", "20")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .start();
            LOG.info(() -> "embedded PostgreSQL listening on 127.0.0.1:" + pg.getPort() + ", data in " + dataDir);
            return new EmbeddedPostgresServer(pg, dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * A postmaster.pid left by a process that was killed (not stopped) would make pg_ctl refuse to start; if no
     * process with that pid is alive, it is stale.
     */
    private static void removeStalePid(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").trim();
        boolean alive = false;
        try {
            alive = ProcessHandle.of(Long.parseLong(first)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException ignored) {
            // unreadable: treat as stale
        }
        if (!alive) {
            LOG.warning("removing stale " + pidFile + " (pid " + first + " is not running)");
            Files.delete(pidFile);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return pg.getPort();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        // zonky gives pg_ctl stop 5 seconds; after a bulk load the shutdown checkpoint takes longer and the stop is
        // reported as failed. A checkpoint first leaves the shutdown little to write.
        try (var c = pg.getPostgresDatabase().getConnection(); var st = c.createStatement()) {
            st.execute("CHECKPOINT");
        } catch (java.sql.SQLException | RuntimeException e) {
            LOG.fine("no checkpoint before stopping: " + e.getMessage());
        }
        try {
            pg.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
