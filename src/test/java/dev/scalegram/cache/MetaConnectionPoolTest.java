package dev.scalegram.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.scalegram.testing.TestMemcached;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The connection pool's lending rules, against a real memcached. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetaConnectionPoolTest {

    private static TestMemcached memcached;

    @BeforeAll
    static void start() {
        memcached = TestMemcached.start();
    }

    @AfterAll
    static void stop() {
        memcached.close();
    }

    private static MetaConnectionPool pool(int connections, long acquireTimeoutMillis) {
        return new MetaConnectionPool(memcached.address(), connections, 1000, 1000,
                TimeUnit.MILLISECONDS.toNanos(acquireTimeoutMillis));
    }

    @Test
    void waitersAreServedInTheOrderTheyAskedAndAReturningLenderDoesNotCutIn() throws Exception {
        try (MetaConnectionPool pool = pool(1, 10_000)) {
            MetaConnection held = pool.acquire();
            List<String> order = new CopyOnWriteArrayList<>();
            Thread first = waiter(pool, "first", order);
            awaitWaiting(pool, 1);
            Thread second = waiter(pool, "second", order);
            awaitWaiting(pool, 2);

            // The lender gives its connection back and asks at once again, as a hot reader in a loop does. It must
            // queue behind the two that were waiting, not take the connection it just freed.
            pool.release(held);
            MetaConnection again = pool.acquire();
            order.add("lender");
            pool.release(again);
            first.join();
            second.join();
            assertEquals(List.of("first", "second", "lender"), order);
        }
    }

    @Test
    void aRequestThatFindsNoConnectionWithinTheTimeoutFailsAndFreesNothing() throws Exception {
        try (MetaConnectionPool pool = pool(1, 50)) {
            MetaConnection held = pool.acquire();
            assertThrows(CacheUnavailableException.class, pool::acquire);
            pool.release(held);
            MetaConnection next = pool.acquire(); // the slot is usable again, and there is still only one
            assertThrows(CacheUnavailableException.class, pool::acquire);
            pool.release(next);
        }
    }

    @Test
    void aDiscardedConnectionFreesItsSlotForANewOne() throws Exception {
        try (MetaConnectionPool pool = pool(1, 50)) {
            MetaConnection broken = pool.acquire();
            pool.discard(broken);
            MetaConnection fresh = pool.acquire();
            assertNotSame(broken, fresh);
            pool.release(fresh);
        }
    }

    private static Thread waiter(MetaConnectionPool pool, String name, List<String> order) {
        return Thread.ofVirtual().start(() -> {
            try {
                MetaConnection c = pool.acquire();
                order.add(name);
                pool.release(c);
            } catch (Exception e) {
                order.add(name + " failed: " + e);
            }
        });
    }

    private static void awaitWaiting(MetaConnectionPool pool, int n) throws InterruptedException {
        while (pool.waiting() < n) {
            Thread.sleep(1);
        }
    }
}
