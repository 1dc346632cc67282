package dev.scalegram.api;

import java.util.Set;

/**
 * Who is calling, from the bearer token: an account (0 for an app-only token from client_credentials), the app, and
 * the token's scopes.
 */
public record Caller(long accountId, long appId, Set<String> scopes, long tokenId) {

    public static final Caller ANONYMOUS = new Caller(0, 0, Set.of(), 0);

    /**
     * Whether the token grants {@code needed} (e.g. {@code read:statuses}): the exact scope, its top-level scope
     * ({@code read}), or for follow endpoints the legacy {@code follow} scope.
     */
    public boolean allows(String needed) {
        if (scopes.contains(needed)) {
            return true;
        }
        int colon = needed.indexOf(':');
        if (colon > 0 && scopes.contains(needed.substring(0, colon))) {
            return true;
        }
        return needed.equals("write:follows") && scopes.contains("follow")
                || needed.equals("read:follows") && scopes.contains("follow");
    }
}
