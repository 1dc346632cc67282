package dev.scalegram.tasks;

import dev.scalegram.config.Topology.TasksConfig;
import dev.scalegram.json.Json;
import dev.scalegram.shards.ShardMap;
import dev.scalegram.shards.ShardSql;
import dev.scalegram.shards.Shards;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Moves committed tasks from the shards' outboxes to the transport. One relay thread per physical server listens on
 * the server's NOTIFY channel (the committing transaction names its shard) and, when nothing wakes it, scans all of
 * the server's shards for due rows with one statement.
 *
 * <p>Claiming pushes a row's {@code next_at} forward by the visibility timeout instead of deleting it, so a relay that
 * dies mid-task loses nothing: the row becomes due again and another relay (or this one, restarted) takes it. Rows are
 * deleted only after the transport confirms; a failure pushes {@code next_at} back with exponential backoff, and the
 * last allowed failure moves the row to {@code dead_tasks}. A {@link TransportUnavailableException} (the broker never
 * took the task) is not a failed attempt: the claim's attempt is given back and the row retried after a short backoff
 * that grows while the outage lasts, so an outage of any length dead-letters nothing.
 *
 * <p>Logical shards move between servers: each server's thread takes its list of shards from the live shard map and
 * takes it again whenever the map's version changes, so a moved shard is scanned where it now lives. Every server of
 * the topology gets a thread, also one holding no shard yet, since a shard may move there.
 */
