package dev.scalegram.feed;

/**
 * Something that happened to a user: someone followed them, liked or commented on their post.
 *
 * @param id a time-ordered id on the user's shard; notifications paginate by it
 * @param statusId the status concerned, 0 for none
 */
public record Activity(long id, long userId, Type type, long actorId, long statusId) {

    public enum Type {
        FOLLOW("follow"), FAVOURITE("favourite"), MENTION("mention");

        private final String mastodonName;

        Type(String mastodonName) {
            this.mastodonName = mastodonName;
        }

        /** The notification type as the Mastodon API names it. */
        public String mastodonName() {
            return mastodonName;
        }

        public static Type fromMastodonName(String s) {
            for (Type t : values()) {
                if (t.mastodonName.equals(s)) {
                    return t;
                }
            }
            return null;
        }
    }
}
