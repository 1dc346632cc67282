package dev.scalegram.server.cluster;

/** A part of the cluster could not be started or stopped; the message says which and carries the tail of its log. */
public final class ClusterException extends RuntimeException {

    public ClusterException(String message) {
        super(message);
    }

    public ClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
