/**
 * Instagram's 64-bit, time-ordered IDs: 41 bits of milliseconds since {@link dev.scalegram.ids.ScalegramId#EPOCH_MILLIS},
 * 13 bits of logical shard, 10 bits of per-shard sequence. IDs are generated inside PostgreSQL by each shard schema's
 * {@code next_id()} function; this package reads them. Any id names its shard, so routing needs no lookup.
 */
package dev.scalegram.ids;
