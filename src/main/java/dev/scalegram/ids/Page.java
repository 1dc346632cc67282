package dev.scalegram.ids;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A page of anything ordered by a time-ordered id, with Mastodon's semantics:
 * {@code maxId} returns items older than it; {@code sinceId} the newest items newer than it; {@code minId} the items
 * immediately newer than it (the oldest ones above it), which is how clients page forward without gaps. Results are
 * always newest first. Bounds are exclusive; 0 means "no bound".
 */
public record Page(long maxId, long sinceId, long minId, int limit) {

    public Page {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive");
        }
    }

    public static Page newest(int limit) {
        return new Page(0, 0, 0, limit);
    }

    /** Upper bound (exclusive), Long.MAX_VALUE when there is none. */
    public long upper() {
        return maxId > 0 ? maxId : Long.MAX_VALUE;
    }

    /** Lower bound (exclusive), 0 when there is none. */
    public long lower() {
        return minId > 0 ? minId : sinceId;
    }

    /** True when the page wants the oldest items above the lower bound rather than the newest. */
    public boolean ascending() {
        return minId > 0;
    }

    /** True when the page is the very newest items: the one shape caches serve from a prefix. */
    public boolean isHead() {
        return maxId == 0 && sinceId == 0 && minId == 0;
    }

    /** Applies the page to items already sorted newest first. */
    public <T> List<T> apply(List<T> newestFirst, ToLongFunction<T> idOf) {
        long upper = upper();
        long lower = lower();
        List<T> in = new ArrayList<>();
        for (T t : newestFirst) {
            long id = idOf.applyAsLong(t);
            if (id < upper && id > lower) {
                in.add(t);
            }
        }
        if (in.size() <= limit) {
            return in;
        }
        return ascending() ? new ArrayList<>(in.subList(in.size() - limit, in.size())) : new ArrayList<>(in.subList(0, limit));
    }
}
