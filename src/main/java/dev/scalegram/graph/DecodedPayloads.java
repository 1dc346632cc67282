package dev.scalegram.graph;

import dev.scalegram.json.Json;
import java.util.Arrays;

/**
 * Object payloads (JSON) decoded into records, remembered by their bytes. A home timeline page decodes the same
 * statuses and authors that the last pages decoded, and parsing them was about a ninth of the request's CPU; hashing
 * and comparing a few hundred bytes costs a fraction of that. Keyed by content, the memo needs no invalidation: an
 * updated object has other bytes, so it can never hand out an old value.
 *
 * <p>A fixed array of slots, each holding the last payload that hashed to it (no eviction policy, no locks): a racy
 * read sees either an older complete entry or a newer one, since an entry's fields are final. Only records are
 * remembered, and they are shared between threads, so the records decoded here must be immutable.
 */
final class DecodedPayloads {

    /** 32,768 slots: a timeline benchmark's working set (tens of thousands of statuses and accounts), a few MB. */
    private static final int SLOTS = 1 << 15;
    /** Larger payloads are decoded every time: they are rare and would crowd the memo. */
    private static final int MAX_BYTES = 4096;

    private record Entry(byte[] data, Class<?> type, Object value) {}

    private static final Entry[] slots = new Entry[SLOTS];

    private DecodedPayloads() {}

    static <T> T decode(byte[] data, Class<T> type) {
        // Only records are shared: a Map or a bean read here could be changed by one caller under another.
        if (data.length > MAX_BYTES || !type.isRecord()) {
            return Json.read(data, type);
        }
        int h = Arrays.hashCode(data) ^ type.hashCode();
        int i = (h ^ (h >>> 15)) & (SLOTS - 1);
        Entry e = slots[i];
        if (e != null && e.type == type && Arrays.equals(e.data, data)) {
            return type.cast(e.value);
        }
        T value = Json.read(data, type);
        // A copy: the caller's array is not ours to keep (nothing writes object payloads, but nothing promises it).
        slots[i] = new Entry(data.clone(), type, value);
        return value;
    }
}
