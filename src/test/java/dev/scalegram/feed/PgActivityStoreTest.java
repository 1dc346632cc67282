package dev.scalegram.feed;

import dev.scalegram.shards.Shards;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The activity contract on PostgreSQL shards (embedded mode). */
class PgActivityStoreTest extends ActivityStoreContract {

    private static Shards shards;

    @BeforeAll
    static void migrate() {
        shards = PgFeedStoreTest.newShards();
    }

    @AfterAll
    static void close() {
        shards.close();
    }

    @Override
    protected ActivityStore store() {
        return new PgActivityStore(shards);
    }
}
