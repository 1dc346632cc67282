package dev.scalegram.social;

import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Signs a person up. The account lives on the shard its username hashes to, together with the username's claim, so
 * both are one transaction; the email's claim lives on the email's shard and is taken second, undoing the account if
 * the email turns out to be taken.
 */
public final class RegisterAccount {

    public static final String USERNAMES = "username";
    public static final String EMAILS = "email";
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9_]{1,30}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,190}\\.[^@\\s]{1,63}");

    private final Graph graph;

    public RegisterAccount(Graph graph) {
        this.graph = graph;
    }

    /** @return the new account's id */
    public long register(String username, String email, String password) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw Problem.invalid("Validation failed: Username must be 1-30 letters, numbers or underscores");
        }
        if (email == null || !EMAIL.matcher(email).matches()) {
            throw Problem.invalid("Validation failed: Email is invalid");
        }
        if (password == null || password.length() < 8 || !Passwords.fits(password)) {
            throw Problem.invalid("Validation failed: Password must be at least 8 characters and at most "
                    + Passwords.MAX_BYTES + " bytes");
        }
        String name = username.toLowerCase(Locale.ROOT);
        String mail = email.toLowerCase(Locale.ROOT);
        String hash = Passwords.hash(password);
        int shard = graph.shardForName(USERNAMES, name);
        long accountId = graph.write(shard, tx -> {
            long id = tx.nextId();
            long loginId = tx.nextId();
            if (!tx.nameClaim(USERNAMES, name, id)) {
                throw Problem.invalid("Validation failed: Username has already been taken");
            }
            tx.objAdd(id, ObjectType.ACCOUNT, new Account(username, username, "", System.currentTimeMillis(), loginId, false));
            tx.objAdd(loginId, ObjectType.LOGIN, new Login(id, mail, hash));
            return id;
        });
        boolean emailFree = graph.write(graph.shardForName(EMAILS, mail), tx -> tx.nameClaim(EMAILS, mail, accountId));
        if (!emailFree) {
            graph.write(shard, tx -> {
                Account a = tx.objGetForUpdate(accountId).orElseThrow().as(Account.class);
                tx.objDelete(a.loginId());
                tx.objDelete(accountId);
                tx.nameRelease(USERNAMES, name);
                return null;
            });
            throw Problem.invalid("Validation failed: Email has already been taken");
        }
        return accountId;
    }
}
