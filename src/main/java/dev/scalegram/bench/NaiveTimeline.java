package dev.scalegram.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.scalegram.api.Entities;
import dev.scalegram.config.Topology;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.json.Json;
import dev.scalegram.shards.ShardMap;
import dev.scalegram.social.Account;
import dev.scalegram.social.AccountView;
import dev.scalegram.social.Status;
import dev.scalegram.social.StatusView;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import tools.jackson.databind.JsonNode;

/**
 * The home timeline done the naive way, kept in the bench code only, as the baseline the real one is measured
 * against: one SQL join per request and no cache. A small HTTP server (the JDK's, on virtual threads) answers
 * {@code GET /api/v1/timelines/home?limit=20}: for the reader's account it runs <em>one</em> statement per PostgreSQL
 * server, which joins the reader's FOLLOWS rows (and the reader: a home timeline holds one's own posts too) with the
 * followees' POSTED rows over every shard schema on that server ({@code UNION ALL}), keeps the newest, and joins those
 * with their STATUS objects, their authors' ACCOUNT objects and the counts; then renders them as Mastodon statuses
 * with the same fields the real API renders.
 *
 * <p>It is naive in what it does (the whole timeline from the source tables on every read) but not sloppy in how: the
 * newest posts are picked before anything is joined to them, so only the posts shown are hydrated; each branch of a
 * union looks up only the ids its shard holds; and the statement is prepared once per connection with a generic
 * plan, because planning a union over dozens of schemas takes longer than running it.
 *
 * <p>With one server (the embedded topology) that is exactly one statement. With several, the followees live on
 * their own shards, out of reach of a statement on the reader's server: the reader's follow list is read first, then
 * one statement per server (in parallel) joins that list, and the newest of all their rows are kept. Shard placement
 * is the topology's: the bench's datasets never move shards.
 */
final class NaiveTimeline implements AutoCloseable {

    static final String PATH = "/api/v1/timelines/home";

    /** One status with everything the response shows next to it. */
    record Row(long id, String status, long authorId, String account, long followers, long following, long statuses,
               long favourites, long replies, boolean favourited, boolean bookmarked) {}

    private final ShardMap map;
    private final Map<String, HikariDataSource> pools;
    private final Map<String, Long> accountOfToken;
    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, String> sqlCache = new ConcurrentHashMap<>();
    private final String base;
    private final Entities entities;

