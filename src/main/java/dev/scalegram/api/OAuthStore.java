package dev.scalegram.api;

import dev.scalegram.graph.Graph;
import dev.scalegram.graph.GraphObject;
import dev.scalegram.graph.ObjectType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * OAuth2 apps, access tokens and authorization codes, kept in the graph. Secrets are random 256-bit strings handed out
 * once; only their SHA-256 is stored, as the name that leads to the token object (so a database leak yields no usable
 * token). Looking a token up is two cached reads: name → id → object.
 */
public final class OAuthStore {

    static final String CLIENTS = "client";
    /** The names namespace of access tokens (public for bulk loaders that write token rows themselves). */
    public static final String TOKENS = "token";
    static final String CODES = "code";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Graph graph;

    public OAuthStore(Graph graph) {
        this.graph = graph;
    }

    /** A registered app as stored. */
    public record App(String name, String website, List<String> redirectUris, String scopes, String clientId,
                      String secretDigest) {

        /** Immutable, because decoded objects are shared between requests (see GraphObject#as). */
        public App {
            redirectUris = redirectUris == null ? List.of() : List.copyOf(redirectUris);
        }
    }

    /** An access token as stored (under the digest of the token string). */
    public record Token(long appId, long accountId, String scopes, long createdAt) {}

    /** An authorization code as stored. */
    public record Code(long appId, long accountId, String scopes, String redirectUri, long expiresAt) {}

    public record CreatedApp(long id, App app, String clientSecret) {}

    public CreatedApp createApp(String name, String website, List<String> redirectUris, Set<String> scopes) {
        String clientId = secret();
        String clientSecret = secret();
        App app = new App(name, website, redirectUris, Scopes.join(scopes), clientId, digest(clientSecret));
        long id = graph.write(graph.shardForName(CLIENTS, clientId), tx -> {
            long appId = tx.objAdd(ObjectType.APP, app);
            tx.nameClaim(CLIENTS, clientId, appId);
            return appId;
        });
        return new CreatedApp(id, app, clientSecret);
    }

    /** The app for a client id, if the secret matches (or if no secret is required, pass null). */
    public Optional<GraphObject> app(String clientId, String clientSecret) {
        if (clientId == null) {
            return Optional.empty();
        }
        OptionalLong id = graph.nameLookup(CLIENTS, clientId);
        if (id.isEmpty()) {
            return Optional.empty();
        }
        Optional<GraphObject> app = graph.objGet(id.getAsLong()).filter(o -> o.type() == ObjectType.APP);
        if (clientSecret != null && app.isPresent()
                && !MessageDigest.isEqual(digest(clientSecret).getBytes(StandardCharsets.US_ASCII),
                app.get().as(App.class).secretDigest().getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        return app;
    }

    public Optional<App> appById(long id) {
        return graph.objGet(id).filter(o -> o.type() == ObjectType.APP).map(o -> o.as(App.class));
    }

    /** Issues a token; returns the token string, which is never stored. */
    public String issueToken(long appId, long accountId, Set<String> scopes) {
        String token = secret();
        String d = digest(token);
        Token t = new Token(appId, accountId, Scopes.join(scopes), System.currentTimeMillis());
        graph.write(graph.shardForName(TOKENS, d), tx -> {
            long id = tx.objAdd(ObjectType.TOKEN, t);
            tx.nameClaim(TOKENS, d, id);
            return id;
        });
        return token;
    }

    public Optional<Caller> verify(String token) {
        if (token == null || token.length() < 20 || token.length() > 100) {
            return Optional.empty();
        }
        OptionalLong id = graph.nameLookup(TOKENS, digest(token));
        if (id.isEmpty()) {
            return Optional.empty();
        }
        return graph.objGet(id.getAsLong()).filter(o -> o.type() == ObjectType.TOKEN).map(o -> {
            Token t = o.as(Token.class);
            return new Caller(t.accountId(), t.appId(), new LinkedHashSet<>(List.of(t.scopes().split(" "))), o.id());
        });
    }

    public Optional<Token> token(String token) {
        OptionalLong id = graph.nameLookup(TOKENS, digest(token));
        return id.isEmpty() ? Optional.empty() : graph.objGet(id.getAsLong()).map(o -> o.as(Token.class));
    }

    /** Revokes a token issued to {@code appId}; true if something was revoked. */
    public boolean revoke(String token, long appId) {
        String d = digest(token);
        OptionalLong id = graph.nameLookup(TOKENS, d);
        if (id.isEmpty()) {
            return false;
        }
        return graph.write(graph.shardForName(TOKENS, d), tx -> {
            var t = tx.objGetForUpdate(id.getAsLong());
            if (t.isEmpty() || t.get().as(Token.class).appId() != appId) {
                return false;
            }
            tx.nameRelease(TOKENS, d);
            tx.objDelete(id.getAsLong());
            return true;
        });
    }

    public String issueCode(long appId, long accountId, Set<String> scopes, String redirectUri) {
        String code = secret();
        String d = digest(code);
        Code c = new Code(appId, accountId, Scopes.join(scopes), redirectUri, System.currentTimeMillis() + 600_000);
        graph.write(graph.shardForName(CODES, d), tx -> {
            long id = tx.objAdd(ObjectType.AUTH_CODE, c);
            tx.nameClaim(CODES, d, id);
            return id;
        });
        return code;
    }

    /** Redeems a code once: returns it and deletes it in one transaction, so a code cannot be used twice. */
    public Optional<Code> redeemCode(String code) {
        if (code == null) {
            return Optional.empty();
        }
        String d = digest(code);
        OptionalLong id = graph.nameLookup(CODES, d);
        if (id.isEmpty()) {
            return Optional.empty();
        }
        return graph.write(graph.shardForName(CODES, d), tx -> {
            var o = tx.objGetForUpdate(id.getAsLong());
            if (o.isEmpty()) {
                return Optional.<Code>empty();
            }
            tx.objDelete(id.getAsLong());
            tx.nameRelease(CODES, d);
            Code c = o.get().as(Code.class);
            return c.expiresAt() < System.currentTimeMillis() ? Optional.<Code>empty() : Optional.of(c);
        });
    }

    private static String secret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** SHA-256 in hex: what is stored of a secret (public for bulk loaders that write token rows themselves). */
    public static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
