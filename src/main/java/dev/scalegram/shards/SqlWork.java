package dev.scalegram.shards;

import java.sql.Connection;
import java.sql.SQLException;

/** Work done with one shard's connection. */
@FunctionalInterface
public interface SqlWork<T> {
    T run(Connection connection, ShardSql sql) throws SQLException;
}
