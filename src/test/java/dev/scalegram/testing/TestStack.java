package dev.scalegram.testing;

import dev.scalegram.cache.CacheMetrics;
import dev.scalegram.cache.CacheSettings;
import dev.scalegram.cache.InProcessLeaseCache;
import dev.scalegram.cache.ReadThrough;
import dev.scalegram.config.Topology;
import dev.scalegram.graph.Graph;
import dev.scalegram.shards.ShardMap;
import dev.scalegram.shards.ShardMigrations;
import dev.scalegram.shards.Shards;
import dev.scalegram.tasks.InProcessTransport;
import dev.scalegram.tasks.TaskRelay;
import dev.scalegram.tasks.TaskTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The storage half of a Scalegram process, without HTTP: real PostgreSQL shards, the in-process lease cache, the
 * graph, and an outbox relay that the test starts and stops itself (to play crashes).
 */
public final class TestStack implements AutoCloseable {

    public final Topology topology;
    public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    public final Shards shards;
    public final InProcessLeaseCache cache;
    public final Graph graph;
    /** The in-process transport, or null when the stack was built with another one. */
    public final InProcessTransport transport;
    /** What the relay delivers to: {@link #transport}, or the one given to the constructor. */
    public final TaskTransport taskTransport;
    private TaskRelay relay;

    public TestStack(int logicalShards, Topology.TasksConfig tasks) {
        this(logicalShards, tasks, null);
    }

    /**
     * With another transport for the relay (RabbitMQ, say), or null for the in-process one. The caller registers that
     * transport's handlers (its consumers need {@link #graph}); the stack closes it.
     */
    public TestStack(int logicalShards, Topology.TasksConfig tasks, TaskTransport relayTransport) {
        this(TestPostgres.topology(logicalShards).withTasks(tasks), relayTransport);
    }

    /** Over a topology of the test's own (several servers, say), migrated here; null means the in-process transport. */
    public TestStack(Topology topology, TaskTransport relayTransport) {
        this.topology = topology;
        shards = new Shards(ShardMap.from(topology), topology.postgres().servers(), registry);
        ShardMigrations.migrateAll(shards);
        cache = new InProcessLeaseCache();
        graph = new Graph(shards, new ReadThrough(cache, CacheSettings.defaults(), new CacheMetrics(registry)));
        transport = relayTransport != null ? null
                : new InProcessTransport().register(Graph.inverseTaskKind(), graph::applyInverse);
        taskTransport = relayTransport != null ? relayTransport : transport;
    }

    /** Starts a new relay (after a stop: as a restarted process would). */
    public TaskRelay startRelay() {
        relay = new TaskRelay(shards, taskTransport, topology.tasks(), registry).start();
        return relay;
    }

    /** Stops the relay as a crash would: whatever it has not delivered stays in the outbox. */
    public void stopRelay() {
        if (relay != null) {
            relay.close();
            relay = null;
        }
    }

    public TaskRelay relay() {
        return relay;
    }

    /** SQL statements sent to PostgreSQL so far: the way tests see whether a read touched the database. */
    public double statements() {
        return registry.find("scalegram.db.statements").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** Values loaded from the database by the read-through path so far. */
    public double cacheLoads() {
        return registry.find("scalegram.cache.loads").counter().count();
    }

    @Override
    public void close() {
        stopRelay();
        taskTransport.close();
        cache.close();
        shards.close();
    }
}
