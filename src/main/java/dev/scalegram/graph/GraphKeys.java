package dev.scalegram.graph;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The one place that derives cache keys. The version prefix lets a change of encoding abandon every old key at once.
 */
public final class GraphKeys {

    static final String PREFIX = "g1:";
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._@+\\-]{1,120}");

    private GraphKeys() {}

    public static String object(long id) {
        return PREFIX + "o:" + id;
    }

    public static String count(long id1, Relation r) {
        return PREFIX + "c:" + id1 + ":" + r.code();
    }

    public static String rangeHead(long id1, Relation r) {
        return PREFIX + "r:" + id1 + ":" + r.code();
    }

    public static String edge(long id1, Relation r, long id2) {
        return PREFIX + "e:" + id1 + ":" + r.code() + ":" + id2;
    }

    public static String name(String namespace, String name) {
        return PREFIX + "n:" + namespace + ":" + (SAFE.matcher(name).matches() ? name : "#" + digest(name));
    }

    private static String digest(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
