package dev.scalegram.social;

/**
 * An account as stored in the graph.
 *
 * @param createdAt epoch millis
 * @param loginId the LOGIN object holding the credentials (never rendered)
 * @param pulled the account has crossed the fan-out threshold: followers pull its posts at read time
 */
public record Account(String username, String displayName, String note, long createdAt, long loginId,
                      boolean pulled) {

    public Account withPulled(boolean p) {
        return new Account(username, displayName, note, createdAt, loginId, p);
    }
}