public final class TaskRelay implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TaskRelay.class.getName());
    private static final int BATCH = 200;
    private static final int SCAN_CHUNK = 128;
    /** next_at is set by the database clock and the timer by ours: wake a little late rather than early. */
    private static final long CLOCK_SLACK_MILLIS = 10;
    /** Gauges are recounted on every this-many scans: counting is the expensive half of a scan. */
    private static final int COUNT_EVERY_SCANS = 6;
    private static final long MAX_UNAVAILABLE_BACKOFF_MILLIS = 5_000;
    private static final long NO_OUTAGE = Long.MIN_VALUE;

    private final Shards shards;
    private final TaskTransport transport;
    private final TasksConfig config;
    private final Semaphore inFlight;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong backlog = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong running = new AtomicLong();
    private final AtomicLong claims = new AtomicLong();
    // Shard -> System.nanoTime() when a row backed off by this relay comes due again.
    private final java.util.concurrent.ConcurrentHashMap<Integer, Long> retryAt = new java.util.concurrent.ConcurrentHashMap<>();
    // When the transport began refusing tasks (System.nanoTime), or NO_OUTAGE; any delivery ends the outage.
    private final AtomicLong outageSince = new AtomicLong(NO_OUTAGE);
    private final Counter delivered;
    private final Counter failed;
    private final Counter unavailable;
    private volatile boolean stopping;
    // Closed by close(): a thread blocked reading notifications does not notice an interrupt, but does a closed socket.
    private final List<Connection> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public TaskRelay(Shards shards, TaskTransport transport, TasksConfig config, MeterRegistry registry) {
        this.shards = shards;
        this.transport = transport;
        this.config = config;
        this.inFlight = new Semaphore(config.concurrency());
        this.delivered = Counter.builder("scalegram.tasks.delivered").register(registry);
        this.failed = Counter.builder("scalegram.tasks.failed").description("attempts that failed and will retry or dead-letter").register(registry);
        this.unavailable = Counter.builder("scalegram.tasks.unavailable")
                .description("deliveries the transport could not take (broker down); retried without using an attempt")
                .register(registry);
        Gauge.builder("scalegram.outbox.backlog", backlog, AtomicLong::get)
                .description("outbox rows not yet delivered, all shards (refreshed on each scan)").register(registry);
        Gauge.builder("scalegram.outbox.dead", deadLettered, AtomicLong::get)
                .description("tasks in dead_tasks, all shards (refreshed on each scan)").register(registry);
    }

    public TaskRelay start() {
        for (String server : shards.map().servers()) {
            Thread t = Thread.ofPlatform().daemon().name("relay-" + server).start(() -> loop(server));
            threads.add(t);
        }
        return this;
    }

    private void loop(String server) {
        Connection listener = null;
        ShardMap map = null;
        List<Integer> serverShards = List.of();
        Set<Integer> mine = Set.of();
        Set<Integer> pending = new LinkedHashSet<>();
        long nextScan = System.nanoTime();
        int scans = 0;
        while (!stopping) {
            try {
                if (map != shards.map()) {
                    map = shards.map();
                    serverShards = map.shardsByServer().get(server);
                    mine = new java.util.HashSet<>(serverShards);
                    nextScan = System.nanoTime(); // a shard that just arrived may hold rows no notification announced
                }
                if (listener == null || listener.isClosed()) {
                    listener = listen(server);
                    nextScan = System.nanoTime(); // notifications may have been missed while not listening
                }
                long now = System.nanoTime();
                if (now - nextScan >= 0) {
                    pending.addAll(scan(serverShards, scans++ % COUNT_EVERY_SCANS == 0));
                    nextScan = now + TimeUnit.MILLISECONDS.toNanos(config.pollMillis());
                }
                pending.addAll(dueRetries(mine, now));
                pending.addAll(notified(listener, 1));
                while (!pending.isEmpty() && !stopping) {
                    Set<Integer> again = new LinkedHashSet<>();
                    for (int shard : pending) {
                        if (drain(shard) == BATCH) {
                            again.add(shard);
                        }
                    }
                    again.addAll(notified(listener, 1));
                    again.addAll(dueRetries(mine, System.nanoTime()));
                    pending = again;
                }
                pending.addAll(notified(listener, millisUntil(nextScan, mine)));
            } catch (Exception e) {
                if (stopping) {
                    break;
                }
                if (map != shards.map()) {
                    // A shard moved under this pass (its schema left this server): take the new map and go on.
                    LOG.fine(() -> "relay for " + server + " follows a new shard map: " + e.getMessage());
                    continue;
                }
                LOG.log(Level.WARNING, "relay for " + server + " failed; retrying in 1 s: " + e.getMessage(), e);
                closeQuietly(listener);
                listeners.remove(listener);
                listener = null;
                sleep(1000);
            }
        }
        closeQuietly(listener);
    }

    /** Shards of this server with a retry that has come due; they leave the timer map. */
    private Set<Integer> dueRetries(Set<Integer> mine, long now) {
        Set<Integer> due = new LinkedHashSet<>();
        retryAt.forEach((shard, at) -> {
            if (mine.contains(shard) && now - at >= 0 && retryAt.remove(shard, at)) {
                due.add(shard);
            }
        });
        return due;
    }

    /** How long to wait for a notification: until the next scan or the next retry, whichever is first. */
    private long waitCap(long nextScan, Set<Integer> mine) {
        long until = nextScan;
        for (var e : retryAt.entrySet()) {
            if (mine.contains(e.getKey()) && e.getValue() - until < 0) {
                until = e.getValue();
            }
        }
        return until;
    }

    private int millisUntil(long nextScan, Set<Integer> mine) {
        long nanos = waitCap(nextScan, mine) - System.nanoTime();
        return (int) Math.max(1, Math.min(config.pollMillis(), TimeUnit.NANOSECONDS.toMillis(nanos) + 1));
    }

    /** Remembers that a shard has a row coming due at {@code millis} from now, so no scan is needed to find it. */
    private void retryLater(int shard, long millis) {
        retryAt.merge(shard, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis),
                (a, b) -> a - b < 0 ? a : b);
    }

    private Connection listen(String server) throws SQLException {
        // A connection of its own: LISTEN state must not leak into the pool.
        var s = shards.server(server);
        Connection c = DriverManager.getConnection(s.url(), s.user(), s.password());
        try (Statement st = c.createStatement()) {
            st.execute("LISTEN " + Outbox.CHANNEL);
        }
        listeners.add(c);
        return c;
    }

    private static Set<Integer> notified(Connection listener, int waitMillis) throws SQLException {
        Set<Integer> out = new LinkedHashSet<>();
        // pgjdbc reads 0 as "block forever"; 1 ms is the shortest real wait.
        PGNotification[] ns = listener.unwrap(PGConnection.class).getNotifications(Math.max(1, waitMillis));
        if (ns != null) {
            for (PGNotification n : ns) {
                out.add(Integer.parseInt(n.getParameter()));
            }
        }
        return out;
    }

    /**
     * Which of a server's shards have due rows: the safety net for what no notification or timer announced (rows a
     * crashed relay had claimed, notifications sent while this relay was not listening). One statement per chunk of
     * shards keeps each statement's plan and locks small even with thousands of shards per server. With
     * {@code counts}, it also refreshes the backlog and dead-letter gauges.
     */
    private Set<Integer> scan(List<Integer> serverShards, boolean counts) {
        Set<Integer> due = new LinkedHashSet<>();
        long[] totals = new long[2];
        for (int from = 0; from < serverShards.size(); from += SCAN_CHUNK) {
            List<Integer> chunk = serverShards.subList(from, Math.min(serverShards.size(), from + SCAN_CHUNK));
            shards.read(chunk.getFirst(), (c, sql) -> {
                StringBuilder q = new StringBuilder();
                for (int shard : chunk) {
                    String s = dev.scalegram.shards.ShardMap.schema(shard);
                    if (!q.isEmpty()) {
                        q.append(" UNION ALL ");
                    }
                    q.append("SELECT ").append(shard).append(", EXISTS (SELECT 1 FROM ").append(s)
                            .append(".outbox WHERE next_at <= now())");
                    if (counts) {
                        q.append(", (SELECT count(*) FROM ").append(s).append(".outbox), (SELECT count(*) FROM ")
                                .append(s).append(".dead_tasks)");
                    }
                }
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql.of(q.toString()))) {
                    while (rs.next()) {
                        if (rs.getBoolean(2)) {
                            due.add(rs.getInt(1));
                        }
                        if (counts) {
                            totals[0] += rs.getLong(3);
                            totals[1] += rs.getLong(4);
                        }
                    }
                }
                return null;
            });
        }
        if (counts) {
            backlog.set(totals[0]);
            deadLettered.set(totals[1]);
        }
        return due;
    }

    /**
     * Claims up to a batch of due tasks on one shard, delivers them, and settles each; returns how many it claimed, or
     * 0 when the transport was unavailable (draining the rest of the backlog into a dead transport now is pointless).
     */
    int drain(int shard) {
        // Counted as running from before the claim, so awaitIdle never sees a claimed task as neither due nor running.
        claims.incrementAndGet();
        running.incrementAndGet();
        try {
            return drainClaimed(shard);
        } finally {
            running.decrementAndGet();
        }
    }

    private int drainClaimed(int shard) {
        List<Task> claimed = shards.transaction(shard, (c, sql) -> claim(c, sql));
        if (claimed.isEmpty()) {
            return 0;
        }
        List<CompletableFuture<Void>> deliveries = new ArrayList<>(claimed.size());
        for (Task t : claimed) {
            inFlight.acquireUninterruptibly();
            running.incrementAndGet();
            deliveries.add(transport.deliver(t).whenComplete((v, err) -> {
                inFlight.release();
                running.decrementAndGet();
            }));
        }
        List<Long> done = new ArrayList<>();
        List<Long> notTaken = new ArrayList<>();
        String notTakenError = null;
        for (int i = 0; i < claimed.size(); i++) {
            Task t = claimed.get(i);
            try {
                deliveries.get(i).get(config.visibilityMillis(), TimeUnit.MILLISECONDS);
                done.add(t.id());
            } catch (Exception e) {
                Throwable cause = e;
                while ((cause instanceof java.util.concurrent.ExecutionException
                        || cause instanceof java.util.concurrent.CompletionException) && cause.getCause() != null) {
                    cause = cause.getCause();
                }
                if (cause instanceof TransportUnavailableException) {
                    notTaken.add(t.id());
                    notTakenError = String.valueOf(cause);
                } else {
                    settleFailure(t, cause);
                }
            }
        }
        if (!notTaken.isEmpty()) {
            settleUnavailable(shard, notTaken, notTakenError);
        }
        if (!done.isEmpty()) {
            shards.read(shard, (c, sql) -> {
                try (PreparedStatement ps = c.prepareStatement(sql.of("DELETE FROM {s}.outbox WHERE id = ANY(?)"))) {
                    ps.setArray(1, c.createArrayOf("bigint", done.toArray()));
                    ps.executeUpdate();
                }
                return null;
            });
            delivered.increment(done.size());
            outageSince.set(NO_OUTAGE);
        }
        return notTaken.isEmpty() ? claimed.size() : 0;
    }

    private List<Task> claim(Connection c, ShardSql sql) throws SQLException {
        List<Task> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.of("""
                UPDATE {s}.outbox SET attempts = attempts + 1, next_at = now() + make_interval(secs => ?)
                WHERE id IN (SELECT id FROM {s}.outbox WHERE next_at <= now()
                             ORDER BY next_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
                RETURNING id, kind, payload::text, attempts, created_at"""))) {
            ps.setDouble(1, config.visibilityMillis() / 1000.0);
            ps.setInt(2, BATCH);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Task(rs.getLong(1), sql.shard(), rs.getString(2), Json.tree(rs.getString(3)),
                            rs.getInt(4), rs.getTimestamp(5).toInstant()));
                }
            }
        }
        out.sort(java.util.Comparator.comparingLong(Task::id));
        return out;
    }

    private void settleFailure(Task t, Throwable cause) {
        failed.increment();
        String error = String.valueOf(cause);
        if (t.attempts() >= config.maxAttempts()) {
            LOG.warning(() -> "task " + t.id() + " (" + t.kind() + ") dead-lettered after " + t.attempts()
                    + " attempts: " + error);
            shards.transaction(t.shard(), (c, sql) -> {
                try (PreparedStatement ps = c.prepareStatement(sql.of("""
                        WITH moved AS (DELETE FROM {s}.outbox WHERE id = ? RETURNING *)
                        INSERT INTO {s}.dead_tasks (id, kind, payload, created_at, attempts, last_error)
                        SELECT id, kind, payload, created_at, attempts, ? FROM moved"""))) {
                    ps.setLong(1, t.id());
                    ps.setString(2, error);
                    ps.executeUpdate();
                }
                return null;
            });
            return;
        }
        long backoff = Math.min(600_000L, (long) config.baseBackoffMillis() << Math.min(20, t.attempts() - 1));
        LOG.info(() -> "task " + t.id() + " (" + t.kind() + ") failed, retry in " + backoff + " ms: " + error);
        shards.read(t.shard(), (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(sql.of(
                    "UPDATE {s}.outbox SET next_at = now() + make_interval(secs => ?), last_error = ? WHERE id = ?"))) {
                ps.setDouble(1, backoff / 1000.0);
                ps.setString(2, error);
                ps.setLong(3, t.id());
                ps.executeUpdate();
            }
            return null;
        });
        retryLater(t.shard(), backoff + CLOCK_SLACK_MILLIS);
    }

    /**
     * The transport never took these tasks: undo the claim's attempt (an outage must not walk tasks towards
     * dead_tasks) and retry after a quarter of the outage so far, at least the base backoff and at most a few seconds:
     * a long outage is not hammered, and tasks flow soon after the broker is back.
     */
    private void settleUnavailable(int shard, List<Long> ids, String error) {
        unavailable.increment(ids.size());
        long now = System.nanoTime();
        long since = outageSince.compareAndExchange(NO_OUTAGE, now);
        long outageMillis = since == NO_OUTAGE ? 0 : TimeUnit.NANOSECONDS.toMillis(now - since);
        long backoff = Math.min(MAX_UNAVAILABLE_BACKOFF_MILLIS, Math.max(config.baseBackoffMillis(), outageMillis / 4));
        LOG.fine(() -> ids.size() + " task(s) on shard " + shard + " not taken by the transport, retry in " + backoff
                + " ms: " + error);
        shards.read(shard, (c, sql) -> {
            try (PreparedStatement ps = c.prepareStatement(sql.of("""
                    UPDATE {s}.outbox SET attempts = greatest(attempts - 1, 0),
                        next_at = now() + make_interval(secs => ?), last_error = ?
                    WHERE id = ANY(?)"""))) {
                ps.setDouble(1, backoff / 1000.0);
                ps.setString(2, error);
                ps.setArray(3, c.createArrayOf("bigint", ids.toArray()));
                ps.executeUpdate();
            }
            return null;
        });
        retryLater(shard, backoff + CLOCK_SLACK_MILLIS);
    }

    /**
     * Waits until no task is due or running on any shard, or until the timeout. Tasks that are backing off after a
     * failure (due later) do not count. For tests and tools that need "everything asynchronous has happened".
     */
    public boolean awaitIdle(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            // Idle only if no claim started while we looked: a claim between reading `running` and scanning would
            // hide its tasks from both checks.
            long claimsBefore = claims.get();
            if (running.get() == 0 && !anyDue() && running.get() == 0 && claims.get() == claimsBefore) {
                return true;
            }
            sleep(20);
        }
        return false;
    }

    private boolean anyDue() {
        for (Map.Entry<String, List<Integer>> e : shards.map().shardsByServer().entrySet()) {
            if (!e.getValue().isEmpty() && !scan(e.getValue(), false).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    public long backlog() {
        return backlog.get();
    }

    public long deadLettered() {
        return deadLettered.get();
    }

    @Override
    public void close() {
        stopping = true;
        for (Thread t : threads) {
            t.interrupt();
        }
        listeners.forEach(TaskRelay::closeQuietly);
        for (Thread t : threads) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
