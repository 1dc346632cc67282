package dev.scalegram.config;

/** A topology file that cannot be used; the message names the file, line and field. */
public final class TopologyException extends IllegalArgumentException {
    public TopologyException(String message) {
        super(message);
    }
}
