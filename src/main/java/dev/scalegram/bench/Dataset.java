package dev.scalegram.bench;

import dev.scalegram.graph.Graph;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.ScalegramId;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import tools.jackson.databind.JsonNode;

/**
 * Datasets for the scenarios. Small things (an app, an account, a post) go through the API like any client's; big
 * things are written in bulk with PostgreSQL COPY, straight into the rows the graph layer would have written, because
 * 1.2 million likes one transaction at a time would take longer than the benchmark.
 */
final class Dataset {

    private Dataset() {}

    /** A real account and one real status of its, made through the Mastodon API. */
    record Post(long accountId, long statusId, String token) {}

    static Post post(HttpApi api, String username, String text) throws IOException, InterruptedException {
        JsonNode app = api.postJson("/api/v1/apps", null, Map.of("client_name", "scalegram-bench",
                "redirect_uris", "urn:ietf:wg:oauth:2.0:oob", "scopes", "read write follow"));
        String appToken = api.postForm("/oauth/token", null, "grant_type", "client_credentials",
                "client_id", app.path("client_id").asString(), "client_secret", app.path("client_secret").asString(),
                "scope", "read write follow").path("access_token").asString();
        JsonNode account = api.postJson("/api/v1/accounts", appToken, Map.of("username", username,
                "email", username + "@bench.example", "password", "pw-" + UUID.randomUUID(), "agreement", true,
                "locale", "en"));
        String token = account.path("access_token").asString();
        long accountId = Long.parseLong(api.getJson("/api/v1/accounts/verify_credentials", token).path("id").asString());
        long statusId = Long.parseLong(api.postForm("/api/v1/statuses", token, "status", text).path("id").asString());
        return new Post(accountId, statusId, token);
    }

    /**
     * A liker id: a valid id on a real logical shard (shards taken in turn, so likers spread over all of them), made
     * as if the account had been created a day before the post. Distinct for distinct {@code i}. No such account
     * exists: a count does not need one.
     */
    static long likerId(int i, int logicalShards, long postMillis) {
        int shard = i % logicalShards;
        int rest = i / logicalShards;
        return ScalegramId.of(postMillis - 86_400_000L + rest / 1024, shard, rest % 1024);
    }

    /**
     * Gives {@code statusId} exactly {@code n} likes: {@code n - 1} {@code LIKED_BY} rows written with COPY in one
     * transaction together with its {@code counts} row, then the n-th through {@link Graph#write}, which bumps the
     * count to n and invalidates the count key the normal way (the post's own API response had cached it as 0).
     * Then VACUUM (ANALYZE) on the table, the state autovacuum would reach by itself a little later, so that what
     * is measured next is a settled table and not hint-bit writes or an autovacuum running underneath.
     *
     * <p>Only the first end of each like is written: the {@code LIKES} inverses on the likers' shards are not, and the
     * likers are ids, not accounts. The repair scan would add the inverses; the bench's servers run without it.
     *
     * @return timings, for the result
     */
    static Map<String, Object> likes(Graph graph, long statusId, int n, PrintStream log) {
        if (n < 1) {
            throw new IllegalArgumentException("likes must be >= 1");
        }
        int shard = ScalegramId.shard(statusId);
        int logical = graph.shards().logicalShards();
        long postMillis = ScalegramId.createdAt(statusId).toEpochMilli();
        long t0 = System.nanoTime();
        long copied = graph.shards().transaction(shard, (c, sql) -> {
            CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn(sql.of("COPY {s}.assocs (id1, type, id2, pos) FROM STDIN"));
            try {
                copyRows(copy, statusId, shard, n - 1, logical, postMillis, log);
                long rows = copy.endCopy();
                try (PreparedStatement ps = c.prepareStatement(sql.of("""
                        INSERT INTO {s}.counts (id1, type, n) VALUES (?, ?, ?)
                        ON CONFLICT (id1, type) DO UPDATE SET n = {s}.counts.n + EXCLUDED.n"""))) {
                    ps.setLong(1, statusId);
                    ps.setShort(2, (short) Relation.LIKED_BY.code());
                    ps.setLong(3, rows);
                    ps.executeUpdate();
                }
                return rows;
            } finally {
                if (copy.isActive()) {
                    copy.cancelCopy();
                }
            }
        });
        double copySeconds = (System.nanoTime() - t0) / 1e9;
        long last = likerId(n - 1, logical, postMillis);
        if (!graph.write(shard, tx -> tx.assocAdd(statusId, Relation.LIKED_BY, last))) {
            throw new IllegalStateException("the last like already existed: the dataset is not what it should be");
        }
        long t1 = System.nanoTime();
        log.printf("  seed: %,d likes committed in %.1f s (%,.0f rows/s); VACUUM (ANALYZE)...%n", copied + 1,
                copySeconds, copied / Math.max(copySeconds, 1e-9));
        graph.shards().read(shard, (c, sql) -> {
            try (var st = c.createStatement()) {
                st.execute(sql.of("VACUUM (ANALYZE) {s}.assocs"));
                st.execute(sql.of("ANALYZE {s}.counts"));
            }
            return null;
        });
        double vacuumSeconds = (System.nanoTime() - t1) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("likes", copied + 1);
        m.put("copy_seconds", Percentiles.round(copySeconds));
        m.put("copy_rows_per_s", Math.round(copied / Math.max(copySeconds, 1e-9)));
        m.put("vacuum_analyze_seconds", Percentiles.round(vacuumSeconds));
        return m;
    }

