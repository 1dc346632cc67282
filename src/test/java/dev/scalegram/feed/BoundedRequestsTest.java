package dev.scalegram.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.datastax.oss.driver.api.core.DriverTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Bulk loads retry what Cassandra timed out, and nothing else. */
class BoundedRequestsTest {

    private static CompletionStage<String> failing(Throwable e) {
        return CompletableFuture.failedFuture(e);
    }

    @Test
    void aTimedOutRequestIsSentAgainUntilItSucceeds() throws Exception {
        AtomicInteger sent = new AtomicInteger();
        String got = BoundedRequests.retryingTimeouts(() -> sent.incrementAndGet() <= 2
                ? failing(new DriverTimeoutException("timed out")) : CompletableFuture.completedFuture("ok"), 6)
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals("ok", got);
        assertEquals(3, sent.get());
    }

    @Test
    void otherFailuresAreNotRetried() {
        AtomicInteger sent = new AtomicInteger();
        var f = BoundedRequests.retryingTimeouts(() -> {
            sent.incrementAndGet();
            return failing(new IllegalStateException("syntax error"));
        }, 6).toCompletableFuture();
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals(1, sent.get());
    }

    @Test
    void itGivesUpAfterTheLastAttempt() {
        AtomicInteger sent = new AtomicInteger();
        var f = BoundedRequests.retryingTimeouts(() -> {
            sent.incrementAndGet();
            return failing(new DriverTimeoutException("timed out"));
        }, 3).toCompletableFuture();
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        assertInstanceOf(DriverTimeoutException.class, e.getCause());
        assertEquals(3, sent.get());
    }
}
