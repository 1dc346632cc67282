/**
 * Running the engines of a cluster on one machine. {@link dev.scalegram.server.cluster.CassandraNode} starts a real
 * Cassandra 5 node from the cassandra-all Maven jars on a JDK 17 (tests use it now; {@code cluster up} will too).
 */
package dev.scalegram.server.cluster;
