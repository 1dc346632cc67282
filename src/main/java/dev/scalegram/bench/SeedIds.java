package dev.scalegram.bench;

import dev.scalegram.ids.ScalegramId;

/**
 * Ids for rows a bulk loader writes itself, laid out as {@code shard_NNNN.next_id()} lays them out: each shard counts
 * 1024 sequence numbers per millisecond from the moment the load starts, so ids are unique and time-ordered, and a
 * shard with a million rows runs about a second ahead of the clock.
 *
 * <p>The server's own ids are the wall clock plus a sequence it does not share with us, so the two must never use
 * the same millisecond on a shard: a load starts after the last millisecond the server (or an earlier load in this
 * JVM) could have used, and {@link #awaitClockPast()} returns only once the clock is past every millisecond handed
 * out here. Ids the server makes afterwards then sort after the loaded ones and cannot collide with them. This holds
 * for a quiet server; one writing while it is being loaded could make an id in a millisecond a load is using.
 */
final class SeedIds {

    /** The last millisecond any load in this JVM handed out: the next load starts after it. */
    private static long lastOfAnyLoad;

    private final long[] millis;
    private final int[] seq;
    private long last;

    SeedIds(int logicalShards) {
        long start;
        synchronized (SeedIds.class) {
            // +1: the server may have made an id in this very millisecond (an app registered just before the load).
            start = Math.max(System.currentTimeMillis(), lastOfAnyLoad) + 1;
        }
        millis = new long[logicalShards];
        seq = new int[logicalShards];
        java.util.Arrays.fill(millis, start);
        last = start;
    }

    /** A new id on {@code shard}, greater than every id this allocator handed out on it before. */
    synchronized long next(int shard) {
        if (seq[shard] == 1 << ScalegramId.SEQ_BITS) {
            millis[shard]++;
            seq[shard] = 0;
            last = Math.max(last, millis[shard]);
        }
        return ScalegramId.of(millis[shard], shard, seq[shard]++);
    }

    /** The last millisecond handed out so far (epoch millis). */
    synchronized long lastMillis() {
        return last;
    }

    /** Waits until the wall clock is past every millisecond handed out; ends this allocator's use. */
    void awaitClockPast() {
        long end = lastMillis();
        synchronized (SeedIds.class) {
            lastOfAnyLoad = Math.max(lastOfAnyLoad, end);
        }
        long wait;
        while ((wait = end + 1 - System.currentTimeMillis()) > 0) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the clock to pass the loaded ids", e);
            }
        }
    }
}
