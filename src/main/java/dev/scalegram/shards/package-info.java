/**
 * Logical shards on physical PostgreSQL servers. A logical shard is a schema ({@code shard_0042}) holding everything
 * its owners wrote; the {@link dev.scalegram.shards.ShardMap} is the only place that says which server holds it.
 * {@link dev.scalegram.shards.Shards} owns one connection pool per physical server and runs work on a shard.
 */
package dev.scalegram.shards;
