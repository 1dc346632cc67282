package dev.scalegram.api;

import dev.scalegram.config.Topology.LimitsConfig;
import dev.scalegram.ids.Page;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** One API call: its parameters, its caller, and the ways to answer it. */
final class Exchange {

    private final ServerRequest req;
    private final ServerResponse res;
    private final OAuthStore oauth;
    private final int maxPage;
    private final long maxUpload;
    private Params params;
    private Caller caller;

    /** Bodies other than file uploads are small; this bounds what a client can make the server buffer. */
    static final long MAX_FORM_BYTES = 1024 * 1024;

    Exchange(ServerRequest req, ServerResponse res, OAuthStore oauth, LimitsConfig limits) {
        this.req = req;
        this.res = res;
        this.oauth = oauth;
        this.maxPage = limits.maxPageSize();
        this.maxUpload = limits.maxMediaBytes() + 64 * 1024;
    }

    ServerRequest request() {
        return req;
    }

    ServerResponse response() {
        return res;
    }

    Params params() {
        if (params == null) {
            Map<String, List<String>> query = new LinkedHashMap<>();
            var q = req.query();
            for (String name : q.names()) {
                query.put(name, q.all(name));
            }
            String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
            byte[] body = body(type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/")
                    ? maxUpload : MAX_FORM_BYTES);
            params = Params.parse(query, type, body);
        }
        return params;
    }

    /** Reads the body, refusing (413, JSON body) anything over {@code limit} before or while reading it. */
    private byte[] body(long limit) {
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        var declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            throw new ApiError(413, "Request entity too large (at most " + limit + " bytes)");
        }
        try (var in = req.content().inputStream()) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) {
                throw new ApiError(413, "Request entity too large (at most " + limit + " bytes)");
            }
            return bytes;
        } catch (java.io.IOException e) {
            throw ApiError.badRequest("Could not read the request body");
        }
    }

    /** The bearer token's caller, or anonymous when there is no Authorization header. Bad tokens are 401. */
    Caller caller() {
        if (caller == null) {
            String auth = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
            if (auth == null) {
                caller = Caller.ANONYMOUS;
            } else if (!auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw ApiError.unauthorized("The access token is invalid");
            } else {
                caller = oauth.verify(auth.substring(7).trim())
                        .orElseThrow(() -> ApiError.unauthorized("The access token is invalid"));
            }
        }
        return caller;
    }

    /** A caller with a user token carrying {@code scope}. */
    long user(String scope) {
        Caller c = caller();
        if (c == Caller.ANONYMOUS) {
            throw ApiError.unauthorized("The access token is invalid");
        }
        if (!c.allows(scope)) {
            throw ApiError.forbidden("This action is outside the authorized scopes");
        }
        if (c.accountId() == 0) {
            throw ApiError.unprocessable("This method requires an authenticated user");
        }
        return c.accountId();
    }

    /** The viewer for a public read: the account if a token was given (it must allow {@code scope}), else 0. */
    long viewer(String scope) {
        Caller c = caller();
        if (c == Caller.ANONYMOUS) {
            return 0;
        }
        if (!c.allows(scope)) {
            throw ApiError.forbidden("This action is outside the authorized scopes");
        }
        return c.accountId();
    }

    /** A path id; anything that is not an id is a 404, as Mastodon answers for unknown records. */
    long pathId(String name) {
        OptionalLong id = ScalegramId.parse(req.path().pathParameters().first(name).orElse(""));
        return id.orElseThrow(ApiError::notFound);
    }

    String path(String name) {
        return req.path().pathParameters().first(name).orElse("");
    }

    Page page() {
        Params p = params();
        int limit = p.integer("limit", 20, 1, maxPage);
        return new Page(cursor(p, "max_id"), cursor(p, "since_id"), cursor(p, "min_id"), limit);
    }

    private static long cursor(Params p, String name) {
        String v = p.string(name);
        if (v == null || v.isEmpty()) {
            return 0;
        }
        return ScalegramId.parse(v).orElseThrow(() -> ApiError.unprocessable("Validation failed: " + name + " is not a valid id"));
    }

    String baseUrl() {
        String host = req.headers().first(HeaderNames.HOST).orElse("localhost");
        String proto = req.headers().first(HeaderNames.create("X-Forwarded-Proto")).orElse("http");
        return proto + "://" + host;
    }

    /** Sets Mastodon's Link header: next = older than the oldest shown, prev = newer than the newest shown. */
    void link(long newest, long oldest, int count) {
        if (newest == 0) {
            return;
        }
        String url = baseUrl() + req.path().rawPath();
        Params p = params();
        String limit = p.string("limit") == null ? "" : "limit=" + p.integer("limit", 20, 1, maxPage) + "&";
        String extra = extraQuery();
        res.header(HeaderNames.create("Link"), "<" + url + "?" + limit + extra + "max_id=" + oldest + ">; rel=\"next\", <"
                + url + "?" + limit + extra + "min_id=" + newest + ">; rel=\"prev\"");
    }

    private String extraQuery() {
        StringBuilder b = new StringBuilder();
        var q = req.query();
        for (String name : q.names()) {
            if (name.equals("max_id") || name.equals("min_id") || name.equals("since_id") || name.equals("limit")) {
                continue;
            }
            for (String v : q.all(name)) {
                b.append(java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8)).append('=')
                        .append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8)).append('&');
            }
        }
        return b.toString();
    }

    void json(Object body) {
        json(200, body);
    }

    void json(int status, Object body) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        res.send(Json.bytes(body));
    }
}
