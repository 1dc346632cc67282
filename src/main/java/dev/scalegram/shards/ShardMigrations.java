package dev.scalegram.shards;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Migrates every logical shard's schema with Flyway (one history table per schema, so a moved shard carries its own
 * history). Start-up must stay fast with thousands of shards, so shards whose history already holds the latest
 * version are found with one query per server and skipped, and the rest migrate in parallel.
 */
public final class ShardMigrations {

    private static final Logger LOG = Logger.getLogger(ShardMigrations.class.getName());
    private static final String LOCATION = "classpath:db/shard";

    private ShardMigrations() {}

    /** Brings every shard on every server to the latest schema; returns how many shards were migrated. */
    public static int migrateAll(Shards shards) {
        String latest = latestVersion();
        int migrated = 0;
        for (Map.Entry<String, List<Integer>> e : shards.map().shardsByServer().entrySet()) {
            DataSource ds = shards.dataSource(e.getKey());
            Set<Integer> current = shardsAt(ds, latest);
            List<Integer> todo = new ArrayList<>();
            for (int shard : e.getValue()) {
                if (!current.contains(shard)) {
                    todo.add(shard);
                }
            }
            if (!todo.isEmpty()) {
                LOG.info(() -> "migrating " + todo.size() + " logical shards on " + e.getKey() + " to v" + latest);
                migrate(ds, todo);
                migrated += todo.size();
            }
        }
        return migrated;
    }

    /** Creates (or migrates) one logical shard's schema on one server: the first step of moving it there. */
    static void migrate(DataSource ds, int shard) {
        flyway(ds, shard).migrate();
    }

    private static void migrate(DataSource ds, List<Integer> shards) {
        int threads = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors() * 2));
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int shard : shards) {
                futures.add(pool.submit(() -> flyway(ds, shard).migrate()));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (Exception ex) {
                    throw new IllegalStateException("shard migration failed: " + ex.getMessage(), ex);
                }
            }
        }
    }

    private static Flyway flyway(DataSource ds, int shard) {
        String schema = ShardMap.schema(shard);
        return Flyway.configure()
                .dataSource(ds)
                .locations(LOCATION)
                .schemas(schema)
                .defaultSchema(schema)
                .placeholders(Map.of("shard_id", Integer.toString(shard)))
                .loggers("slf4j")
                .load();
    }

    /** The shards on a server whose Flyway history already records {@code version}, found in one statement. */
    private static Set<Integer> shardsAt(DataSource ds, String version) {
        Set<Integer> done = new HashSet<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            List<String> schemas = new ArrayList<>();
            // Only live shard schemas: a moved-away copy (shard_0042_moved_...) keeps its history but is not a shard.
            try (ResultSet rs = st.executeQuery("""
                    SELECT table_schema FROM information_schema.tables
                    WHERE table_schema ~ '^shard_[0-9]+$' AND table_name = 'flyway_schema_history'""")) {
                while (rs.next()) {
                    schemas.add(rs.getString(1));
                }
            }
            if (schemas.isEmpty()) {
                return done;
            }
            StringBuilder q = new StringBuilder();
            for (String s : schemas) {
                if (!q.isEmpty()) {
                    q.append(" UNION ALL ");
                }
                q.append("SELECT '").append(s).append("' FROM ").append(s)
                        .append(".flyway_schema_history WHERE version = '").append(version).append("' AND success");
            }
            try (ResultSet rs = st.executeQuery(q.toString())) {
                while (rs.next()) {
                    done.add(Integer.parseInt(rs.getString(1).substring("shard_".length())));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read shard migration state: " + e.getMessage(), e);
        }
        return done;
    }

    /**
     * The newest migration under {@code db/shard}. Bump it with every new migration file (a test checks that it
     * matches the files): it lets start-up skip Flyway entirely for shards that are current.
     */
    static final String LATEST_VERSION = "1";

    static String latestVersion() {
        return LATEST_VERSION;
    }
}