    /**
     * Undoes {@link #likes}: deletes the status's {@code LIKED_BY} rows and zeroes its count in one transaction, then
     * one like and unlike through {@link Graph#write}, so the cached count is invalidated the normal way. For
     * databases that outlive the run (a topology's); an embedded one is simply removed.
     */
    static void removeLikes(Graph graph, long statusId, PrintStream log) {
        int shard = ScalegramId.shard(statusId);
        long t0 = System.nanoTime();
        long deleted = graph.shards().transaction(shard, (c, sql) -> {
            long n;
            try (PreparedStatement ps = c.prepareStatement(sql.of("DELETE FROM {s}.assocs WHERE id1 = ? AND type = ?"))) {
                ps.setLong(1, statusId);
                ps.setShort(2, (short) Relation.LIKED_BY.code());
                n = ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(sql.of("DELETE FROM {s}.counts WHERE id1 = ? AND type = ?"))) {
                ps.setLong(1, statusId);
                ps.setShort(2, (short) Relation.LIKED_BY.code());
                ps.executeUpdate();
            }
            return n;
        });
        long liker = likerId(0, graph.shards().logicalShards(), ScalegramId.createdAt(statusId).toEpochMilli());
        graph.write(shard, tx -> tx.assocAdd(statusId, Relation.LIKED_BY, liker));
        graph.write(shard, tx -> tx.assocDelete(statusId, Relation.LIKED_BY, liker));
        log.printf("  cleanup: %,d likes deleted in %.1f s%n", deleted, (System.nanoTime() - t0) / 1e9);
    }

    /** Streams rows in COPY's text format, a chunk at a time, printing progress about once a second. */
    private static void copyRows(CopyIn copy, long statusId, int shard, int rows, int logical, long postMillis,
            PrintStream log) throws SQLException {
        final int chunk = 8192;
        StringBuilder b = new StringBuilder(chunk * 64);
        String prefix = statusId + "\t" + Relation.LIKED_BY.code() + "\t";
        long start = System.nanoTime();
        long lastPrint = start;
        for (int i = 0; i < rows; ) {
            b.setLength(0);
            int upTo = Math.min(rows, i + chunk);
            for (; i < upTo; i++) {
                // pos: when the like happened, a time-ordered id on the status's shard, 1024 likes per millisecond
                // from the moment of the post on; newest first is then the order they were made in.
                long pos = ScalegramId.of(postMillis + i / 1024, shard, i % 1024);
                b.append(prefix).append(likerId(i, logical, postMillis)).append('\t').append(pos).append('\n');
            }
            byte[] bytes = b.toString().getBytes(StandardCharsets.US_ASCII);
            copy.writeToCopy(bytes, 0, bytes.length);
            long now = System.nanoTime();
            if (now - lastPrint >= 1_000_000_000L || i == rows) {
                lastPrint = now;
                double secs = (now - start) / 1e9;
                log.printf("  seed: %,d / %,d likes copied (%.0f%%), %,.0f rows/s%n", i, rows,
                        rows == 0 ? 100.0 : 100.0 * i / rows, i / Math.max(secs, 1e-9));
            }
        }
    }
}
