/**
 * Logical shards on physical PostgreSQL servers. A logical shard is a schema ({@code shard_0042}) holding everything
 * its owners wrote; the live {@link dev.scalegram.shards.ShardMap}, kept by the shard map directory on the first
 * server, is the only place that says which server holds it. {@link dev.scalegram.shards.Shards} owns one connection
 * pool per physical server, runs work on a shard and follows the map as shards move;
 * {@link dev.scalegram.shards.ShardMove} moves one shard to another server online.
 */
package dev.scalegram.shards;
