package dev.scalegram.media;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a blob is fetched from. The talk's example of "do less" was URL generation: a small cost paid for every photo
 * on every feed page. Here a URL is one concatenation, and with a CDN (a base fixed by configuration) each blob's URL
 * is built once and kept. Without one, the base is the request's own (the host the client used), so there is nothing
 * worth keeping.
 */
public final class MediaUrls {

    /** Bounded so that a long-running server does not keep every URL it ever built; cleared when full. */
    private static final int MAX_KEPT = 100_000;

    private final String cdnBase;
    private final ConcurrentHashMap<String, String> kept = new ConcurrentHashMap<>();

    /** @param cdnBase e.g. {@code https://cdn.example.com} (no trailing slash), or null to serve from this server */
    public MediaUrls(String cdnBase) {
        this.cdnBase = cdnBase;
    }

    /** Media served by this server at {@code /media/<blob>}. */
    public static MediaUrls sameServer() {
        return new MediaUrls(null);
    }

    /** @param requestBase the base URL the client used, e.g. {@code http://localhost:8080} */
    public String url(String requestBase, String blob) {
        if (cdnBase == null) {
            return requestBase + "/media/" + blob;
        }
        String url = kept.get(blob);
        if (url == null) {
            if (kept.size() >= MAX_KEPT) {
                kept.clear();
            }
            url = cdnBase + "/media/" + blob;
            kept.put(blob, url);
        }
        return url;
    }
}
