package dev.scalegram.cache;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A small fixed-size pool of connections to one memcached server. A connection is lent to one request at a time;
 * connections are opened lazily, and a broken one is closed and its slot freed so the next request opens a new one.
 *
 * <p>Requests get connections in the order they asked: a fair semaphore hands out one permit per connection. With
 * barging, hundreds of readers hammering one hot key kept taking each freed connection first, and a write's
 * invalidation waited seconds behind them (the herd bench on memcached: writes p50 3.6 s). A {@link ReentrantLock},
 * not {@code synchronized}, guards the idle list, and nothing blocks while holding it (connects happen outside), so
 * waiting virtual threads never pin their carriers.
 */
final class MetaConnectionPool implements AutoCloseable {

    private final InetSocketAddress server;
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private final long acquireTimeoutNanos;
    private final LongAdder roundTrips = new LongAdder();

    /** One permit per connection lent out or being opened; FIFO, so waiters are served in turn. */
    private final Semaphore permits;
    private final ReentrantLock lock = new ReentrantLock();
    /** Most recently returned first: the warm connections do the work. */
    private final ArrayDeque<MetaConnection> idle = new ArrayDeque<>();
    private boolean closed;

    MetaConnectionPool(InetSocketAddress server, int maxConnections, int connectTimeoutMillis, int readTimeoutMillis,
            long acquireTimeoutNanos) {
        this.server = server;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.readTimeoutMillis = readTimeoutMillis;
        this.acquireTimeoutNanos = acquireTimeoutNanos;
        this.permits = new Semaphore(maxConnections, true);
    }

    InetSocketAddress server() {
        return server;
    }

    /** Requests waiting for a connection now (an estimate, as {@link Semaphore#getQueueLength()}). */
    int waiting() {
        return permits.getQueueLength();
    }

    long roundTrips() {
        return roundTrips.sum();
    }

    /**
     * An idle connection, or a new one if fewer than the maximum are open; otherwise waits for one to be returned.
     *
     * @throws CacheUnavailableException if none is free within the acquire timeout
     * @throws IOException if a new connection cannot be opened
     */
    MetaConnection acquire() throws IOException {
        try {
            if (!permits.tryAcquire(acquireTimeoutNanos, TimeUnit.NANOSECONDS)) {
                throw new CacheUnavailableException("no free connection to memcached at " + server + " within "
                        + TimeUnit.NANOSECONDS.toMillis(acquireTimeoutNanos) + " ms", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheUnavailableException("interrupted while waiting for a connection to " + server, e);
        }
        lock.lock();
        try {
            if (closed) {
                permits.release();
                throw new IllegalStateException("the memcached client for " + server + " is closed");
            }
            MetaConnection c = idle.pollFirst();
            if (c != null) {
                return c;
            }
            // A permit and no idle connection: fewer than the maximum are open (idle ones hold no permit), so this
            // request may open another.
        } finally {
            lock.unlock();
        }
        // Connect outside the lock: a slow connect must not hold up requests that could use idle connections.
        try {
            return MetaConnection.open(server, connectTimeoutMillis, readTimeoutMillis, roundTrips);
        } catch (IOException | RuntimeException | Error e) {
            forget();
            throw e;
        }
    }

    /** Takes back a connection whose request completed cleanly. */
    void release(MetaConnection c) {
        lock.lock();
        try {
            if (!closed) {
                idle.addFirst(c);
                return;
            }
        } finally {
            lock.unlock();
            permits.release();
        }
        c.close();
    }

    /** Closes a connection that failed or may be out of step, freeing its slot. */
    void discard(MetaConnection c) {
        c.close();
        forget();
    }

    /**
     * Closes every idle connection: called when one of them turned out dead while idle (server restart, idle
     * timeout), since the others were opened to the same server and most likely died the same way.
     */
    void discardIdle() {
        closeAll(drainIdle(false));
    }

    @Override
    public void close() {
        closeAll(drainIdle(true));
    }

    private List<MetaConnection> drainIdle(boolean close) {
        lock.lock();
        try {
            if (close) {
                closed = true;
            }
            List<MetaConnection> drained = new ArrayList<>(idle);
            idle.clear(); // idle connections hold no permits: nothing to give back
            return drained;
        } finally {
            lock.unlock();
        }
    }

    private static void closeAll(List<MetaConnection> connections) {
        for (MetaConnection c : connections) {
            c.close();
        }
    }

    private void forget() {
        permits.release();
    }
}
