package dev.scalegram.shards;

import io.micrometer.core.instrument.Counter;

/**
 * SQL text for one logical shard: {@code {s}} in a template becomes the shard's schema. Tables are always qualified
 * rather than switched with {@code search_path}, which would cost a round trip per statement. Each statement rendered
 * here is counted against the shard's physical server.
 */
public final class ShardSql {

    private final int shard;
    private final String schema;
    private final Counter statements;

    ShardSql(int shard, Counter statements) {
        this.shard = shard;
        this.schema = ShardMap.schema(shard);
        this.statements = statements;
    }

    public int shard() {
        return shard;
    }

    public String schema() {
        return schema;
    }

    public String of(String template) {
        statements.increment();
        return template.replace("{s}", schema);
    }
}
