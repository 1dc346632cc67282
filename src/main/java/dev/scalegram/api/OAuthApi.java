package dev.scalegram.api;

import dev.scalegram.config.Topology.LimitsConfig;
import dev.scalegram.graph.GraphObject;
import dev.scalegram.json.Json;
import dev.scalegram.social.Authenticate;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/**
 * OAuth2 as Mastodon does it: app registration, the token endpoint (client_credentials, password,
 * authorization_code), revocation, and a minimal login page for the authorization-code flow.
 */
public final class OAuthApi {

    static final String OOB = "urn:ietf:wg:oauth:2.0:oob";

    private final OAuthStore oauth;
    private final Authenticate authenticate;
    private final LimitsConfig limits;

    public OAuthApi(OAuthStore oauth, Authenticate authenticate, LimitsConfig limits) {
        this.oauth = oauth;
        this.authenticate = authenticate;
        this.limits = limits;
    }

    public void routes(HttpRouting.Builder r) {
        r.post("/api/v1/apps", (req, res) -> createApp(new Exchange(req, res, oauth, limits)));
        r.get("/api/v1/apps/verify_credentials", (req, res) -> {
            Exchange x = new Exchange(req, res, oauth, limits);
            Caller c = x.caller();
            if (c == Caller.ANONYMOUS) {
                throw ApiError.unauthorized("The access token is invalid");
            }
            ObjectNode n = Json.object();
            n.put("id", Long.toString(c.appId()));
            var app = oauthApp(c.appId());
            n.put("name", app == null ? "" : app.name());
            n.set("scopes", Json.MAPPER.valueToTree(List.copyOf(c.scopes())));
            x.json(n);
        });
        r.post("/oauth/token", (req, res) -> token(new Exchange(req, res, oauth, limits)));
        r.post("/oauth/revoke", (req, res) -> revoke(new Exchange(req, res, oauth, limits)));
        r.get("/oauth/authorize", (req, res) -> authorizePage(new Exchange(req, res, oauth, limits), null));
        r.post("/oauth/authorize", (req, res) -> authorize(new Exchange(req, res, oauth, limits)));
    }

    private OAuthStore.App oauthApp(long appId) {
        return appId == 0 ? null : oauth.appById(appId).orElse(null);
    }

    private void createApp(Exchange x) {
        Params p = x.params();
        String name = p.required("client_name");
        if (name.length() > 100) {
            throw ApiError.unprocessable("Validation failed: client_name is too long");
        }
        List<String> redirects = new ArrayList<>();
        for (String v : p.list("redirect_uris")) {
            for (String line : v.split("\\s+")) {
                if (!line.isBlank()) {
                    redirects.add(line);
                }
            }
        }
        if (redirects.isEmpty()) {
            throw ApiError.unprocessable("Validation failed: redirect_uris can't be blank");
        }
        for (String uri : redirects) {
            if (!uri.equals(OOB) && !uri.matches("[a-zA-Z][a-zA-Z0-9+.-]*:.+")) {
                throw ApiError.unprocessable("Validation failed: Redirect URI must be an absolute URI");
            }
        }
        Set<String> scopes = Scopes.parse(p.string("scopes"));
        var created = oauth.createApp(name, p.string("website"), redirects, scopes);
        ObjectNode n = Json.object();
        n.put("id", Long.toString(created.id()));
        n.put("name", name);
        if (p.string("website") == null) {
            n.putNull("website");
        } else {
            n.put("website", p.string("website"));
        }
        n.set("scopes", Json.MAPPER.valueToTree(List.copyOf(scopes)));
        n.put("redirect_uri", String.join("\n", redirects));
        n.set("redirect_uris", Json.MAPPER.valueToTree(redirects));
        n.put("client_id", created.app().clientId());
        n.put("client_secret", created.clientSecret());
        n.putNull("client_secret_expires_at");
        n.put("vapid_key", "");
        x.json(n);
    }

    private void token(Exchange x) {
        Params p = x.params();
        String grant = p.string("grant_type");
        if (grant == null) {
            throw new ApiError(400, "grant_type is missing", "invalid_request");
        }
        GraphObject app = oauth.app(p.string("client_id"), p.string("client_secret"))
                .orElseThrow(() -> new ApiError(401, "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.", "invalid_client"));
        OAuthStore.App a = app.as(OAuthStore.App.class);
        Set<String> registered = new LinkedHashSet<>(List.of(a.scopes().split(" ")));
        switch (grant) {
            case "client_credentials" -> {
                Set<String> scopes = requested(p, registered);
                x.json(tokenJson(oauth.issueToken(app.id(), 0, scopes), scopes));
            }
            case "password" -> {
                Set<String> scopes = requested(p, registered);
                long account = authenticate.check(p.string("username"), p.string("password"))
                        .orElseThrow(() -> new ApiError(400, "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.", "invalid_grant"));
                x.json(tokenJson(oauth.issueToken(app.id(), account, scopes), scopes));
            }
            case "authorization_code" -> {
                OAuthStore.Code code = oauth.redeemCode(p.string("code"))
                        .filter(c -> c.appId() == app.id())
                        .filter(c -> p.string("redirect_uri") == null || c.redirectUri().equals(p.string("redirect_uri")))
                        .orElseThrow(() -> new ApiError(400, "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.", "invalid_grant"));
                Set<String> scopes = new LinkedHashSet<>(List.of(code.scopes().split(" ")));
                x.json(tokenJson(oauth.issueToken(app.id(), code.accountId(), scopes), scopes));
            }
            default -> throw new ApiError(400, "The authorization grant type is not supported by the authorization server.", "unsupported_grant_type");
        }
    }

