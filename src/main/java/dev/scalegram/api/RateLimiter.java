package dev.scalegram.api;

import dev.scalegram.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Mastodon's request limit: N requests per 5-minute window per access token, or per IP address for calls without a
 * token (and for the web UI's log-in and sign-up forms), answered with 429 and the {@code X-RateLimit-*} headers
 * clients read. Fixed windows keep it to one map lookup and one increment per request; the map is swept when a window
 * turns over.
 */
public final class RateLimiter implements Filter {

    private static final long WINDOW_MILLIS = 300_000;

    private final int limit;
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private volatile long windowStart = System.currentTimeMillis() / WINDOW_MILLIS * WINDOW_MILLIS;

    public RateLimiter(int limit) {
        this.limit = limit;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().rawPath();
        if (limit <= 0 || !(path.startsWith("/api/") || path.startsWith("/oauth/") || passwordForm(req, path))) {
            chain.proceed();
            return;
        }
        long now = System.currentTimeMillis();
        long start = windowStart;
        if (now - start >= WINDOW_MILLIS) {
            synchronized (this) {
                if (now - windowStart >= WINDOW_MILLIS) {
                    counts.clear();
                    windowStart = now / WINDOW_MILLIS * WINDOW_MILLIS;
                }
                start = windowStart;
            }
        }
        String key = req.headers().first(HeaderNames.AUTHORIZATION)
                .map(a -> "t:" + OAuthStore.digest(a))
                .orElseGet(() -> "ip:" + req.remotePeer().host());
        int used = counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        res.header(HeaderNames.create("X-RateLimit-Limit"), Integer.toString(limit));
        res.header(HeaderNames.create("X-RateLimit-Remaining"), Integer.toString(Math.max(0, limit - used)));
        res.header(HeaderNames.create("X-RateLimit-Reset"), Instant.ofEpochMilli(start + WINDOW_MILLIS).toString());
        if (used > limit) {
            res.status(429);
            res.header(HeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
            res.send(Json.bytes(Map.of("error", "Too many requests")));
            return;
        }
        chain.proceed();
    }

    /** The web UI's log-in and sign-up posts check passwords too: they count per address like the password grant. */
    private static boolean passwordForm(RoutingRequest req, String path) {
        return (path.equals("/login") || path.equals("/signup"))
                && req.prologue().method().equals(io.helidon.http.Method.POST);
    }
}
