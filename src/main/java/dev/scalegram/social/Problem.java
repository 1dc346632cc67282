package dev.scalegram.social;

/** A use case refused its input. The API turns the kind into an HTTP status and the message into {@code error}. */
public final class Problem extends RuntimeException {

    public enum Kind { BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, UNPROCESSABLE }

    private final Kind kind;

    public Problem(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status the API and the web UI answer this with. */
    public int httpStatus() {
        return switch (kind) {
            case BAD_REQUEST -> 400;
            case UNAUTHORIZED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case UNPROCESSABLE -> 422;
        };
    }

    public static Problem notFound(String what) {
        return new Problem(Kind.NOT_FOUND, what);
    }

    public static Problem forbidden(String why) {
        return new Problem(Kind.FORBIDDEN, why);
    }

    public static Problem invalid(String why) {
        return new Problem(Kind.UNPROCESSABLE, why);
    }
}
