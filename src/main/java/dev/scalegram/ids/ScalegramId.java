package dev.scalegram.ids;

import java.time.Instant;

/**
 * Reads the parts of a Scalegram id. The layout is Instagram's:
 * <pre>
 *   63        23 22        10 9         0
 *   | millis 41 | shard 13    | seq 10    |
 * </pre>
 * Sorting ids sorts by creation time (to the millisecond), which is what makes {@code max_id}/{@code since_id}
 * pagination and merging feeds by id correct.
 */
public final class ScalegramId {

    /** 2026-01-01T00:00:00Z. The generator function in every shard schema uses the same constant. */
    public static final long EPOCH_MILLIS = 1_767_225_600_000L;
    public static final int SHARD_BITS = 13;
    public static final int SEQ_BITS = 10;
    /** The most logical shards an id can name: 8192. */
    public static final int MAX_SHARDS = 1 << SHARD_BITS;

    private static final long SHARD_MASK = MAX_SHARDS - 1;
    private static final long SEQ_MASK = (1 << SEQ_BITS) - 1;

    private ScalegramId() {}

    /** The logical shard that holds the thing this id names. */
    public static int shard(long id) {
        return (int) ((id >>> SEQ_BITS) & SHARD_MASK);
    }

    public static long millisSinceEpoch(long id) {
        return id >>> (SHARD_BITS + SEQ_BITS);
    }

    public static Instant createdAt(long id) {
        return Instant.ofEpochMilli(EPOCH_MILLIS + millisSinceEpoch(id));
    }

    public static int sequence(long id) {
        return (int) (id & SEQ_MASK);
    }

    /** Builds an id from its parts; the database generates real ones, this is for bounds and tests. */
    public static long of(long epochMillis, int shard, int sequence) {
        if (shard < 0 || shard >= MAX_SHARDS) {
            throw new IllegalArgumentException("shard out of range: " + shard);
        }
        long millis = epochMillis - EPOCH_MILLIS;
        if (millis < 0 || millis >= (1L << 41)) {
            throw new IllegalArgumentException("time out of range: " + Instant.ofEpochMilli(epochMillis));
        }
        return (millis << (SHARD_BITS + SEQ_BITS)) | ((long) shard << SEQ_BITS) | (sequence & SEQ_MASK);
    }

    /** The smallest id any shard can generate at this instant: an inclusive lower bound for time ranges. */
    public static long lowestAt(Instant t) {
        long millis = Math.max(0, t.toEpochMilli() - EPOCH_MILLIS);
        return millis << (SHARD_BITS + SEQ_BITS);
    }

    /** Groups ids by the logical shard they name, keeping their order within each shard: one query per shard. */
    public static java.util.Map<Integer, java.util.List<Long>> byShard(java.util.Collection<Long> ids) {
        java.util.Map<Integer, java.util.List<Long>> out = new java.util.LinkedHashMap<>();
        for (long id : ids) {
            out.computeIfAbsent(shard(id), k -> new java.util.ArrayList<>()).add(id);
        }
        return out;
    }

    /** Parses an id as clients send it (a decimal string); empty on anything that is not a positive 64-bit number. */
    public static java.util.OptionalLong parse(String s) {
        if (s == null || s.isEmpty() || s.length() > 19) {
            return java.util.OptionalLong.empty();
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return java.util.OptionalLong.empty();
            }
        }
        try {
            long v = Long.parseLong(s);
            return v > 0 ? java.util.OptionalLong.of(v) : java.util.OptionalLong.empty();
        } catch (NumberFormatException e) {
            return java.util.OptionalLong.empty();
        }
    }
}
