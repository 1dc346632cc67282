package dev.scalegram.graph;

/**
 * Every association type the product uses, declared once: its stored code, its inverse (written on the other end's
 * shard through the outbox) and whether its count is kept. Adding a relation is adding a line here.
 */
public enum Relation {
    /** account → account it follows; counted: following_count. */
    FOLLOWS(1, true),
    /** account → its follower; counted: followers_count. Written by the inverse task. */
    FOLLOWED_BY(2, true),
    /** account → status it liked (for "my likes"). Written by the inverse task. */
    LIKES(3, false),
    /** status → account that liked it; counted: favourites_count. Written first, so the response can show it. */
    LIKED_BY(4, true),
    /** account → status it saved (bookmarks). Private: no inverse. */
    SAVED(5, false),
    /** account → its top-level post; counted: statuses_count. Same shard and transaction as the status. */
    POSTED(6, true),
    /** comment → the status it comments on. Same transaction as the comment. */
    COMMENT_ON(7, false),
    /** status → its comments; counted: replies_count. Written by the inverse task. */
    HAS_COMMENT(8, true),
    /** hashtag → status carrying it. */
    TAGGED(9, true),
    /** account → an account it follows whose posts are pulled at read time instead of fanned out. */
    PULLS(10, false);

    private final int code;
    private final boolean counted;

    Relation(int code, boolean counted) {
        this.code = code;
        this.counted = counted;
    }

    public int code() {
        return code;
    }

    public boolean counted() {
        return counted;
    }

    /** The relation stored on the other end's shard, or null when there is none. */
    public Relation inverse() {
        return switch (this) {
            case FOLLOWS -> FOLLOWED_BY;
            case FOLLOWED_BY -> FOLLOWS;
            case LIKES -> LIKED_BY;
            case LIKED_BY -> LIKES;
            case COMMENT_ON -> HAS_COMMENT;
            case HAS_COMMENT -> COMMENT_ON;
            case SAVED, POSTED, TAGGED, PULLS -> null;
        };
    }

    /**
     * True for the end the product writes (in its own transaction); false for the end the inverse task writes. The
     * repair scan trusts the written-first end: a missing inverse is added, an orphaned inverse is removed.
     */
    public boolean writtenFirst() {
        return switch (this) {
            case FOLLOWS, LIKED_BY, COMMENT_ON -> true;
            default -> false;
        };
    }

    public static Relation of(int code) {
        for (Relation r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown relation code " + code);
    }
}
