/**
 * The TAO-style graph layer: typed objects and typed associations, the API the whole product stands on.
 *
 * <p>Reads ({@link dev.scalegram.graph.Graph}: obj_get, assoc_get, assoc_count, assoc_range, assoc_time_range) go
 * through the lease cache; writes ({@link dev.scalegram.graph.GraphTx}: obj_add/update/delete, assoc_add/delete) run
 * in one transaction on one shard, keep counts in the same transaction, put the inverse association into the outbox,
 * and invalidate every cache key they touched after commit. Product code declares its relations in
 * {@link dev.scalegram.graph.Relation} and never writes SQL or cache keys itself.
 */
package dev.scalegram.graph;
