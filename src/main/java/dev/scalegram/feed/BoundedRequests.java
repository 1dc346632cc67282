package dev.scalegram.feed;

import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.OverloadedException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Phaser;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Many asynchronous Cassandra requests with a bound on how many are in flight at once (shared by every caller of one
 * instance, so concurrent fan-out tasks do not multiply it), waiting for all of them before returning: a fan-out task
 * is acknowledged only after every write it started has succeeded.
 */
final class BoundedRequests {

    static final int DEFAULT_MAX_IN_FLIGHT = 256;

    private final Semaphore permits;

    BoundedRequests(int maxInFlight) {
        this.permits = new Semaphore(maxInFlight);
    }

    /**
     * Starts {@code request} for each item and returns when every started request has completed. After the first
     * failure no new request is started; the failure is rethrown on the caller's thread once the rest have settled
     * (a retried task redoes the whole batch, which is idempotent).
     */
    <T> void forEach(Iterable<T> items, Function<T, CompletionStage<?>> request) {
        Phaser inFlight = new Phaser(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        boolean interrupted = false;
        try {
            for (T item : items) {
                if (failure.get() != null) {
                    break;
                }
                try {
                    permits.acquire();
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
                inFlight.register();
                CompletionStage<?> stage;
                try {
                    stage = request.apply(item);
                } catch (RuntimeException e) {
                    permits.release();
                    inFlight.arriveAndDeregister();
                    failure.compareAndSet(null, e);
                    break;
                }
                // Runs on a driver I/O thread: record and release, never block.
                stage.whenComplete((r, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, unwrap(e));
                    }
                    permits.release();
                    inFlight.arriveAndDeregister();
                });
            }
        } finally {
            // Requests already sent always complete (the driver times them out), so this wait is bounded.
            inFlight.arriveAndAwaitAdvance();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending Cassandra requests");
        }
        Throwable f = failure.get();
        if (f != null) {
            throw rethrowable(f);
        }
    }

    /**
     * {@code request}, sent again (after 0.2, 0.4, 0.8 ... s) when Cassandra answers that it timed out or is
     * overloaded, up to {@code attempts} times in all. For bulk loads of idempotent writes: a node busy compacting
     * what the load already wrote times a few of them out, and one timeout should not throw away a load of millions.
     * (The driver's default policy retries no plain write that timed out: it cannot know that the write is safe to
     * repeat; these are.)
     */
    static <T> CompletionStage<T> retryingTimeouts(Supplier<CompletionStage<T>> request, int attempts) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(request, 1, attempts, result);
        return result;
    }

    private static <T> void attempt(Supplier<CompletionStage<T>> request, int n, int attempts,
            CompletableFuture<T> result) {
        request.get().whenComplete((v, e) -> {
            if (e == null) {
                result.complete(v);
                return;
            }
            Throwable cause = unwrap(e);
            boolean retry = cause instanceof WriteTimeoutException || cause instanceof OverloadedException
                    || cause instanceof DriverTimeoutException;
            if (!retry || n >= attempts) {
                result.completeExceptionally(cause);
                return;
            }
            long delayMillis = 200L << Math.min(n - 1, 5);
            CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS)
                    .execute(() -> attempt(request, n + 1, attempts, result));
        });
    }

    /** A driver failure copied onto the caller's thread (so its stack shows the caller), keeping its type. */
    static RuntimeException rethrowable(Throwable f) {
        if (f instanceof DriverException d) {
            return d.copy();
        }
        if (f instanceof RuntimeException r) {
            return r;
        }
        if (f instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(f);
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
