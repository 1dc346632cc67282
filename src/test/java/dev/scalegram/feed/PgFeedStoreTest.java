package dev.scalegram.feed;

import dev.scalegram.config.Topology;
import dev.scalegram.shards.ShardMap;
import dev.scalegram.shards.ShardMigrations;
import dev.scalegram.shards.Shards;
import dev.scalegram.testing.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The feed contract on PostgreSQL shards (embedded mode). */
class PgFeedStoreTest extends FeedStoreContract {

    private static Shards shards;

    @BeforeAll
    static void migrate() {
        shards = newShards();
    }

    @AfterAll
    static void close() {
        shards.close();
    }

    /** {@link TestIds#SHARDS} logical shards, migrated, in a new database of the test server. */
    static Shards newShards() {
        Topology topology = TestPostgres.topology(TestIds.SHARDS);
        Shards s = new Shards(ShardMap.from(topology), topology.postgres().servers(), new SimpleMeterRegistry());
        ShardMigrations.migrateAll(s);
        return s;
    }

    @Override
    protected FeedStore store(int cap) {
        return new PgFeedStore(shards, cap);
    }
}
