package dev.scalegram.api;

import dev.scalegram.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Load shedding as Facebook describes it in "Fail at Scale" (2015): at most {@code maxInFlight} requests run at once,
 * the rest wait in a queue managed by <em>controlled delay</em> and <em>adaptive LIFO</em>, and a request that waits
 * too long is answered 503 with {@code Retry-After} before it has done anything.
 *
 * <p>Why: every request is a virtual thread, so without a bound an overloaded server admits thousands at once, each
 * holding memory and queueing for one of a few dozen database connections; latency grows for all of them until
 * clients give up on answers the server still computes (goodput falls to zero while the CPU is busy). Measured on
 * the mix benchmark before this filter: 2,700 requests parked in HikariCP with PostgreSQL idle, p50 27 s.
 *
 * <p>Controlled delay: while the queue has been empty at some point in the last {@code queueTimeout}, a request may
 * wait that long (absorbing a burst); once it has stayed non-empty for longer (a standing queue: the server is over
 * capacity), newcomers may wait only {@code congestedTimeout}. Adaptive LIFO: in that congested state, a freed slot
 * goes to the newest waiter, whose client is the most likely to still be waiting; otherwise first come, first
 * served.
 *
 * <p>Operations endpoints are never shed: health checks and metrics must answer most of all when the server is
 * overloaded.
 */
public final class AdmissionControl implements Filter {

    private final int maxInFlight;
    private final int maxQueued;
    private final long queueTimeoutNanos;
    private final long congestedTimeoutNanos;
    private final LongSupplier clock;

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private int running;
    private int queued; // waiters in the queue that have not given up
    private long lastEmpty;

    private final AtomicLong shedQueueFull = new AtomicLong();
    private final AtomicLong shedTimedOut = new AtomicLong();

    /**
     * @param maxInFlight requests that may run at once; 0 turns admission control off
     * @param queueTimeoutMillis how long a request may wait for a slot while the queue drains now and then
     * @param congestedTimeoutMillis how long it may wait once the queue has stood for longer than that
     */
    public AdmissionControl(int maxInFlight, int queueTimeoutMillis, int congestedTimeoutMillis) {
        this(maxInFlight, queueTimeoutMillis, congestedTimeoutMillis, System::nanoTime);
    }

    /** With a clock of its own, in nanoseconds: tests move time by hand. */
    AdmissionControl(int maxInFlight, int queueTimeoutMillis, int congestedTimeoutMillis, LongSupplier clock) {
        if (maxInFlight < 0 || queueTimeoutMillis < 0 || congestedTimeoutMillis < 0) {
            throw new IllegalArgumentException("admission limits must be >= 0");
        }
        this.maxInFlight = maxInFlight;
        // A waiter leaves within queueTimeout anyway; the cap only keeps a flood from growing the deque unboundedly.
        this.maxQueued = Math.max(16, maxInFlight * 8);
        this.queueTimeoutNanos = queueTimeoutMillis * 1_000_000L;
        this.congestedTimeoutNanos = congestedTimeoutMillis * 1_000_000L;
        this.clock = clock;
        this.lastEmpty = clock.getAsLong();
    }

    /** Requests answered 503 because the queue was full, and because they waited too long. */
    public long shedQueueFull() {
        return shedQueueFull.get();
    }

    public long shedTimedOut() {
        return shedTimedOut.get();
    }

    /** Requests running now. */
    public int running() {
        lock.lock();
        try {
            return running;
        } finally {
            lock.unlock();
        }
    }

    /** Requests waiting for a slot now. */
    public int queued() {
        lock.lock();
        try {
            return queued;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (exempt(req.path().rawPath())) {
            chain.proceed();
            return;
        }
        String refused = acquire();
        if (refused != null) {
            res.status(503);
            res.header(HeaderNames.RETRY_AFTER, "1");
            res.header(HeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
            res.send(Json.bytes(Map.of("error", refused)));
            return;
        }
        try {
            chain.proceed();
        } finally {
            release();
        }
    }

    private static boolean exempt(String path) {
        return path.equals("/health") || path.equals("/ready") || path.equals("/metrics") || path.equals("/plaintext")
                || path.startsWith("/ops");
    }

    /** Blocks until this request may run; null when it may, else why it may not. */
    String acquire() {
        if (maxInFlight == 0) {
            return null;
        }
        Waiter w;
        long deadline;
        lock.lock();
        try {
            long now = clock.getAsLong();
            if (queued == 0) {
                lastEmpty = now;
                if (running < maxInFlight) {
                    running++;
                    return null;
                }
            }
            if (queued >= maxQueued) {
                shedQueueFull.incrementAndGet();
                return "Server is busy (request queue full); retry shortly";
            }
            if (queue.size() >= 2 * maxQueued) {
                queue.removeIf(q -> q.gaveUp); // those who gave up while nothing finished
            }
            w = new Waiter(Thread.currentThread());
            queue.addLast(w);
            queued++;
            deadline = now + (congested(now) ? congestedTimeoutNanos : queueTimeoutNanos);
        } finally {
            lock.unlock();
        }
        while (!w.admitted) {
            long left = deadline - clock.getAsLong();
            if (left <= 0) {
                lock.lock();
                try {
                    if (w.admitted) {
                        break; // a slot arrived as the time ran out: take it
                    }
                    w.gaveUp = true; // left in the deque; release() skips it
                    queued--;
                    if (queued == 0) {
                        lastEmpty = clock.getAsLong();
                    }
                } finally {
                    lock.unlock();
                }
                shedTimedOut.incrementAndGet();
                return "Server is busy (waited too long for a slot); retry shortly";
            }
            // Bounded so a clock moved by hand (tests) is noticed; a real slot always arrives with an unpark.
            LockSupport.parkNanos(this, Math.min(left, 10_000_000L));
        }
        return null;
    }

    /** Hands this request's slot to a waiter, or frees it. */
    void release() {
        if (maxInFlight == 0) {
            return;
        }
        Waiter next = null;
        lock.lock();
        try {
            long now = clock.getAsLong();
            boolean lifo = congested(now);
            while (!queue.isEmpty()) {
                Waiter w = lifo ? queue.pollLast() : queue.pollFirst();
                if (!w.gaveUp) {
                    next = w;
                    break;
                }
            }
            if (next == null) {
                running--;
                lastEmpty = now;
            } else {
                queued--;
                if (queued == 0) {
                    lastEmpty = now;
                }
                next.admitted = true; // the slot passes on: running stays the same
            }
        } finally {
            lock.unlock();
        }
        if (next != null) {
            LockSupport.unpark(next.thread);
        }
    }

    private boolean congested(long now) {
        return queued > 0 && now - lastEmpty > queueTimeoutNanos;
    }

    private static final class Waiter {
        final Thread thread;
        volatile boolean admitted;
        boolean gaveUp; // guarded by lock

        Waiter(Thread thread) {
            this.thread = thread;
        }
    }
}
