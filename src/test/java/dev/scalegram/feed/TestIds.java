package dev.scalegram.feed;

import dev.scalegram.ids.ScalegramId;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Unique, increasing ids for the feed tests, on the first {@value #SHARDS} logical shards (the PostgreSQL stores route
 * by an id's shard). They start at the current time, so a Cassandra node reused from an earlier run holds none of them.
 */
final class TestIds {

    static final int SHARDS = 4;

    private static final long T0 = System.currentTimeMillis();
    private static final AtomicLong NEXT = new AtomicLong();

    private TestIds() {}

    /** A new id, greater than every id handed out before. */
    static long next() {
        long n = NEXT.incrementAndGet();
        return ScalegramId.of(T0 + n, (int) (n % SHARDS), 0);
    }
}
