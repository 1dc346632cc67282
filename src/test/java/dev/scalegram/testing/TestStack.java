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
    public final InProcessTransport transport;
    private TaskRelay relay;

    public TestStack(int logicalShards, Topology.TasksConfig tasks) {
        topology = TestPostgres.topology(logicalShards).withTasks(tasks);
        shards = new Shards(ShardMap.from(topology), topology.postgres().servers(), registry);
        ShardMigrations.migrateAll(shards);
        cache = new InProcessLeaseCache();
        graph = new Graph(shards, new ReadThrough(cache, CacheSettings.defaults(), new CacheMetrics(registry)));
        transport = new InProcessTransport().register(Graph.inverseTaskKind(), graph::applyInverse);
    }

    /** Starts a new relay (after a stop: as a restarted process would). */
    public TaskRelay startRelay() {
        relay = new TaskRelay(shards, transport, topology.tasks(), registry).start();
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
        transport.close();
        cache.close();
        shards.close();
    }
}
