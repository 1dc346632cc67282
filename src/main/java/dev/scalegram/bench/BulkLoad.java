package dev.scalegram.bench;

import dev.scalegram.shards.Shards;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * One bulk load, phase by phase. In a phase every logical shard gets one transaction holding one COPY per table, a
 * few shards at a time (PostgreSQL does most of the work, so a couple of streams keep a small machine busy), the
 * heaviest shards first so the last one does not run alone. Progress is printed about once a second; rows and
 * seconds are kept for the result, and the touched tables are vacuumed and analysed at the end.
 */
final class BulkLoad {

    /** A COPY target and the rows it gets on one shard. */
    record Table(String name, String columns, ShardRows rows) {}

    @FunctionalInterface
    interface ShardRows {
        void write(int shard, Rows out) throws SQLException;
    }

    /** Work on one shard that writes some other way (a feed store); returns how many rows it wrote. */
    @FunctionalInterface
    interface ShardWork {
        long run(int shard, Progress progress);
    }

    private static final int CHUNK = 1 << 16;

    private final Shards shards;
    private final PrintStream log;
    private final int workers;
    private final Map<String, Long> rows = new ConcurrentHashMap<>();
    private final Map<String, Object> seconds = new LinkedHashMap<>();
    /** Rows written per "table TAB shard": what to vacuum, and how long it may take. */
    private final Map<String, Long> touched = new ConcurrentHashMap<>();
    private final long start = System.nanoTime();

    BulkLoad(Shards shards, PrintStream log) {
        this.shards = shards;
        this.log = log;
        this.workers = Math.clamp(Runtime.getRuntime().availableProcessors(), 2, 4);
    }

    int logicalShards() {
        return shards.logicalShards();
    }

    /**
     * Runs one phase: on every shard with rows, one transaction with one COPY per table.
     *
     * @param weight expected rows per shard (to start the heaviest first and skip empty shards)
     */
    void phase(String name, long[] weight, List<Table> tables) {
        perShard(name, weight, (shard, progress) -> shards.transaction(shard, (c, sql) -> {
            long written = 0;
            for (Table t : tables) {
                CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI()
                        .copyIn(sql.of("COPY {s}." + t.name() + " (" + t.columns() + ") FROM STDIN"));
                try {
                    Rows out = new Rows(copy, progress);
                    t.rows().write(shard, out);
                    out.flush();
                    long n = copy.endCopy();
                    if (n > 0) {
                        rows.merge(t.name(), n, Long::sum);
                        touched.merge(t.name() + "\t" + shard, n, Long::sum);
                    }
                    written += n;
                } finally {
                    if (copy.isActive()) {
                        copy.cancelCopy();
                    }
                }
            }
            return written;
        }));
    }

