package dev.scalegram.feed;

import dev.scalegram.ids.Page;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Per-user activity (notifications), newest first. Adding the same (type, actor, status) twice keeps one. */
public interface ActivityStore {

    void add(long userId, Activity.Type type, long actorId, long statusId);

    /** @param types the types to include; empty for all */
    List<Activity> page(long userId, Page page, Set<Activity.Type> types);

    Optional<Activity> get(long userId, long activityId);

    /** Removes every activity that concerns a status (it was deleted). */
    void removeForStatus(long userId, long statusId);

    void clear(long userId);

    boolean dismiss(long userId, long activityId);
}
