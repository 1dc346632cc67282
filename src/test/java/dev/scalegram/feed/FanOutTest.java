package dev.scalegram.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.Page;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.server.Scalegram;
import dev.scalegram.server.ServeOptions;
import dev.scalegram.testing.TestPostgres;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fan-out of an audience bigger than one task covers: the first task hands its cursor to a continuation, and so on,
 * until every follower has the post — and unfanning takes it out of every feed again the same way.
 */
class FanOutTest {

    @Test
    void anAudienceLargerThanOneTaskReachesEveryFollowerThroughContinuations() {
        int batch = 2;
        int followers = FanOut.BATCHES_PER_TASK * batch * 2 + 5; // three tasks' worth
        Topology t = TestPostgres.topology(8).withFeed(new Topology.FeedConfig(100_000, 800, batch));
        try (Scalegram app = Scalegram.start(new ServeOptions(t, TestPostgres.dir("fanout"), 0))) {
            Graph graph = app.graph();
            long author = graph.write(0, tx -> tx.nextId());
            List<Long> readers = new ArrayList<>();
            for (int i = 0; i < followers; i++) {
                long reader = graph.write(i % 8, tx -> tx.nextId());
                readers.add(reader);
                graph.write(ScalegramId.shard(author), tx -> tx.assocAdd(author, Relation.FOLLOWED_BY, reader));
            }
            long status = graph.write(ScalegramId.shard(author), tx -> {
                long id = tx.nextId();
                tx.enqueue(FanOut.FANOUT, new FanOut.Post(id, author));
                return id;
            });
            assertTrue(app.awaitTasks(60_000), "fan-out finished");
            for (long reader : readers) {
                assertEquals(List.of(status), statusIds(app.feeds(), reader), "reader " + reader + " has the post");
            }

            graph.write(ScalegramId.shard(author), tx -> {
                tx.enqueue(FanOut.UNFANOUT, new FanOut.Post(status, author));
                return null;
            });
            assertTrue(app.awaitTasks(60_000), "unfan-out finished");
            for (long reader : readers) {
                assertEquals(List.of(), statusIds(app.feeds(), reader), "reader " + reader + " lost the post");
            }
        }
    }

    private static List<Long> statusIds(FeedStore feeds, long reader) {
        return feeds.page(reader, Page.newest(10)).stream().map(FeedItem::statusId).toList();
    }
}
