package dev.scalegram.shards;

/** A database failure on a shard, unchecked so that use cases read as use cases. */
public final class ShardException extends RuntimeException {
    public ShardException(String message, Throwable cause) {
        super(message, cause);
    }

    /** True when the cause is a unique or primary key violation (SQLState 23505). */
    public boolean isUniqueViolation() {
        return getCause() instanceof java.sql.SQLException e && "23505".equals(e.getSQLState());
    }
}
