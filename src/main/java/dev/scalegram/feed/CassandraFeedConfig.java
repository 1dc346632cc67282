package dev.scalegram.feed;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import dev.scalegram.config.Topology;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where the Cassandra feeds live and how strongly they are written and read. Every statement carries its consistency
 * level explicitly ({@code write} for inserts and deletes, {@code read} for selects); the defaults keep a region's
 * traffic in its own data center: LOCAL_QUORUM writes, LOCAL_ONE reads.
 *
 * @param localDc the data center of this region: the driver only routes to its nodes, LOCAL_* levels count in it
 * @param keyspace created with NetworkTopologyStrategy {localDc: replicationFactor} when missing
 */
public record CassandraFeedConfig(List<InetSocketAddress> contactPoints, String localDc, String keyspace,
                                  int replicationFactor, ConsistencyLevel write, ConsistencyLevel read) {

    /** LOCAL_QUORUM writes, LOCAL_ONE reads. */
    public static final String DEFAULT_PROFILE = "default";
    /**
     * The talk's "write 2, read 1": a write waits for two replicas, a read asks one. With RF 3 this is cheaper than
     * quorums and a read still usually sees the write; with RF 1 every write fails (there is no second replica).
     */
    public static final String WRITE2READ1 = "write2read1";

    // Names go into CQL text (keyspace names cannot be bound): only plain identifiers are accepted.
    private static final Pattern KEYSPACE = Pattern.compile("[a-z][a-z0-9_]{0,47}");
    private static final Pattern DC = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    public CassandraFeedConfig {
        contactPoints = List.copyOf(contactPoints);
        if (contactPoints.isEmpty()) {
            throw new IllegalArgumentException("at least one contact point is needed");
        }
        if (!KEYSPACE.matcher(keyspace).matches()) {
            throw new IllegalArgumentException("keyspace must be a lower-case identifier: " + keyspace);
        }
        if (!DC.matcher(localDc).matches()) {
            throw new IllegalArgumentException("bad data center name: " + localDc);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replication factor must be positive");
        }
        if (write == null || read == null) {
            throw new IllegalArgumentException("write and read consistency levels are required");
        }
    }

    /** The default profile: LOCAL_QUORUM writes, LOCAL_ONE reads. */
    public static CassandraFeedConfig of(List<InetSocketAddress> contactPoints, String localDc, String keyspace,
                                         int replicationFactor) {
        return new CassandraFeedConfig(contactPoints, localDc, keyspace, replicationFactor,
                DefaultConsistencyLevel.LOCAL_QUORUM, DefaultConsistencyLevel.LOCAL_ONE);
    }

    /** A region's Cassandra section of the topology file. */
    public static CassandraFeedConfig from(Topology.CassandraConfig c) {
        return new CassandraFeedConfig(c.contactPoints().stream().map(Topology.HostPort::address).toList(),
                c.localDc(), c.keyspace(), c.replicationFactor(), level(c.writeConsistency()),
                level(c.readConsistency()));
    }

    /** The same cluster with the levels of a named profile: {@value #DEFAULT_PROFILE} or {@value #WRITE2READ1}. */
    public CassandraFeedConfig withProfile(String profile) {
        return switch (profile) {
            case DEFAULT_PROFILE -> withConsistency(DefaultConsistencyLevel.LOCAL_QUORUM,
                    DefaultConsistencyLevel.LOCAL_ONE);
            case WRITE2READ1 -> withConsistency(DefaultConsistencyLevel.TWO, DefaultConsistencyLevel.ONE);
            default -> throw new IllegalArgumentException("unknown consistency profile '" + profile + "' (expected "
                    + DEFAULT_PROFILE + " or " + WRITE2READ1 + ")");
        };
    }

    public CassandraFeedConfig withConsistency(ConsistencyLevel write, ConsistencyLevel read) {
        return new CassandraFeedConfig(contactPoints, localDc, keyspace, replicationFactor, write, read);
    }

    public CassandraFeedConfig withKeyspace(String keyspace) {
        return new CassandraFeedConfig(contactPoints, localDc, keyspace, replicationFactor, write, read);
    }

    private static ConsistencyLevel level(String name) {
        return DefaultConsistencyLevel.valueOf(name.toUpperCase(Locale.ROOT));
    }
}
