package dev.scalegram.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The contract of load shedding: up to the limit requests run at once, then they queue; a freed slot goes to the
 * oldest waiter while the queue drains now and then and to the newest once it has stood for longer than the queue
 * timeout; a waiter past its time is refused. Time is a hand-moved clock, so no assertion depends on how fast this
 * machine is.
 */
class AdmissionControlTest {

    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * MS);

    private AdmissionControl control(int maxInFlight, int queueMillis, int congestedMillis) {
        return new AdmissionControl(maxInFlight, queueMillis, congestedMillis, now::get);
    }

    /** acquire() on its own thread: the future completes with null (admitted) or the reason it was refused. */
    private static CompletableFuture<String> acquireAsync(AdmissionControl c) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> f.complete(c.acquire()));
        return f;
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < giveUp, "condition not reached in 30 s");
            Thread.sleep(2);
        }
    }

    @Test
    void requestsUpToTheLimitRunAtOnce() {
        AdmissionControl c = control(3, 100, 5);
        assertNull(c.acquire());
        assertNull(c.acquire());
        assertNull(c.acquire());
        assertEquals(3, c.running());
        c.release();
        assertEquals(2, c.running());
    }

    @Test
    void aWaiterTakesTheNextFreedSlot() throws Exception {
        AdmissionControl c = control(1, 100, 5);
        assertNull(c.acquire());
        CompletableFuture<String> waiter = acquireAsync(c);
        await(() -> c.queued() == 1);
        assertFalse(waiter.isDone());
        c.release();
        assertNull(waiter.get(30, TimeUnit.SECONDS), "the freed slot passes to the waiter");
        assertEquals(1, c.running(), "the slot moved: still one running");
        assertEquals(0, c.queued());
    }

    @Test
    void aWaiterPastTheQueueTimeoutIsRefusedAndCounted() throws Exception {
        AdmissionControl c = control(1, 100, 5);
        assertNull(c.acquire());
        CompletableFuture<String> waiter = acquireAsync(c);
        await(() -> c.queued() == 1);
        now.addAndGet(101 * MS);
        String refused = waiter.get(30, TimeUnit.SECONDS);
        assertNotNull(refused);
        assertTrue(refused.contains("busy"), refused);
        assertEquals(1, c.shedTimedOut());
        assertEquals(0, c.queued());
        c.release();
        assertEquals(0, c.running(), "a refused waiter never held a slot");
    }

    @Test
    void waitersAreServedOldestFirstWhileTheQueueIsYoung() throws Exception {
        AdmissionControl c = control(1, 100, 5);
        assertNull(c.acquire());
        CompletableFuture<String> first = acquireAsync(c);
        await(() -> c.queued() == 1);
        CompletableFuture<String> second = acquireAsync(c);
        await(() -> c.queued() == 2);
        now.addAndGet(50 * MS); // the queue has stood 50 ms: under the 100 ms timeout, FIFO
        c.release();
        assertNull(first.get(30, TimeUnit.SECONDS));
        assertFalse(second.isDone());
        c.release();
        assertNull(second.get(30, TimeUnit.SECONDS));
    }

    @Test
    void aStandingQueueShortensTheWaitAndServesTheNewestFirst() throws Exception {
        AdmissionControl c = control(1, 100, 5);
        assertNull(c.acquire());
        CompletableFuture<String> a = acquireAsync(c); // t=0: may wait until t=100
        await(() -> c.queued() == 1);
        now.addAndGet(60 * MS);
        CompletableFuture<String> b = acquireAsync(c); // t=60: may wait until t=160
        await(() -> c.queued() == 2);
        now.addAndGet(30 * MS);
        c.release(); // t=90: FIFO, a runs; b keeps the queue standing
        assertNull(a.get(30, TimeUnit.SECONDS));

        now.addAndGet(30 * MS); // t=120: not empty since t=0, longer than the 100 ms timeout: congested
        CompletableFuture<String> older = acquireAsync(c); // may wait only until t=125
        await(() -> c.queued() == 2);
        CompletableFuture<String> newer = acquireAsync(c);
        await(() -> c.queued() == 3);
        c.release();
        assertNull(newer.get(30, TimeUnit.SECONDS), "adaptive LIFO: the newest waiter gets the slot");
        assertFalse(older.isDone());

        now.addAndGet(6 * MS); // t=126
        assertNotNull(older.get(30, TimeUnit.SECONDS), "in a standing queue a newcomer may wait only 5 ms");
        assertFalse(b.isDone(), "a waiter queued before the congestion keeps its 100 ms");
        assertEquals(1, c.shedTimedOut());
        c.release();
        assertNull(b.get(30, TimeUnit.SECONDS));
    }

    @Test
    void aFullQueueRefusesAtOnce() throws Exception {
        AdmissionControl c = control(1, 100, 5); // queue capacity: max(16, 8 x 1) = 16
        assertNull(c.acquire());
        for (int i = 0; i < 16; i++) {
            acquireAsync(c);
        }
        await(() -> c.queued() == 16);
        String refused = c.acquire();
        assertNotNull(refused);
        assertTrue(refused.contains("queue full"), refused);
        assertEquals(1, c.shedQueueFull());
    }

    @Test
    void zeroTurnsItOff() {
        AdmissionControl c = control(0, 100, 5);
        for (int i = 0; i < 1_000; i++) {
            assertNull(c.acquire());
        }
        assertEquals(0, c.queued());
    }
}