    /** Runs {@code work} on every shard with a positive weight, a few at a time, the heaviest first. */
    void perShard(String name, long[] weight, ShardWork work) {
        long total = 0;
        List<Integer> order = new ArrayList<>();
        for (int s = 0; s < weight.length; s++) {
            if (weight[s] > 0) {
                order.add(s);
                total += weight[s];
            }
        }
        order.sort(Comparator.comparingLong((Integer s) -> weight[s]).reversed());
        Progress progress = new Progress(name, total, log);
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < Math.min(workers, order.size()); w++) {
            threads.add(Thread.ofPlatform().name("bulk-load-" + w).start(() -> {
                int i;
                while (failure.get() == null && (i = next.getAndIncrement()) < order.size()) {
                    try {
                        work.run(order.get(i), progress);
                    } catch (RuntimeException | Error e) {
                        failure.compareAndSet(null, e); // an OutOfMemoryError too: the phase must not look done
                    }
                }
            }));
        }
        join(threads);
        if (failure.get() != null) {
            throw new IllegalStateException(name + " failed: " + failure.get().getMessage(), failure.get());
        }
        seconds.put(name, Percentiles.round(progress.finish()));
    }

    /** Records rows written some other way (so the totals include them). */
    void counted(String table, long n) {
        rows.merge(table, n, Long::sum);
    }

    /** Rows written outside {@link #phase} into a table that should be vacuumed too. */
    void touched(String table, int shard, long n) {
        touched.merge(table + "\t" + shard, n, Long::sum);
    }

    /**
     * VACUUM (ANALYZE) on every table this load wrote: the state autovacuum would reach by itself a little later, so
     * that what runs next meets settled tables (visibility map set, statistics that know the new rows).
     */
    void vacuum() {
        long[] perShard = new long[shards.logicalShards()];
        Map<Integer, List<String>> tablesOf = new LinkedHashMap<>();
        for (String t : new TreeSet<>(touched.keySet())) {
            String[] parts = t.split("\t");
            int shard = Integer.parseInt(parts[1]);
            perShard[shard] += touched.get(t);
            tablesOf.computeIfAbsent(shard, k -> new ArrayList<>()).add(parts[0]);
        }
        perShard("vacuum_analyze", perShard, (shard, progress) -> shards.read(shard, (c, sql) -> {
            try (var st = c.createStatement()) {
                for (String table : tablesOf.get(shard)) {
                    st.execute(sql.of("VACUUM (ANALYZE) {s}." + table));
                }
            }
            progress.advance(perShard[shard]);
            return 0L;
        }));
    }

    /** Rows per table and seconds per phase so far. */
    Map<String, Object> stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> r = new LinkedHashMap<>();
        rows.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> r.put(e.getKey(), e.getValue()));
        m.put("rows", r);
        Map<String, Object> s = new LinkedHashMap<>(seconds);
        s.put("total", Percentiles.round((System.nanoTime() - start) / 1e9));
        m.put("seconds", s);
        return m;
    }

    void second(String phase, double secs) {
        seconds.put(phase, Percentiles.round(secs));
    }

    private static void join(List<Thread> threads) {
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during a bulk load", e);
            }
        }
    }

    /** Rows of one COPY, in PostgreSQL's text format, sent in chunks of about 64 KB. */
    static final class Rows {

        private final CopyIn copy;
        private final Progress progress;
        private final StringBuilder b = new StringBuilder(CHUNK + 1024);
        private boolean rowStarted;
        private long pending;

        private Rows(CopyIn copy, Progress progress) {
            this.copy = copy;
            this.progress = progress;
        }

        Rows col(long v) {
            sep();
            b.append(v);
            return this;
        }

        /** A text column, escaped for the text format (JSON may hold backslashes, never raw tabs or newlines). */
        Rows col(String v) {
            sep();
            for (int i = 0; i < v.length(); i++) {
                char ch = v.charAt(i);
                switch (ch) {
                    case '\\' -> b.append("\\\\");
                    case '\t' -> b.append("\\t");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    default -> b.append(ch);
                }
            }
            return this;
        }

        void end() throws SQLException {
            b.append('\n');
            rowStarted = false;
            pending++;
            if (b.length() >= CHUNK) {
                flush();
            }
        }

        private void sep() {
            if (rowStarted) {
                b.append('\t');
            }
            rowStarted = true;
        }

        void flush() throws SQLException {
            if (!b.isEmpty()) {
                byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
                copy.writeToCopy(bytes, 0, bytes.length);
                b.setLength(0);
            }
            progress.advance(pending);
            pending = 0;
        }
    }

    /** Done out of total for one phase, printed about once a second and once at the end. */
    static final class Progress {

        private final String phase;
        private final long total;
        private final PrintStream log;
        private final AtomicLong done = new AtomicLong();
        private final long start = System.nanoTime();
        private volatile long lastPrint = start;

        Progress(String phase, long total, PrintStream log) {
            this.phase = phase;
            this.total = total;
            this.log = log;
        }

        void advance(long n) {
            long d = done.addAndGet(n);
            long now = System.nanoTime();
            if (now - lastPrint >= 1_000_000_000L) {
                synchronized (this) {
                    if (now - lastPrint >= 1_000_000_000L) {
                        lastPrint = now;
                        print(d, now, "");
                    }
                }
            }
        }

        /** Prints the final line; returns the phase's seconds. */
        synchronized double finish() {
            long now = System.nanoTime();
            print(done.get(), now, " done");
            return (now - start) / 1e9;
        }

        /** One line per report, a bar in front, so the output reads the same on a terminal and in a log file. */
        private void print(long d, long now, String suffix) {
            double secs = Math.max((now - start) / 1e9, 1e-9);
            double fraction = total == 0 ? 1 : Math.min(1, (double) d / total);
            int filled = (int) Math.round(fraction * 20);
            log.printf("  seed: %-14s [%s%s] %3.0f%% %,11d / %,d rows, %,9.0f rows/s, %6.1f s%s%n", phase,
                    "#".repeat(filled), ".".repeat(20 - filled), 100 * fraction, d, total, d / secs, secs, suffix);
        }
    }
}
