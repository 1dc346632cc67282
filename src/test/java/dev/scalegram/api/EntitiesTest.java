package dev.scalegram.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EntitiesTest {

    private static final DateTimeFormatter REFERENCE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    @Test
    void isoTimesAreTheFormattersToTheMillisecond() {
        long[] edges = {0, 1, 999, 1000, 86_399_999, 86_400_000, -1, 951_782_400_000L /* 2000-02-29 */,
            4_107_542_399_999L /* 2100-02-28 end */, 4_107_542_400_000L /* 2100-03-01 */, 253_402_300_799_999L,
            -30_610_224_000_000L /* 1000-01-01 */, -30_610_224_000_001L, 253_402_300_800_000L /* 10000-01-01 */};
        for (long ms : edges) {
            assertEquals(REFERENCE.format(Instant.ofEpochMilli(ms)), Entities.iso(ms), "at " + ms);
        }
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            long ms = r.nextLong(-40_000_000_000_000L, 260_000_000_000_000L);
            assertEquals(REFERENCE.format(Instant.ofEpochMilli(ms)), Entities.iso(ms), "at " + ms);
        }
    }

    @Test
    void statusTextBecomesEscapedHtmlWithLineBreaks() {
        assertEquals("<p>a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;<br>e</p>", Entities.html("a <b> & \"c\" 'd'\ne"));
    }
}