    private static Set<String> requested(Params p, Set<String> registered) {
        String s = p.string("scope");
        if (s == null) {
            s = p.string("scopes");
        }
        Set<String> scopes = s == null ? registered : Scopes.parse(s);
        if (!Scopes.within(scopes, registered)) {
            throw new ApiError(400, "The requested scope is invalid, unknown, or malformed.", "invalid_scope");
        }
        return scopes;
    }

    static ObjectNode tokenJson(String token, Set<String> scopes) {
        ObjectNode n = Json.object();
        n.put("access_token", token);
        n.put("token_type", "Bearer");
        n.put("scope", Scopes.join(scopes));
        n.put("created_at", System.currentTimeMillis() / 1000);
        return n;
    }

    private void revoke(Exchange x) {
        Params p = x.params();
        GraphObject app = oauth.app(p.string("client_id"), p.string("client_secret"))
                .orElseThrow(() -> new ApiError(403, "You are not authorized to revoke this token", "unauthorized_client"));
        String token = p.string("token");
        if (token == null) {
            throw new ApiError(400, "token is missing", "invalid_request");
        }
        oauth.revoke(token, app.id());
        x.json(Json.object()); // RFC 7009: 200 whether or not the token existed
    }

    private void authorizePage(Exchange x, String error) {
        Params p = x.params();
        GraphObject app = oauth.app(p.string("client_id"), null)
                .orElseThrow(() -> new ApiError(400, "Client authentication failed due to unknown client", "invalid_client"));
        OAuthStore.App a = app.as(OAuthStore.App.class);
        String redirect = p.string("redirect_uri") == null ? a.redirectUris().getFirst() : p.string("redirect_uri");
        if (!a.redirectUris().contains(redirect)) {
            throw new ApiError(400, "The redirect uri included is not valid.", "invalid_redirect_uri");
        }
        String scope = p.string("scope") == null ? a.scopes() : p.string("scope");
        Scopes.parse(scope);
        String page = """
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize %s</title>
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}
                label{display:block;margin-top:1rem}input{width:100%%;padding:.5rem;box-sizing:border-box}
                button{margin-top:1.5rem;padding:.6rem 1.2rem}.error{color:#b00020}</style></head><body>
                <h1>Scalegram</h1><p><strong>%s</strong> wants access to your account (%s).</p>%s
                <form method="post" action="/oauth/authorize">
                <input type="hidden" name="client_id" value="%s"><input type="hidden" name="redirect_uri" value="%s">
                <input type="hidden" name="scope" value="%s"><input type="hidden" name="state" value="%s">
                <label for="username">Email or username</label><input id="username" name="username" autocomplete="username" required>
                <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
                <button type="submit">Authorize</button></form></body></html>
                """.formatted(esc(a.name()), esc(a.name()), esc(scope),
                error == null ? "" : "<p class=\"error\" role=\"alert\">" + esc(error) + "</p>",
                esc(p.string("client_id")), esc(redirect), esc(scope), esc(p.string("state") == null ? "" : p.string("state")));
        x.response().status(error == null ? 200 : 401);
        x.response().header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        x.response().send(page.getBytes(StandardCharsets.UTF_8));
    }

    private void authorize(Exchange x) {
        Params p = x.params();
        GraphObject app = oauth.app(p.string("client_id"), null)
                .orElseThrow(() -> new ApiError(400, "Client authentication failed due to unknown client", "invalid_client"));
        OAuthStore.App a = app.as(OAuthStore.App.class);
        String redirect = p.required("redirect_uri");
        if (!a.redirectUris().contains(redirect)) {
            throw new ApiError(400, "The redirect uri included is not valid.", "invalid_redirect_uri");
        }
        Set<String> registered = new LinkedHashSet<>(List.of(a.scopes().split(" ")));
        Set<String> scopes = requested(p, registered);
        var account = authenticate.check(p.string("username"), p.string("password"));
        if (account.isEmpty()) {
            authorizePage(x, "Invalid email or password.");
            return;
        }
        String code = oauth.issueCode(app.id(), account.getAsLong(), scopes, redirect);
        if (redirect.equals(OOB)) {
            x.response().header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
            x.response().send(("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Authorization code</title></head>"
                    + "<body><h1>Authorization code</h1><p>Copy this code into the app:</p><code id=\"code\">" + esc(code)
                    + "</code></body></html>").getBytes(StandardCharsets.UTF_8));
            return;
        }
        String state = p.string("state");
        String location = redirect + (redirect.contains("?") ? "&" : "?") + "code=" + URLEncoder.encode(code, StandardCharsets.UTF_8)
                + (state == null || state.isEmpty() ? "" : "&state=" + URLEncoder.encode(state, StandardCharsets.UTF_8));
        x.response().status(302);
        x.response().header(HeaderNames.LOCATION, location);
        x.response().send();
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
