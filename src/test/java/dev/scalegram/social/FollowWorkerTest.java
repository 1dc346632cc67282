package dev.scalegram.social;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.feed.FeedItem;
import dev.scalegram.feed.PgActivityStore;
import dev.scalegram.feed.PgFeedStore;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.Page;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.json.Json;
import dev.scalegram.tasks.Task;
import dev.scalegram.testing.TestStack;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The follow task must not trust the cache for whether the follow stands: the relay can deliver it between the
 * follow's commit and the writer's invalidation, while the cache still says "not following" (a profile page that
 * showed the Follow button has just read it). Played here by committing the edge without invalidating.
 */
class FollowWorkerTest {

    @Test
    void aFollowTaskThatRunsBeforeTheCacheIsInvalidatedStillBackfills() {
        try (TestStack s = new TestStack(4, Topology.TasksConfig.defaults())) {
            long ann = account(s, "ann");
            long ben = account(s, "ben");
            long post = s.graph.write(ScalegramId.shard(ann), tx -> {
                long id = tx.nextId();
                tx.objAdd(id, ObjectType.STATUS, new Status(ann, "hello", List.of(), 0, 0, List.of()));
                tx.assocAdd(ann, Relation.POSTED, id, id, null);
                return id;
            });
            assertEquals(false, s.graph.assocExists(ben, Relation.FOLLOWS, ann), "cached: not following");
            // The follow commits; its invalidation has not happened yet.
            s.shards.transaction(ScalegramId.shard(ben), (c, sql) -> {
                try (var ps = c.prepareStatement(
                        sql.of("INSERT INTO {s}.assocs (id1, type, id2, pos) VALUES (?, ?, ?, ?)"))) {
                    ps.setLong(1, ben);
                    ps.setShort(2, (short) Relation.FOLLOWS.code());
                    ps.setLong(3, ann);
                    ps.setLong(4, post);
                    ps.executeUpdate();
                }
                return null;
            });
            PgFeedStore feeds = new PgFeedStore(s.shards, 800);
            new FollowWorker(s.graph, feeds, new PgActivityStore(s.shards), Topology.FeedConfig.defaults())
                    .afterFollow(new Task(1, ScalegramId.shard(ben), Tasks.AFTER_FOLLOW,
                            Json.MAPPER.valueToTree(new Tasks.FollowRef(ben, ann)), 0, Instant.now()));
            List<FeedItem> home = feeds.page(ben, Page.newest(10));
            assertTrue(home.stream().anyMatch(i -> i.statusId() == post), "backfilled: " + home);
        }
    }

    private static long account(TestStack s, String name) {
        return new RegisterAccount(s.graph).register(name, name + "@example.com", "correct horse");
    }
}
