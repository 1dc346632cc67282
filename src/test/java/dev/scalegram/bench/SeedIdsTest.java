package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.ids.ScalegramId;
import org.junit.jupiter.api.Test;

/** The bulk loader's ids: unique, time-ordered per shard, and never in a millisecond the server could use. */
class SeedIdsTest {

    @Test
    void idsGrowPerShardAndTheWaitEndsPastTheLastOne() {
        SeedIds ids = new SeedIds(4);
        long before = System.currentTimeMillis();
        long last = 0;
        for (int i = 0; i < 5000; i++) { // five milliseconds' worth on one shard: the allocator runs ahead
            long id = ids.next(2);
            assertTrue(id > last, "strictly increasing on a shard");
            assertEquals(2, ScalegramId.shard(id));
            assertEquals(i % 1024, ScalegramId.sequence(id));
            last = id;
        }
        long other = ids.next(3);
        assertEquals(3, ScalegramId.shard(other));
        assertTrue(ScalegramId.createdAt(other).toEpochMilli() > before, "starts after the millisecond it was made in");
        assertEquals(ScalegramId.createdAt(last).toEpochMilli(), ids.lastMillis());

        ids.awaitClockPast();
        assertTrue(System.currentTimeMillis() > ids.lastMillis(), "the server's next id comes after every loaded one");
        SeedIds next = new SeedIds(4);
        assertTrue(next.next(2) > last, "a later load starts after the earlier one");
    }
}
