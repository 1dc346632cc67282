package dev.scalegram.social;

import at.favre.lib.crypto.bcrypt.BCrypt;

/** bcrypt (at.favre.lib), cost 10: about 50-100 ms a hash here, which is the point. */
public final class Passwords {

    private static final int COST = 10;
    /** bcrypt reads at most 72 bytes of a password; longer ones are refused rather than silently truncated. */
    public static final int MAX_BYTES = 72;

    private Passwords() {}

    public static String hash(String password) {
        return BCrypt.withDefaults().hashToString(COST, password.toCharArray());
    }

    public static boolean fits(String password) {
        return password.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_BYTES;
    }

    public static boolean matches(String password, String hash) {
        if (!fits(password)) {
            return false; // no stored hash can be of such a password
        }
        return BCrypt.verifyer().verify(password.toCharArray(), hash).verified;
    }
}
