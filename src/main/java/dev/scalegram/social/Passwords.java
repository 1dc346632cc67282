package dev.scalegram.social;

import at.favre.lib.crypto.bcrypt.BCrypt;

/** bcrypt (at.favre.lib), cost 10: about 50-100 ms a hash here, which is the point. */
public final class Passwords {

    private static final int COST = 10;

    private Passwords() {}

    public static String hash(String password) {
        return BCrypt.withDefaults().hashToString(COST, password.toCharArray());
    }

    public static boolean matches(String password, String hash) {
        return BCrypt.verifyer().verify(password.toCharArray(), hash).verified;
    }
}
