package dev.scalegram.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.server.Scalegram;
import dev.scalegram.server.ServeOptions;
import dev.scalegram.testing.ApiClient;
import dev.scalegram.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * GET /api/v1/timelines/public: everyone's recent posts, newest first, paged like every Mastodon timeline, without
 * comments or deleted posts, readable without a token.
 */
class PublicTimelineApiTest {

    static Scalegram app;
    static ApiClient api;

    @BeforeAll
    static void start() throws Exception {
        Path build = Files.createDirectories(Path.of(System.getProperty("scalegram.test.dir", "target")));
        Path dir = Files.createTempDirectory(build, "public-test");
        app = Scalegram.start(new ServeOptions(TestPostgres.topology(8), dir.toAbsolutePath(), 0));
        api = ApiClient.local(app.port());
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void recentPostsOfEveryoneNewestFirstPagedWithoutCommentsOrDeletedPosts() {
        String appToken = api.appToken(api.createApp("public-test"));
        assertEquals(0, api.get("/api/v1/timelines/public").expect(200).json().size(), "nothing posted yet");
        List<ApiClient.User> people = List.of(api.register(appToken, "pia"), api.register(appToken, "quin"),
                api.register(appToken, "rob"));
        List<String> posted = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            ApiClient.User u = people.get(i % 3);
            posted.add(api.as(u.token()).postJson("/api/v1/statuses", ApiClient.obj("status", "post " + i))
                    .expect(200).json().path("id").asString());
        }
        String first = posted.getFirst();
        api.as(people.get(1).token()).postJson("/api/v1/statuses", ApiClient.obj("status", "a comment",
                "in_reply_to_id", first)).expect(200);
        String gone = posted.remove(4);
        api.as(people.get(1).token()).delete("/api/v1/statuses/" + gone).expect(200);
        assertTrue(app.awaitTasks(10_000));

        List<String> newestFirst = posted.reversed();
        ApiClient.Response page1 = api.get("/api/v1/timelines/public", "limit", "5").expect(200);
        assertEquals(newestFirst.subList(0, 5), ids(page1.json()));
        ApiClient.Response page2 = api.get(page1.links().get("next")).expect(200);
        assertEquals(newestFirst.subList(5, 8), ids(page2.json()));
        assertEquals("pia", page2.json().path(2).path("account").path("username").asString());
        List<String> newer = ids(api.get("/api/v1/timelines/public", "min_id", newestFirst.get(3)).expect(200).json());
        assertEquals(newestFirst.subList(0, 3), newer);

        // A viewer's token adds their own marks; the list is the same.
        ApiClient.User pia = people.getFirst();
        api.as(pia.token()).post("/api/v1/statuses/" + newestFirst.getFirst() + "/favourite").expect(200);
        JsonNode mine = api.as(pia.token()).get("/api/v1/timelines/public", "limit", "1").expect(200).json();
        assertTrue(mine.path(0).path("favourited").asBoolean());
        assertFalse(api.get("/api/v1/timelines/public", "limit", "1").expect(200).json().path(0).path("favourited")
                .asBoolean());
    }

    private static List<String> ids(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(s -> out.add(s.path("id").asString()));
        return out;
    }
}
