package dev.scalegram.tasks;

/**
 * A transport could not take the task at all (broker down, connection lost before the confirm, publish refused). The
 * relay retries such a task soon without spending one of its attempts: an outage must not dead-letter work that never
 * reached a handler.
 */
public final class TransportUnavailableException extends RuntimeException {

    public TransportUnavailableException(String message) {
        super(message);
    }

    public TransportUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