    static {
        // Two settings of the JDK's server, read once when its first server starts. It closes idle connections past
        // 200, but a rate search keeps up to max_in_flight of them, and reconnecting is a cost the real server does not
        // pay. And it leaves Nagle on: a response written in pieces then waits for the client's delayed ACK, about
        // 40 ms per request (the real server turns Nagle off too).
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", "10000");
        }
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private NaiveTimeline(ShardMap map, Map<String, HikariDataSource> pools, Map<String, Long> accountOfToken)
            throws IOException {
        this.map = map;
        this.pools = pools;
        this.accountOfToken = Map.copyOf(accountOfToken);
        this.http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4096);
        http.setExecutor(executor);
        http.createContext(PATH, this::handle);
        http.start();
        this.base = "http://127.0.0.1:" + http.getAddress().getPort();
        this.entities = new Entities(base);
    }

    /**
     * Serves the timelines of the accounts in {@code storage}'s databases.
     *
     * @param accountOfToken how a request's bearer token names its reader: built when the tokens were made, so the
     *     timed path has no token lookup (the real server resolves tokens through its cache)
     */
    static NaiveTimeline start(Topology storage, Map<String, Long> accountOfToken) {
        Map<String, HikariDataSource> pools = new LinkedHashMap<>();
        try {
            for (Topology.PgServer s : storage.postgres().servers()) {
                pools.put(s.name(), pool(s));
            }
            return new NaiveTimeline(ShardMap.from(storage), pools, accountOfToken);
        } catch (IOException | RuntimeException e) {
            pools.values().forEach(HikariDataSource::close);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /**
     * A pool like the server's (same size), whose connections prepare a statement on its first use and keep one
     * generic plan for it: the statement differs per server, not per reader, so each connection plans it once.
     */
    private static HikariDataSource pool(Topology.PgServer s) {
        HikariConfig c = new HikariConfig();
        c.setPoolName("naive-" + s.name());
        c.setJdbcUrl(s.url());
        c.setUsername(s.user());
        c.setPassword(s.password());
        c.setMaximumPoolSize(s.poolSize());
        c.setMinimumIdle(Math.min(4, s.poolSize()));
        c.setConnectionTimeout(10_000);
        c.addDataSourceProperty("prepareThreshold", "1");
        c.setConnectionInitSql("SET plan_cache_mode = force_generic_plan");
        return new HikariDataSource(c);
    }

    URI base() {
        return URI.create(base + "/");
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            Long reader = auth != null && auth.startsWith("Bearer ") ? accountOfToken.get(auth.substring(7)) : null;
            if (reader == null) {
                send(ex, 401, "{\"error\":\"The access token is invalid\"}".getBytes());
                return;
            }
            int limit = 20;
            String q = ex.getRequestURI().getRawQuery();
            if (q != null) {
                for (String kv : q.split("&")) {
                    if (kv.startsWith("limit=")) {
                        limit = Math.max(1, Math.min(40, Integer.parseInt(kv.substring(6))));
                    }
                }
            }
            byte[] body;
            try {
                body = Json.bytes(render(read(reader, limit)));
            } catch (RuntimeException e) {
                send(ex, 500, Json.bytes(Map.of("error", String.valueOf(e.getMessage()))));
                return;
            }
            send(ex, 200, body);
        }
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** The newest {@code limit} posts of the accounts {@code reader} follows and its own, hydrated. */
    List<Row> read(long reader, int limit) {
        Map<String, List<Integer>> byServer = servers();
        if (byServer.size() == 1) {
            String only = byServer.keySet().iterator().next();
            return query(only, byServer.get(only), reader, null, limit);
        }
        long[] followees = followees(reader);
        List<Future<List<Row>>> parts = new ArrayList<>();
        byServer.forEach((server, list) -> parts.add(executor.submit(() -> query(server, list, reader, followees,
                limit))));
        List<Row> all = new ArrayList<>();
        for (Future<List<Row>> f : parts) {
            try {
                all.addAll(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
        all.sort(Comparator.comparingLong(Row::id).reversed());
        return all.subList(0, Math.min(limit, all.size()));
    }

    /** The servers that hold shards, with their shards. */
    private Map<String, List<Integer>> servers() {
        Map<String, List<Integer>> byServer = map.shardsByServer();
        byServer.values().removeIf(List::isEmpty);
        return byServer;
    }

    /** The accounts whose posts are in {@code reader}'s home timeline: those it follows, and itself. */
    private long[] followees(long reader) {
        int shard = ScalegramId.shard(reader);
        try (Connection c = pools.get(map.serverOf(shard)).getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id2 FROM " + ShardMap.schema(shard)
                     + ".assocs WHERE id1 = ? AND type = " + Relation.FOLLOWS.code())) {
            ps.setLong(1, reader);
            List<Long> ids = new ArrayList<>();
            ids.add(reader);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            return ids.stream().mapToLong(Long::longValue).toArray();
        } catch (SQLException e) {
            throw new IllegalStateException("naive timeline, follows of " + reader + ": " + e.getMessage(), e);
        }
    }

    private List<Row> query(String server, List<Integer> schemas, long reader, long[] followees, int limit) {
        try (Connection c = pools.get(server).getConnection();
             PreparedStatement ps = c.prepareStatement(sql(server, schemas, followees != null))) {
            bind(c, ps, reader, followees, limit);
            List<Row> rows = new ArrayList<>(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getLong(5),
                            rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getBoolean(10),
                            rs.getBoolean(11)));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("naive timeline on " + server + ": " + e.getMessage(), e);
        }
    }

    private static void bind(Connection c, PreparedStatement ps, long reader, long[] followees, int limit)
            throws SQLException {
        ps.setLong(1, reader);
        int i = 2;
        if (followees != null) {
            Array a = c.createArrayOf("bigint", java.util.Arrays.stream(followees).boxed().toArray());
            ps.setArray(i++, a);
        }
        ps.setInt(i, limit);
    }

    /**
     * The statement for one server. Parameters: the reader, then (with several servers) the accounts whose posts are
     * in its timeline as an array, then the limit. {@code top} picks the newest posts from the POSTED rows alone;
     * only those are joined with their objects and counts.
     *
     * <p>The reader's follows and bookmarks live on its own shard; the statement has a branch for them in every
     * schema of the server, each guarded by the shard bits of the reader's id (so only the reader's own runs),
     * rather than naming the reader's schema, so that a server has one statement text for every reader, planned
     * once per connection.
     */
    String sql(String server, List<Integer> schemas, boolean followeesGiven) {
        return sqlCache.computeIfAbsent(server + "/" + followeesGiven, k -> {
            StringBuilder b = new StringBuilder("WITH r AS (SELECT ?::bigint AS id),\n");
            // A home timeline holds the reader's own posts too, as Mastodon's does.
            b.append("f AS (");
            if (followeesGiven) {
                b.append("SELECT unnest(?::bigint[]) AS id");
            } else {
                b.append("SELECT id FROM r");
                for (int shard : schemas) {
                    b.append("\n  UNION ALL SELECT a.id2 FROM ").append(ShardMap.schema(shard))
                            .append(".assocs a, r WHERE ").append(onShard("r.id", shard))
                            .append(" AND a.id1 = r.id AND a.type = ").append(Relation.FOLLOWS.code());
                }
            }
            b.append("),\nsv AS (");
            for (int i = 0; i < schemas.size(); i++) {
                b.append(i == 0 ? "" : "\n  UNION ALL ").append("SELECT v.id2 FROM ")
                        .append(ShardMap.schema(schemas.get(i))).append(".assocs v, r WHERE ")
                        .append(onShard("r.id", schemas.get(i))).append(" AND v.id1 = r.id AND v.type = ")
                        .append(Relation.SAVED.code());
            }
            b.append("),\ntop AS (SELECT * FROM (");
            for (int i = 0; i < schemas.size(); i++) {
                String s = ShardMap.schema(schemas.get(i));
                b.append(i == 0 ? "\n  " : "\n  UNION ALL ").append("SELECT p.id2 AS id, p.id1 AS author FROM f JOIN ")
                        .append(s).append(".assocs p ON p.id1 = f.id AND p.type = ").append(Relation.POSTED.code())
                        .append(" WHERE ").append(onShard("f.id", schemas.get(i)));
            }
            b.append("\n) x ORDER BY id DESC LIMIT ?)\nSELECT * FROM (\n");
            for (int i = 0; i < schemas.size(); i++) {
                String s = ShardMap.schema(schemas.get(i));
                if (i > 0) {
                    b.append("  UNION ALL\n");
                }
                b.append("  SELECT t.id, st.data::text AS status, t.author, a.data::text AS account,\n");
                count(b, s, "t.author", Relation.FOLLOWED_BY, "followers");
                count(b, s, "t.author", Relation.FOLLOWS, "following");
                count(b, s, "t.author", Relation.POSTED, "statuses");
                count(b, s, "t.id", Relation.LIKED_BY, "favourites");
                count(b, s, "t.id", Relation.HAS_COMMENT, "replies");
                b.append("    EXISTS (SELECT 1 FROM ").append(s).append(".assocs l, r WHERE l.id1 = t.id AND l.type = ")
                        .append(Relation.LIKED_BY.code()).append(" AND l.id2 = r.id) AS favourited,\n")
                        .append("    t.id IN (SELECT id2 FROM sv) AS bookmarked\n");
                // A post is on its author's shard, so both objects are in this branch's schema.
                b.append("  FROM top t JOIN ").append(s).append(".objects st ON st.id = t.id AND st.type = ")
                        .append(ObjectType.STATUS.code())
                        .append("\n  JOIN ").append(s).append(".objects a ON a.id = t.author AND a.type = ")
                        .append(ObjectType.ACCOUNT.code())
                        .append("\n  WHERE ").append(onShard("t.id", schemas.get(i))).append('\n');
            }
            b.append(") h\nORDER BY h.id DESC");
            return b.toString();
        });
    }

    /**
     * Whether an id is on a shard, from the shard bits of the id itself: each branch of a union looks up only the
     * ids its schema holds, instead of probing every schema's index for every id.
     */
    private static String onShard(String id, int shard) {
        return "((" + id + " >> " + ScalegramId.SEQ_BITS + ") & " + (ScalegramId.MAX_SHARDS - 1) + ") = " + shard;
    }

    /** A count as a scalar subquery: a join per count would make each branch a 7-way join to plan. */
    private static void count(StringBuilder b, String s, String of, Relation rel, String as) {
        b.append("    coalesce((SELECT c.n FROM ").append(s).append(".counts c WHERE c.id1 = ").append(of)
                .append(" AND c.type = ").append(rel.code()).append("), 0) AS ").append(as).append(",\n");
    }

    /**
     * PostgreSQL's own account of one request's statement on the reader's server (EXPLAIN ANALYZE): how long it
     * planned and ran, and its top plan nodes. For the result, so a reader sees where the naive time goes.
     */
    Map<String, Object> explain(long reader, int limit) {
        Map<String, List<Integer>> byServer = servers();
        String server = map.serverOf(ScalegramId.shard(reader));
        List<Integer> schemas = byServer.get(server);
        long[] followees = byServer.size() > 1 ? followees(reader) : null;
        try (Connection c = pools.get(server).getConnection();
             PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, FORMAT JSON) "
                     + sql(server, schemas, followees != null))) {
            bind(c, ps, reader, followees, limit);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                JsonNode plan = Json.tree(rs.getString(1)).get(0);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("reader", Long.toString(reader));
                m.put("server", server);
                m.put("schemas_in_union", schemas.size());
                m.put("planning_ms", plan.path("Planning Time").asDouble());
                m.put("execution_ms", plan.path("Execution Time").asDouble());
                m.put("note", "one EXPLAIN ANALYZE with a fresh plan on a fresh statement: the timed requests plan "
                        + "once per connection, so their cost is about execution_ms");
                return m;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("EXPLAIN of the naive timeline: " + e.getMessage(), e);
        }
    }

    /**
     * The rows as Mastodon statuses, rendered by the API's own {@link Entities} so both implementations answer the
     * same JSON. The seeded posts carry no media, so none is looked up.
     */
    List<Entities.Entity> render(List<Row> rows) {
        List<Entities.Entity> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            AccountView author = new AccountView(r.authorId(), Json.read(r.account(), Account.class), r.followers(),
                    r.following(), r.statuses());
            out.add(entities.status(new StatusView(r.id(), Json.read(r.status(), Status.class), author, List.of(),
                    r.favourites(), r.replies(), r.favourited(), r.bookmarked())));
        }
        return out;
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        pools.values().forEach(HikariDataSource::close);
    }
}
