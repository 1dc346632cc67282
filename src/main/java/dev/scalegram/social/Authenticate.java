package dev.scalegram.social;

import dev.scalegram.graph.Graph;
import java.util.Locale;
import java.util.OptionalLong;

/** Checks a password for a username or an email (Mastodon's password grant sends the email as "username"). */
public final class Authenticate {

    private final Graph graph;

    public Authenticate(Graph graph) {
        this.graph = graph;
    }

    /** @return the account id, or empty if the credentials are wrong */
    public OptionalLong check(String usernameOrEmail, String password) {
        if (usernameOrEmail == null || password == null) {
            return OptionalLong.empty();
        }
        String key = usernameOrEmail.toLowerCase(Locale.ROOT);
        OptionalLong id = key.contains("@")
                ? graph.nameLookup(RegisterAccount.EMAILS, key)
                : graph.nameLookup(RegisterAccount.USERNAMES, key);
        if (id.isEmpty()) {
            return OptionalLong.empty();
        }
        var account = graph.objGet(id.getAsLong());
        if (account.isEmpty()) {
            return OptionalLong.empty();
        }
        long loginId = account.get().as(Account.class).loginId();
        var login = graph.objGet(loginId);
        if (login.isEmpty() || !Passwords.matches(password, login.get().as(Login.class).passwordHash())) {
            return OptionalLong.empty();
        }
        return id;
    }
}
