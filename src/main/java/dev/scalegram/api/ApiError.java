package dev.scalegram.api;

/** An HTTP error with Mastodon's body shape: {@code {"error": message}} (plus an OAuth error code where OAuth has one). */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String oauthCode;

    public ApiError(int status, String message) {
        this(status, message, null);
    }

    public ApiError(int status, String message, String oauthCode) {
        super(message, null, false, false);
        this.status = status;
        this.oauthCode = oauthCode;
    }

    public int status() {
        return status;
    }

    /** OAuth's error code ({@code invalid_grant} …), or null outside OAuth. */
    public String oauthCode() {
        return oauthCode;
    }

    public static ApiError badRequest(String m) {
        return new ApiError(400, m);
    }

    public static ApiError unauthorized(String m) {
        return new ApiError(401, m);
    }

    public static ApiError forbidden(String m) {
        return new ApiError(403, m);
    }

    public static ApiError notFound() {
        return new ApiError(404, "Record not found");
    }

    public static ApiError unprocessable(String m) {
        return new ApiError(422, m);
    }
}
