package dev.scalegram.api;

import java.util.LinkedHashSet;
import java.util.Set;

/** OAuth scopes as Mastodon names them; anything else is refused rather than silently dropped. */
final class Scopes {

    private static final Set<String> TOP = Set.of("read", "write", "follow", "push", "profile");
    private static final Set<String> READ = Set.of("accounts", "blocks", "bookmarks", "favourites", "filters",
            "follows", "lists", "mutes", "notifications", "search", "statuses");
    private static final Set<String> WRITE = Set.of("accounts", "blocks", "bookmarks", "conversations", "favourites",
            "filters", "follows", "lists", "media", "mutes", "notifications", "reports", "statuses");

    private Scopes() {}

    /** Parses a space- (or plus-) separated scope string; empty means Mastodon's default, {@code read}. */
    static Set<String> parse(String s) {
        Set<String> out = new LinkedHashSet<>();
        if (s == null || s.isBlank()) {
            out.add("read");
            return out;
        }
        for (String scope : s.trim().split("[\\s+]+")) {
            if (!valid(scope)) {
                throw new ApiError(400, "The requested scope is invalid, unknown, or malformed: " + scope, "invalid_scope");
            }
            out.add(scope);
        }
        return out;
    }

    static boolean valid(String scope) {
        if (TOP.contains(scope)) {
            return true;
        }
        int colon = scope.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String top = scope.substring(0, colon);
        String sub = scope.substring(colon + 1);
        return top.equals("read") && READ.contains(sub) || top.equals("write") && WRITE.contains(sub)
                || top.equals("admin");
    }

    /** True when every requested scope is within what the app registered for. */
    static boolean within(Set<String> requested, Set<String> registered) {
        Caller app = new Caller(0, 0, registered, 0);
        for (String r : requested) {
            if (!app.allows(r)) {
                return false;
            }
        }
        return true;
    }

    static String join(Set<String> scopes) {
        return String.join(" ", scopes);
    }
}
