package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParamsTest {

    private static Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("likes", 1_200_000);
        d.put("seconds", 30.0);
        return d;
    }

    @Test
    void overridesTakeTheDefaultsType() {
        Params p = new Params(defaults(), Map.of("likes", "2_000", "seconds", "1.5"));
        assertEquals(2000, p.integer("likes"));
        assertEquals(1500, p.seconds("seconds").toMillis());
        p.note("likers", "ids, not accounts");
        assertEquals(List.of("likes", "seconds", "likers"), List.copyOf(p.asMap().keySet()));
        assertEquals(2000, p.asMap().get("likes"));
    }

    @Test
    void unknownNamesAndBadValuesAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Params(defaults(), Map.of("like", "1")));
        assertEquals("unknown parameter 'like' (known: likes, seconds)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Params(defaults(), Map.of("likes", "many")));
    }
}
