package dev.scalegram.cache;

/** Key checks shared by every {@link LeaseCache}, so embedded mode rejects what memcached would. */
final class CacheKeys {

    /** memcached's key length limit. */
    static final int MAX_LENGTH = 250;

    private CacheKeys() {
    }

    /**
     * Rejects keys memcached cannot take: empty, longer than 250 bytes, or with anything but printable ASCII other than
     * space. On the wire a space or CR/LF in a key would split the command, so this is also the injection guard.
     */
    static String check(String key) {
        if (key == null) {
            throw new IllegalArgumentException("cache key is null");
        }
        int n = key.length();
        if (n == 0 || n > MAX_LENGTH) {
            throw new IllegalArgumentException("cache key must be 1.." + MAX_LENGTH + " bytes, got " + n);
        }
        for (int i = 0; i < n; i++) {
            char c = key.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new IllegalArgumentException("cache key has a character memcached cannot take at " + i);
            }
        }
        return key;
    }
}
