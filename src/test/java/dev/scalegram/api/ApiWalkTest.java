package dev.scalegram.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.server.Scalegram;
import dev.scalegram.server.ServeOptions;
import dev.scalegram.testing.ApiClient;
import dev.scalegram.testing.ApiClient.App;
import dev.scalegram.testing.ApiClient.User;
import dev.scalegram.testing.TestPostgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The walk ({@link ApiWalk}) against one Scalegram process on a real PostgreSQL with in-process tasks, plus the
 * celebrity (hybrid pull) walk, which needs a deployment with a low fan-out threshold of its own.
 */
class ApiWalkTest extends ApiWalk {

    @Override
    protected Deployment deploy(Path dir) {
        Scalegram app = Scalegram.start(new ServeOptions(TestPostgres.topology(16), dir, 0));
        ApiClient client = ApiClient.local(app.port());
        return new Deployment() {
            @Override
            public ApiClient api() {
                return client;
            }

            @Override
            public void awaitTasks() {
                assertTrue(app.awaitTasks(10_000), "async tasks did not drain in 10s");
            }

            @Override
            public void close() {
                app.close();
            }
        };
    }

    @Test
    @Order(210)
    void celebrityPostsArePulledIntoFollowersHomes(@TempDir Path celebDir) {
        Topology t = TestPostgres.topology(16).withFeed(new Topology.FeedConfig(2, 800, 1000));
        try (Scalegram celebApp = Scalegram.start(new ServeOptions(t, celebDir, 0))) {
            ApiClient c = ApiClient.local(celebApp.port());
            App a = c.createApp("celebrity");
            String appToken = c.appToken(a);
            User star = c.register(appToken, "star");
            User nora = c.register(appToken, "nora");
            List<User> fans = List.of(c.register(appToken, "fan1"), c.register(appToken, "fan2"),
                    c.register(appToken, "fan3"));
            for (User f : fans) {
                follow(c, f, star);
            }
            follow(c, fans.getFirst(), nora); // nora stays under the threshold: her posts are fanned out
            assertTrue(celebApp.awaitTasks(10_000), "tasks drained");

            List<String> starPosts = new ArrayList<>();
            List<String> noraPosts = new ArrayList<>();
            starPosts.add(post(c, star, "star-post-1 #shine", List.of()));
            noraPosts.add(post(c, nora, "nora-post-1", List.of()));
            starPosts.add(post(c, star, "star-post-2", List.of()));
            noraPosts.add(post(c, nora, "nora-post-2", List.of()));
            starPosts.add(post(c, star, "star-post-3", List.of()));
            assertTrue(celebApp.awaitTasks(10_000), "tasks drained");

            JsonNode acct = c.as(star.token()).get("/api/v1/accounts/" + star.id()).expect(200).json();
            assertEquals(3, acct.path("followers_count").asInt(-1), "star's followers: " + acct);

            assertEquals(newestFirst(starPosts, noraPosts), walk(c, fans.get(0), "/api/v1/timelines/home", 2),
                    "fan1 gets the star's (pulled) and nora's (pushed) posts merged newest first");
            for (User f : fans.subList(1, 3)) {
                assertEquals(newestFirst(starPosts), walk(c, f, "/api/v1/timelines/home", 2),
                        f.username() + " gets every post of the star");
            }
            assertEquals(newestFirst(starPosts), walk(c, star, "/api/v1/timelines/home", 40),
                    "the star sees their own posts");
            String mid = newestFirst(starPosts, noraPosts).get(2);
            assertEquals(newestFirst(starPosts, noraPosts).subList(0, 2),
                    c.as(fans.get(0).token()).get("/api/v1/timelines/home", "since_id", mid).expect(200).ids(),
                    "since_id over the merged timeline");

            // a deleted celebrity post leaves every home; an unfollow stops the pull
            c.as(star.token()).delete("/api/v1/statuses/" + starPosts.get(1)).expect(200);
            starPosts.remove(1);
            c.as(fans.get(2).token()).post("/api/v1/accounts/" + star.id() + "/unfollow").expect(200);
            assertTrue(celebApp.awaitTasks(10_000), "tasks drained");
            String late = post(c, star, "star-post-4 after the unfollow", List.of());
            starPosts.add(late);
            assertTrue(celebApp.awaitTasks(10_000), "tasks drained");
            assertEquals(newestFirst(starPosts, noraPosts), walk(c, fans.get(0), "/api/v1/timelines/home", 2),
                    "fan1 after the delete");
            assertEquals(newestFirst(starPosts), walk(c, fans.get(1), "/api/v1/timelines/home", 2),
                    "fan2 after the delete");
            List<String> fan3 = walk(c, fans.get(2), "/api/v1/timelines/home", 40);
            assertFalse(fan3.contains(late), "fan3 unfollowed: no new star posts: " + fan3);

            // an account that crosses the threshold while it has posts: nothing lost, nothing doubled
            User rising = c.register(appToken, "rising");
            follow(c, fans.get(1), rising);
            follow(c, fans.get(2), rising);
            assertTrue(celebApp.awaitTasks(10_000), "tasks drained");
            List<String> risingPosts = new ArrayList<>();
            risingPosts.add(post(c, rising, "rising-post-1 pushed", List.of()));
            risingPosts.add(post(c, rising, "rising-post-2 pushed", List.of()));
            assertTrue(celebApp.awaitTasks(10_000), "tasks drained");
            follow(c, fans.get(0), rising); // three followers: over the threshold of 2
            assertTrue(celebApp.awaitTasks(10_000), "tasks drained");
            risingPosts.add(post(c, rising, "rising-post-3 pulled", List.of()));
            assertTrue(celebApp.awaitTasks(10_000), "tasks drained");
            assertEquals(newestFirst(starPosts, risingPosts), walk(c, fans.get(1), "/api/v1/timelines/home", 2),
                    "fan2 sees rising's posts from before and after the threshold exactly once");
            List<String> fan3Home = walk(c, fans.get(2), "/api/v1/timelines/home", 2);
            assertTrue(fan3Home.containsAll(risingPosts), "fan3 sees all of rising's posts: " + fan3Home);
            List<String> fan1Home = walk(c, fans.get(0), "/api/v1/timelines/home", 2);
            assertTrue(fan1Home.containsAll(newestFirst(starPosts, noraPosts)), "fan1 keeps what it had: " + fan1Home);
            assertTrue(fan1Home.contains(risingPosts.get(2)), "fan1 gets rising's post after following: "
                    + fan1Home);
        }
    }
}
