/**
 * Running a whole topology on one machine: {@link dev.scalegram.server.cluster.Cluster} starts, checks and stops the
 * parts ({@code scalegram cluster up|status|down}) and records them in
 * {@link dev.scalegram.server.cluster.ClusterState}; {@link dev.scalegram.server.cluster.CassandraNode} starts a real
 * Cassandra 5 node from the cassandra-all Maven jars on a JDK 17 (for the cluster and for the tests).
 */
package dev.scalegram.server.cluster;
