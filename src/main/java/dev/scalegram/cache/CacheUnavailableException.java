package dev.scalegram.cache;

/**
 * The cache server could not answer: it is down, unreachable, too slow (a connect or read timeout), out of step, or
 * refused the request. Unchecked because the caller decides what a missing cache means (usually: read from the source
 * of truth); the cache itself never hides a failure as a miss.
 */
public class CacheUnavailableException extends RuntimeException {

    public CacheUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
