package dev.scalegram.feed;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.config.DriverExecutionProfile;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.session.Request;
import com.datastax.oss.driver.api.core.tracker.RequestTracker;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Sees every request a session completes, with the consistency level it went out with. The driver calls trackers on
 * its I/O threads, possibly just after the caller got its result: {@link #drainWhen} waits for what a test expects.
 */
final class RecordingTracker implements RequestTracker {

    /** One completed request: its CQL (the first statement's, for a batch) and levels. */
    record Sent(String cql, ConsistencyLevel level, ConsistencyLevel serialLevel, boolean batch) {
        boolean isRead() {
            return cql.startsWith("SELECT");
        }
    }

    private final ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();

    @Override
    public void onSuccess(Request request, long latencyNanos, DriverExecutionProfile profile, Node node,
                          String requestLogPrefix) {
        record(request);
    }

    @Override
    public void onError(Request request, Throwable error, long latencyNanos, DriverExecutionProfile profile, Node node,
                        String requestLogPrefix) {
        record(request);
    }

    private void record(Request request) {
        switch (request) {
            case BoundStatement b -> sent.add(new Sent(b.getPreparedStatement().getQuery(), b.getConsistencyLevel(),
                    b.getSerialConsistencyLevel(), false));
            case BatchStatement b -> {
                BoundStatement first = (BoundStatement) b.iterator().next();
                sent.add(new Sent(first.getPreparedStatement().getQuery(), b.getConsistencyLevel(),
                        b.getSerialConsistencyLevel(), true));
            }
            case SimpleStatement s -> sent.add(new Sent(s.getQuery(), s.getConsistencyLevel(),
                    s.getSerialConsistencyLevel(), false));
            default -> { }
        }
    }

    @Override
    public void close() {}

    /** Everything recorded since the last call, and forgets it. */
    List<Sent> drain() {
        List<Sent> out = List.copyOf(sent);
        sent.clear();
        return out;
    }

    /** As {@link #drain()}, once what was recorded satisfies {@code complete} (or after 10 s, for the test to fail). */
    List<Sent> drainWhen(Predicate<List<Sent>> complete) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!complete.test(List.copyOf(sent)) && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
        return drain();
    }
}
