package dev.scalegram.graph;

/** The kinds of objects in the graph. The code is what is stored; never reuse one. */
public enum ObjectType {
    ACCOUNT(1),
    STATUS(2),
    MEDIA(3),
    HASHTAG(4),
    APP(5),
    TOKEN(6),
    LOGIN(7),
    AUTH_CODE(8),
    /** One stripe of the public timeline (its posts are in the feed store, under this id). */
    PUBLIC_STRIPE(9);

    private final int code;

    ObjectType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static ObjectType of(int code) {
        for (ObjectType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown object type code " + code);
    }
}
