package dev.scalegram.web;

import dev.scalegram.api.Caller;
import dev.scalegram.api.OAuthStore;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * Web sessions and form tokens. A session is an ordinary OAuth access token (the {@link OAuthStore}'s, so the web
 * and the API share one way to know a caller, and signing out revokes it) kept in an HttpOnly, SameSite=Lax cookie
 * that scripts cannot read and other sites' forms do not send.
 *
 * <p>Every POST form carries a token that a page of another site cannot know. Signed in, it is derived from the
 * session secret (nothing to store, and it changes with the session); signed out (the sign-up and log-in forms), it
 * is a random value also kept in a cookie, and the two must match (double submit).
 */
final class Sessions {

    static final String SESSION = "sg_session";
    static final String PRE_SESSION = "sg_csrf";
    /** The app id of web sessions: the web UI is this server's own client, not a registered OAuth app. */
    static final long WEB_APP = 0;
    private static final Set<String> SCOPES = Set.of("read", "write", "follow");
    private static final long MAX_AGE_SECONDS = 30L * 24 * 3600;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final OAuthStore oauth;

    Sessions(OAuthStore oauth) {
        this.oauth = oauth;
    }

    /** A signed-in browser: its account and the session secret from its cookie. */
    record Session(long accountId, String token) {}

    Optional<Session> current(ServerRequest req) {
        Optional<String> token = cookie(req, SESSION);
        if (token.isEmpty()) {
            return Optional.empty();
        }
        return oauth.verify(token.get()).filter(c -> c.appId() == WEB_APP && c.accountId() != 0)
                .map((Caller c) -> new Session(c.accountId(), token.get()));
    }

    /** Signs {@code accountId} in: a new token, set as the session cookie. */
    void start(ServerRequest req, ServerResponse res, long accountId) {
        String token = oauth.issueToken(WEB_APP, accountId, SCOPES);
        res.headers().add(HeaderNames.SET_COOKIE, cookieHeader(req, SESSION, token, MAX_AGE_SECONDS));
    }

    void end(ServerRequest req, ServerResponse res, Session s) {
        oauth.revoke(s.token(), WEB_APP);
        res.headers().add(HeaderNames.SET_COOKIE, cookieHeader(req, SESSION, "", 0));
    }

    /** The token this browser's forms must carry; signed out, sets the cookie it is checked against if missing. */
    String csrf(ServerRequest req, ServerResponse res, Session s) {
        if (s != null) {
            return sessionCsrf(s);
        }
        Optional<String> pre = cookie(req, PRE_SESSION).filter(v -> v.length() >= 20 && v.length() <= 64);
        if (pre.isPresent()) {
            return pre.get();
        }
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        String fresh = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        res.headers().add(HeaderNames.SET_COOKIE, cookieHeader(req, PRE_SESSION, fresh, -1));
        return fresh;
    }

    /** Whether a POST's form token is the one this browser was given. */
    boolean csrfValid(ServerRequest req, Session s, String given) {
        if (given == null || given.isEmpty()) {
            return false;
        }
        String expected = s != null ? sessionCsrf(s) : cookie(req, PRE_SESSION).orElse(null);
        return expected != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8));
    }

    private static String sessionCsrf(Session s) {
        return OAuthStore.digest("csrf:" + s.token()).substring(0, 40);
    }

    private static Optional<String> cookie(ServerRequest req, String name) {
        for (String header : req.headers().all(HeaderNames.COOKIE, java.util.List::of)) {
            // Commas too: old RFC 2965 clients (java.net's CookieManager among them) send "$Version=1, a=b".
            for (String pair : header.split("[;,]")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
                    String v = pair.substring(eq + 1).trim();
                    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                        v = v.substring(1, v.length() - 1); // RFC 6265 allows a quoted value
                    }
                    return v.isEmpty() ? Optional.empty() : Optional.of(v);
                }
            }
        }
        return Optional.empty();
    }

    /** {@code maxAge} 0 deletes the cookie, negative makes it last as long as the browser session. */
    private static String cookieHeader(ServerRequest req, String name, String value, long maxAge) {
        StringBuilder b = new StringBuilder(name).append('=').append(value).append("; Path=/; HttpOnly; SameSite=Lax");
        if (maxAge >= 0) {
            b.append("; Max-Age=").append(maxAge);
        }
        // Behind a TLS-terminating proxy the cookie must never travel in clear; on plain http (development) it can't
        // be Secure or the browser would drop it.
        if (req.headers().first(HeaderNames.create("X-Forwarded-Proto")).map("https"::equalsIgnoreCase).orElse(false)) {
            b.append("; Secure");
        }
        return b.toString();
    }
}
