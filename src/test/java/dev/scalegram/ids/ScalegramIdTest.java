package dev.scalegram.ids;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ScalegramIdTest {

    @Test
    void partsRoundTrip() {
        long t = Instant.parse("2026-11-22T10:15:30.123Z").toEpochMilli();
        long id = ScalegramId.of(t, 4095, 1023);
        assertEquals(4095, ScalegramId.shard(id));
        assertEquals(1023, ScalegramId.sequence(id));
        assertEquals(t, ScalegramId.createdAt(id).toEpochMilli());
    }

    @Test
    void laterMillisecondSortsAfterAnyShardAndSequence() {
        long t = Instant.parse("2027-01-01T00:00:00Z").toEpochMilli();
        assertTrue(ScalegramId.of(t, 8191, 1023) < ScalegramId.of(t + 1, 0, 0));
        assertTrue(ScalegramId.lowestAt(Instant.ofEpochMilli(t)) <= ScalegramId.of(t, 0, 0));
    }

    @Test
    void parsesOnlyPositiveDecimalIds() {
        assertEquals(42L, ScalegramId.parse("42").getAsLong());
        assertTrue(ScalegramId.parse("-1").isEmpty());
        assertTrue(ScalegramId.parse("0").isEmpty());
        assertTrue(ScalegramId.parse("12a").isEmpty());
        assertTrue(ScalegramId.parse("99999999999999999999").isEmpty());
        assertTrue(ScalegramId.parse("").isEmpty());
        assertTrue(ScalegramId.parse(null).isEmpty());
    }
}
