package dev.scalegram.social;

/** The names of the product's task kinds and their payloads (fan-out's are in {@link dev.scalegram.feed.FanOut}). */
public final class Tasks {

    public static final String AFTER_FOLLOW = "follow.after";
    public static final String AFTER_UNFOLLOW = "unfollow.after";
    public static final String NOTIFY = "notify";
    public static final String TAG = "status.tag";
    public static final String PUBLISH = "status.publish";

    private Tasks() {}

    public record FollowRef(long followerId, long followeeId) {}

    public record Notify(long userId, String type, long actorId, long statusId) {}

    public record Tag(long statusId, java.util.List<String> tags, boolean add) {}

    public record Publish(long statusId, long authorId, boolean add) {}
}
