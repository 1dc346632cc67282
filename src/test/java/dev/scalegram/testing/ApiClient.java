package dev.scalegram.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small HTTP client for end-to-end tests against a running Scalegram: optional bearer token, JSON, form and
 * multipart bodies; every answer comes back as a {@link Response} with its status, headers, raw body, parsed JSON
 * (when the body is JSON) and the {@code Link} header's {@code next}/{@code prev} URLs.
 */
public final class ApiClient {

    public static final JsonMapper JSON = JsonMapper.builder().build();

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private static final Pattern LINK = Pattern.compile("<([^>]*)>\\s*((?:;\\s*[^;,]+)*)");
    private static final Pattern REL = Pattern.compile("rel\\s*=\\s*\"?([^\";,]+)\"?");

    private final URI base;
    private final String token;
    /** Null for one server; else the servers requests take turns on. */
    private final Rotation rotation;

    public ApiClient(URI base) {
        this(base, null, null);
    }

    private ApiClient(URI base, String token, Rotation rotation) {
        this.base = base;
        this.token = token;
        this.rotation = rotation;
    }

    public static ApiClient local(int port) {
        return new ApiClient(URI.create("http://127.0.0.1:" + port + "/"));
    }

    /**
     * A client of several servers of one deployment: each request (including those of every {@link #as} copy, and
     * absolute URLs such as Link headers that point at any of them) goes to the next server in turn.
     */
    public static ApiClient alternating(List<URI> bases) {
        if (bases.isEmpty()) {
            throw new IllegalArgumentException("no servers");
        }
        return new ApiClient(bases.getFirst(), null, new Rotation(List.copyOf(bases), new AtomicInteger()));
    }

    /** The same server(s) with {@code bearer} as the access token; null for none. */
    public ApiClient as(String bearer) {
        return new ApiClient(base, bearer, rotation);
    }

    /** Round robin over servers, shared by every copy of one client. */
    private record Rotation(List<URI> bases, AtomicInteger next) {
        /** {@code uri} moved to the next server, if it names one of them; other URLs are left alone. */
        URI retarget(URI uri) {
            boolean ours = bases.stream().anyMatch(b -> b.getScheme().equals(uri.getScheme())
                    && b.getRawAuthority().equals(uri.getRawAuthority()));
            if (!ours) {
                return uri;
            }
            URI to = bases.get(Math.floorMod(next.getAndIncrement(), bases.size()));
            return URI.create(to.getScheme() + "://" + to.getRawAuthority() + uri.getRawPath()
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        }
    }

    public URI base() {
        return base;
    }

    public String token() {
        return token;
    }

    // ---- bodies ----

    /** A JSON object built from alternating keys and values; values may be Strings, numbers, booleans, lists, nodes. */
    public static ObjectNode obj(Object... kv) {
        if (kv.length % 2 != 0) {
            throw new IllegalArgumentException("odd key/value count");
        }
        ObjectNode o = JSON.createObjectNode();
        for (int i = 0; i < kv.length; i += 2) {
            o.set((String) kv[i], JSON.valueToTree(kv[i + 1]));
        }
        return o;
    }

    /** One part of a multipart/form-data body; {@code filename} null for a plain field. */
    public record Part(String name, String filename, String contentType, byte[] data) {
        public static Part field(String name, String value) {
            return new Part(name, null, null, value.getBytes(StandardCharsets.UTF_8));
        }

        public static Part file(String name, String filename, String contentType, byte[] data) {
            return new Part(name, filename, contentType, data);
        }
    }

    // ---- requests ----

    /** GET {@code path} with query parameters given as alternating names and values (repeat a name for arrays). */
    public Response get(String path, String... query) {
        return send("GET", resolve(path, query), null, null);
    }

    /** GET an absolute URL, e.g. one from a Link header. */
    public Response get(URI absolute) {
        return send("GET", absolute, null, null);
    }

    public Response delete(String path) {
        return send("DELETE", resolve(path), null, null);
    }

    /** POST with no body at all. */
    public Response post(String path) {
        return send("POST", resolve(path), null, new byte[0]);
    }

    public Response postJson(String path, JsonNode body) {
        return postRaw(path, "application/json", JSON.writeValueAsBytes(body));
    }

    /** PUT (or any method) with a JSON body. */
    public Response sendJson(String method, String path, JsonNode body) {
        return send(method, resolve(path), "application/json", JSON.writeValueAsBytes(body));
    }

    /** POST application/x-www-form-urlencoded with alternating names and values. */
    public Response postForm(String path, String... kv) {
        return postRaw(path, "application/x-www-form-urlencoded",
                form(kv).getBytes(StandardCharsets.UTF_8));
    }

    public Response postMultipart(String path, List<Part> parts) {
        String boundary = "----scalegram-test-" + UUID.randomUUID();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (Part p : parts) {
                out.write(("--" + boundary + "\r\n").getBytes(StandardCharsets.UTF_8));
                StringBuilder h = new StringBuilder("Content-Disposition: form-data; name=\"" + p.name() + "\"");
                if (p.filename() != null) {
                    h.append("; filename=\"").append(p.filename()).append('"');
                }
                h.append("\r\n");
                if (p.contentType() != null) {
                    h.append("Content-Type: ").append(p.contentType()).append("\r\n");
                }
                h.append("\r\n");
                out.write(h.toString().getBytes(StandardCharsets.UTF_8));
                out.write(p.data());
                out.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return postRaw(path, "multipart/form-data; boundary=" + boundary, out.toByteArray());
    }

    /** POST {@code body} as-is with the given content type (null for none). */
    public Response postRaw(String path, String contentType, byte[] body) {
        return send("POST", resolve(path), contentType, body);
    }

    public Response send(String method, URI uri, String contentType, byte[] body) {
        return send(method, uri, contentType, body, false);
    }

    /**
     * With {@code expectContinue} the body is sent only after the server's 100 Continue, so a server that refuses
     * the body up front (413) is heard instead of racing the upload.
     */
    public Response send(String method, URI target, String contentType, byte[] body, boolean expectContinue) {
        URI uri = rotation == null ? target : rotation.retarget(target);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .expectContinue(expectContinue);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.header("Accept", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(method, uri, r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** GETs a file (a photo) and returns its bytes; fails unless it answers 200. */
    public byte[] download(URI uri) {
        try {
            HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET " + uri + " answered " + r.statusCode());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- Mastodon flows ----

    /** A registered OAuth application. */
    public record App(String clientId, String clientSecret) {}

    /** A registered user: its account id and a user token with {@code read write follow}. */
    public record User(String id, String username, String email, String password, String token) {}

    public static final String SCOPES = "read write follow";
    public static final String REDIRECT_OOB = "urn:ietf:wg:oauth:2.0:oob";

    /** POST /api/v1/apps with {@code read write follow}; fails unless it answers 200 with client credentials. */
    public App createApp(String name) {
        Response r = postJson("/api/v1/apps", obj("client_name", name, "redirect_uris", REDIRECT_OOB,
                "scopes", SCOPES, "website", "https://example.test")).expect(200);
        String id = r.json().path("client_id").asString("");
        String secret = r.json().path("client_secret").asString("");
        if (id.isEmpty() || secret.isEmpty()) {
            throw new AssertionError("application without client_id/client_secret: " + r);
        }
        return new App(id, secret);
    }

    /** A client_credentials token for {@code app}. */
    public String appToken(App app) {
        Response r = postForm("/oauth/token", "grant_type", "client_credentials", "client_id", app.clientId(),
                "client_secret", app.clientSecret(), "redirect_uri", REDIRECT_OOB, "scope", SCOPES).expect(200);
        return accessToken(r);
    }

    /** The token of a password grant, or the failed response as an AssertionError. */
    public Response passwordGrant(App app, String username, String password, String scope) {
        return postForm("/oauth/token", "grant_type", "password", "client_id", app.clientId(),
                "client_secret", app.clientSecret(), "username", username, "password", password, "scope", scope);
    }

    public String passwordToken(App app, String username, String password, String scope) {
        return accessToken(passwordGrant(app, username, password, scope).expect(200));
    }

    /** POST /api/v1/accounts with an app token, then verify_credentials with the new user's token. */
    public User register(String appToken, String username) {
        String email = username + "@example.test";
        String password = "pw-" + username + "-0123456789";
        Response r = as(appToken).postJson("/api/v1/accounts", obj("username", username, "email", email,
                "password", password, "agreement", true, "locale", "en")).expect(200);
        String token = accessToken(r);
        Response me = as(token).get("/api/v1/accounts/verify_credentials").expect(200);
        String id = me.json().path("id").asString("");
        if (id.isEmpty()) {
            throw new AssertionError("verify_credentials without a string id: " + me);
        }
        return new User(id, username, email, password, token);
    }

    private static String accessToken(Response r) {
        String t = r.json().path("access_token").asString("");
        if (t.isEmpty()) {
            throw new AssertionError("no access_token: " + r);
        }
        return t;
    }

    // ---- helpers ----

    public URI resolve(String path, String... query) {
        if (query.length % 2 != 0) {
            throw new IllegalArgumentException("odd query name/value count");
        }
        String p = path.startsWith("/") ? path.substring(1) : path;
        String q = form(query);
        return base.resolve(q.isEmpty() ? p : p + (p.contains("?") ? "&" : "?") + q);
    }

    public static String form(String... kv) {
        if (kv.length % 2 != 0) {
            throw new IllegalArgumentException("odd name/value count");
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < kv.length; i += 2) {
            if (!sb.isEmpty()) {
                sb.append('&');
            }
            sb.append(URLEncoder.encode(kv[i], StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(kv[i + 1], StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    /** An HTTP answer. {@link #json()} is null when the body is not JSON. */
    public static final class Response {
        private final String method;
        private final URI uri;
        private final int status;
        private final HttpHeaders headers;
        private final String body;
        private final JsonNode json;
        private final Map<String, URI> links;

        Response(String method, URI uri, int status, HttpHeaders headers, String body) {
            this.method = method;
            this.uri = uri;
            this.status = status;
            this.headers = headers;
            this.body = body;
            JsonNode parsed = null;
            if (body != null && !body.isBlank()) {
                try {
                    parsed = JSON.readTree(body);
                } catch (RuntimeException notJson) {
                    parsed = null;
                }
            }
            this.json = parsed;
            this.links = parseLinks(uri, headers.allValues("Link"));
        }

        public int status() {
            return status;
        }

        public HttpHeaders headers() {
            return headers;
        }

        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        public String body() {
            return body;
        }

        /** The parsed body; fails the test if it is not JSON. */
        public JsonNode json() {
            if (json == null) {
                throw new AssertionError("not a JSON body: " + this);
            }
            return json;
        }

        public boolean isJson() {
            return json != null;
        }

        /** The {@code error} string of an error body, or null. */
        public String error() {
            if (json == null || !json.isObject()) {
                return null;
            }
            JsonNode e = json.get("error");
            return e != null && e.isString() ? e.stringValue() : null;
        }

        /** Every rel of the Link header, resolved against the request URL. */
        public Map<String, URI> links() {
            return links;
        }

        public Optional<URI> next() {
            return Optional.ofNullable(links.get("next"));
        }

        public Optional<URI> prev() {
            return Optional.ofNullable(links.get("prev"));
        }

        /** The {@code id} of every element of a JSON array body, in order. */
        public List<String> ids() {
            JsonNode a = json();
            if (!a.isArray()) {
                throw new AssertionError("not a JSON array: " + this);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode n : a) {
                JsonNode id = n.get("id");
                if (id == null || !id.isString()) {
                    throw new AssertionError("element without a string id: " + n + " in " + this);
                }
                out.add(id.stringValue());
            }
            return out;
        }

        /** Fails unless the status is {@code expected}; returns this for chaining. */
        public Response expect(int expected) {
            if (status != expected) {
                throw new AssertionError("expected HTTP " + expected + " but got " + this);
            }
            return this;
        }

        @Override
        public String toString() {
            String b = body == null ? "" : body;
            if (b.length() > 1500) {
                b = b.substring(0, 1500) + "...(" + body.length() + " chars)";
            }
            return method + " " + uri + " -> " + status + " " + b;
        }

        static Map<String, URI> parseLinks(URI request, List<String> values) {
            Map<String, URI> out = new LinkedHashMap<>();
            for (String v : values) {
                Matcher m = LINK.matcher(v);
                while (m.find()) {
                    URI target = request.resolve(m.group(1).trim());
                    Matcher rel = REL.matcher(m.group(2));
                    while (rel.find()) {
                        for (String r : rel.group(1).trim().split("\\s+")) {
                            out.putIfAbsent(r, target);
                        }
                    }
                }
            }
            return out;
        }
    }
}
