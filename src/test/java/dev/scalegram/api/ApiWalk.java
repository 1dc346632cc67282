package dev.scalegram.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.scalegram.testing.ApiClient;
import dev.scalegram.testing.ApiClient.App;
import dev.scalegram.testing.ApiClient.Part;
import dev.scalegram.testing.ApiClient.Response;
import dev.scalegram.testing.ApiClient.User;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The issue's walk over real HTTP against a running deployment: register, follow, post, read home timelines page by
 * page through {@code Link} headers, favourite, comment, bookmark, tag timelines, notifications, unfollow, delete.
 * {@link ApiWalkTest} runs it against one process; {@code dev.scalegram.server.ClusterTest} against a whole cluster,
 * its requests alternating between two app servers.
 *
 * <p>The methods run in order and share the state built in {@link #start}; each method keeps the expected model
 * ({@link #alicePosts}, {@link #bobPosts}, {@link #carolPosts}, {@link #tagged}) in step with what it changes,
 * so every timeline check compares against the exact expected list. One instance runs the whole walk
 * ({@code PER_CLASS}), so the model is per deployment.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class ApiWalk {

    /** What the walk runs against. */
    protected interface Deployment extends AutoCloseable {
        /** A client of the deployment's API (it may spread requests over several servers). */
        ApiClient api();

        /** Waits until the asynchronous work (fan-out, inverse edges, notifications) caused so far has run. */
        void awaitTasks();

        @Override
        void close();
    }

    private static final int ALICE_POSTS = 25;

    protected Deployment deployment;
    protected ApiClient api;
    protected App oauthApp;
    protected User alice;
    protected User bob;
    protected User carol;

    /** Alice's posts, index i = "alice-post-(i+1)"; removed from when deleted. */
    protected final List<String> alicePosts = new ArrayList<>();
    protected final List<String> bobPosts = new ArrayList<>();
    protected final List<String> carolPosts = new ArrayList<>();
    /** Top-level statuses by hashtag (lower case, no '#'). */
    protected final Map<String, Set<String>> tagged = new LinkedHashMap<>();

    /** Alice's post that gets favourites and comments. */
    String favTarget;
    /** Alice's post that carol bookmarks and alice later deletes (tagged #sunset). */
    String deleteTarget;
    String bobComment;
    String carolComment;
    String carolNested;
    String bobMediaId;
    String bobMediaStatus;

    /** Starts what the walk runs against; {@code dir} is a fresh directory for its files. */
    protected abstract Deployment deploy(Path dir);

    @BeforeAll
    @Timeout(value = 5, unit = TimeUnit.MINUTES) // a cluster deployment starts a dozen processes
    protected final void start(@TempDir Path dir) {
        deployment = deploy(dir);
        api = deployment.api();

        oauthApp = api.createApp("walk");
        String appToken = api.appToken(oauthApp);
        alice = api.register(appToken, "alice");
        bob = api.register(appToken, "bob");
        carol = api.register(appToken, "carol");

        follow(bob, alice);
        follow(carol, alice);
        follow(carol, bob);

        for (int i = 1; i <= ALICE_POSTS; i++) {
            List<String> tags = new ArrayList<>();
            if (i % 3 == 0) {
                tags.add("sunset");
            }
            if (i % 5 == 0) {
                tags.add("coffee");
            }
            String id = post(alice, String.format("alice-post-%02d about the day", i), tags);
            alicePosts.add(id);
            if (i == 4) { // interleave bob's and carol's posts among alice's so the merge order matters
                bobPosts.add(post(bob, "bob-post-1 hello", List.of()));
                carolPosts.add(post(carol, "carol-post-1 hi", List.of()));
            }
            if (i == 12) {
                bobPosts.add(post(bob, "bob-post-2 evening", List.of("sunset")));
            }
            if (i == 20) {
                bobPosts.add(post(bob, "bob-post-3 coffee time", List.of("Coffee")));
                carolPosts.add(post(carol, "carol-post-2 later", List.of()));
            }
        }
        bobPosts.add(post(bob, "bob-post-4 the end", List.of()));

        favTarget = alicePosts.get(0);
        deleteTarget = alicePosts.get(2);
        awaitTasks();
    }

    @AfterAll
    protected final void stop() {
        if (deployment != null) {
            deployment.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ the walk

    @Test
    @Order(10)
    protected void healthAndInstance() {
        api.get("/health").expect(200);
        Response v1 = api.get("/api/v1/instance").expect(200);
        assertTrue(v1.json().isObject(), v1.toString());
        assertFalse(v1.json().path("uri").asString("").isEmpty(), "v1 instance has a uri: " + v1);
        Response v2 = api.get("/api/v2/instance").expect(200);
        assertFalse(v2.json().path("domain").asString("").isEmpty(), "v2 instance has a domain: " + v2);
        JsonNode statuses = v2.json().path("configuration").path("statuses");
        assertEquals(500, statuses.path("max_characters").asInt(-1), "max_characters: " + v2);
        assertEquals(10, statuses.path("max_media_attachments").asInt(-1), "max_media_attachments: " + v2);
    }

    @Test
    @Order(15)
    protected void oauthEntityShapes() {
        Response app = api.postJson("/api/v1/apps", ApiClient.obj("client_name", "shapes",
                "redirect_uris", ApiClient.REDIRECT_OOB, "scopes", "read write", "website", "https://example.test"))
                .expect(200);
        JsonNode a = app.json();
        assertEquals("shapes", a.path("name").asString(""), "Application name: " + app);
        assertFalse(a.path("client_id").asString("").isEmpty(), "client_id: " + app);
        assertFalse(a.path("client_secret").asString("").isEmpty(), "client_secret: " + app);
        assertEquals(ApiClient.REDIRECT_OOB, a.path("redirect_uri").asString(""), "redirect_uri: " + app);

        Response token = api.postForm("/oauth/token", "grant_type", "client_credentials",
                "client_id", a.path("client_id").asString(""), "client_secret", a.path("client_secret").asString(""),
                "scope", "read write").expect(200);
        assertEquals("Bearer", token.json().path("token_type").asString(""), "token_type: " + token);
        assertEquals(Set.of("read", "write"), Set.of(token.json().path("scope").asString("").split(" ")),
                "scope: " + token);
        assertTrue(token.json().path("created_at").isNumber(), "created_at is a number: " + token);

        Response reg = api.as(token.json().path("access_token").asString("")).postJson("/api/v1/accounts",
                ApiClient.obj("username", "frank", "email", "frank@example.test", "password", "frank-password-1",
                        "agreement", true, "locale", "en")).expect(200);
        assertFalse(reg.json().path("access_token").asString("").isEmpty(), "access_token: " + reg);
        assertEquals("Bearer", reg.json().path("token_type").asString(""), "token_type: " + reg);
        assertTrue(reg.json().path("created_at").isNumber(), "created_at is a number: " + reg);
        JsonNode frank = api.as(reg.json().path("access_token").asString(""))
                .get("/api/v1/accounts/verify_credentials").expect(200).json();
        assertEquals("frank", frank.path("username").asString(""));
        assertEquals(0, frank.path("statuses_count").asInt(-1));

        String pw = api.passwordToken(oauthApp, "frank", "frank-password-1", "read");
        assertEquals(frank.path("id").asString(""), api.as(pw).get("/api/v1/accounts/verify_credentials")
                .expect(200).json().path("id").asString(""), "password grant by username");
    }

    @Test
    @Order(20)
    protected void accountsAreRegisteredAndFindable() {
        Set<String> ids = Set.of(alice.id(), bob.id(), carol.id());
        assertEquals(3, ids.size(), "three distinct account ids");
        for (User u : List.of(alice, bob, carol)) {
            JsonNode me = api.as(u.token()).get("/api/v1/accounts/verify_credentials").expect(200).json();
            assertEquals(u.id(), me.path("id").stringValue());
            assertEquals(u.username(), me.path("username").asString(""));
            assertEquals(u.username(), me.path("acct").asString(""), "local acct is the bare username");

            JsonNode byId = api.as(carol.token()).get("/api/v1/accounts/" + u.id()).expect(200).json();
            assertEquals(u.id(), byId.path("id").stringValue());
            assertEquals(u.username(), byId.path("username").asString(""));

            JsonNode lookup = api.as(carol.token()).get("/api/v1/accounts/lookup", "acct", u.username())
                    .expect(200).json();
            assertEquals(u.id(), lookup.path("id").stringValue());
        }
        assertEquals(alice.id(), api.as(carol.token()).get("/api/v1/accounts/lookup", "acct", "ALICE").expect(200)
                .json().path("id").asString(""), "lookup ignores case");
        Response missing = api.as(carol.token()).get("/api/v1/accounts/lookup", "acct", "nobody-here");
        assertError(missing, 404);
    }

    @Test
    @Order(30)
    protected void statusEntityShape() {
        String tagged3 = alicePosts.get(2); // "alice-post-03 ... #sunset"
        JsonNode s = api.as(bob.token()).get("/api/v1/statuses/" + tagged3).expect(200).json();
        assertEquals(tagged3, s.path("id").stringValue());
        assertEquals(alice.id(), s.path("account").path("id").stringValue());
        assertEquals("alice", s.path("account").path("username").asString(""));
        assertTrue(s.path("content").asString("").contains("alice-post-03"), "content: " + s);
        assertFalse(s.path("created_at").asString("").isEmpty(), "created_at: " + s);
        assertTrue(s.path("in_reply_to_id").isNull() || s.path("in_reply_to_id").isMissingNode(),
                "a post is not a reply: " + s);
        assertEquals(0, s.path("favourites_count").asInt(-1));
        assertEquals(0, s.path("replies_count").asInt(-1));
        assertFalse(s.path("favourited").asBoolean(true), "not favourited yet: " + s);
        assertFalse(s.path("bookmarked").asBoolean(true), "not bookmarked yet: " + s);
        assertTrue(s.path("media_attachments").isArray(), "media_attachments is an array: " + s);
        Set<String> tagNames = new HashSet<>();
        for (JsonNode tag : s.path("tags")) {
            tagNames.add(tag.path("name").asString("").toLowerCase());
        }
        assertEquals(Set.of("sunset"), tagNames, "tags of a #sunset post: " + s);
    }

    @Test
    @Order(40)
    protected void mediaAttachmentsRoundTrip() {
        Response up = api.as(bob.token()).postMultipart("/api/v2/media",
                List.of(Part.file("file", "dot.png", "image/png", png()), Part.field("description", "a dot")));
        assertTrue(up.status() == 200 || up.status() == 202, "media upload: " + up);
        bobMediaId = up.json().path("id").asString("");
        assertFalse(bobMediaId.isEmpty(), "media id: " + up);
        assertEquals("image", up.json().path("type").asString(""), "type: " + up);

        JsonNode got = api.as(bob.token()).get("/api/v1/media/" + bobMediaId).expect(200).json();
        assertEquals(bobMediaId, got.path("id").stringValue());
        assertFalse(got.path("url").asString("").isEmpty(), "media url once processed: " + got);
        assertError(api.as(carol.token()).get("/api/v1/media/" + bobMediaId), 404);

        Response r = api.as(bob.token()).postJson("/api/v1/statuses",
                ApiClient.obj("status", "bob-post-5 with a picture", "media_ids", List.of(bobMediaId))).expect(200);
        JsonNode media = r.json().path("media_attachments");
        assertEquals(1, media.size(), "one attachment: " + r);
        assertEquals(bobMediaId, media.get(0).path("id").stringValue());
        bobMediaStatus = r.json().path("id").stringValue();
        bobPosts.add(bobMediaStatus);
        awaitTasks();

        JsonNode seen = api.as(carol.token()).get("/api/v1/statuses/" + bobMediaStatus).expect(200).json();
        assertEquals(bobMediaId, seen.path("media_attachments").path(0).path("id").asString(""));
    }

    @Test
    @Order(50)
    protected void exactCounts() {
        assertCounts(alice, 2, 0, ALICE_POSTS);
        assertCounts(bob, 1, 1, bobPosts.size());
        assertCounts(carol, 0, 2, carolPosts.size());
    }

    @Test
    @Order(60)
    protected void followersAndFollowingLists() {
        ApiClient c = api.as(carol.token());
        assertEquals(Set.of(bob.id(), carol.id()),
                Set.copyOf(c.get("/api/v1/accounts/" + alice.id() + "/followers").expect(200).ids()));
        assertEquals(Set.of(), Set.copyOf(c.get("/api/v1/accounts/" + alice.id() + "/following").expect(200).ids()));
        assertEquals(Set.of(carol.id()),
                Set.copyOf(c.get("/api/v1/accounts/" + bob.id() + "/followers").expect(200).ids()));
        assertEquals(Set.of(alice.id()),
                Set.copyOf(c.get("/api/v1/accounts/" + bob.id() + "/following").expect(200).ids()));
        assertEquals(Set.of(alice.id(), bob.id()),
                Set.copyOf(c.get("/api/v1/accounts/" + carol.id() + "/following").expect(200).ids()));
        assertEquals(Set.of(), Set.copyOf(c.get("/api/v1/accounts/" + carol.id() + "/followers").expect(200).ids()));

        // paged one by one through Link rel="next"
        assertEquals(Set.of(bob.id(), carol.id()),
                Set.copyOf(walkAny(api, carol, "/api/v1/accounts/" + alice.id() + "/followers", 1)));
        assertEquals(Set.of(alice.id(), bob.id()),
                Set.copyOf(walkAny(api, alice, "/api/v1/accounts/" + carol.id() + "/following", 1)));
    }

    @Test
    @Order(70)
    protected void relationships() {
        Map<String, JsonNode> carolView = relationships(carol, alice.id(), bob.id());
        assertRelationship(carolView.get(alice.id()), true, false);
        assertRelationship(carolView.get(bob.id()), true, false);

        Map<String, JsonNode> aliceView = relationships(alice, bob.id(), carol.id());
        assertRelationship(aliceView.get(bob.id()), false, true);
        assertRelationship(aliceView.get(carol.id()), false, true);

        Map<String, JsonNode> bobView = relationships(bob, alice.id(), carol.id());
        assertRelationship(bobView.get(alice.id()), true, false);
        assertRelationship(bobView.get(carol.id()), false, true);
    }

    @Test
    @Order(80)
    protected void homeTimelinesPagedByLinkNext() {
        assertEquals(newestFirst(alicePosts), walk(alice, "/api/v1/timelines/home", 10), "alice's home");
        assertEquals(newestFirst(alicePosts, bobPosts), walk(bob, "/api/v1/timelines/home", 10), "bob's home");
        assertEquals(newestFirst(alicePosts, bobPosts, carolPosts), walk(carol, "/api/v1/timelines/home", 10),
                "carol's home");
    }

    @Test
    @Order(90)
    protected void homeDefaultLimitIsTwenty() {
        List<String> expected = newestFirst(alicePosts, bobPosts, carolPosts);
        assertTrue(expected.size() > 20);
        Response r = api.as(carol.token()).get("/api/v1/timelines/home").expect(200);
        assertEquals(expected.subList(0, 20), r.ids(), "default page is the newest 20");
        assertTrue(r.next().isPresent(), "a full first page links to the next: " + r.headers().map());
    }

    @Test
    @Order(100)
    protected void sinceIdMinIdAndMaxId() {
        List<String> expected = newestFirst(alicePosts, bobPosts, carolPosts);
        ApiClient c = api.as(carol.token());
        String cut = expected.get(15); // 15 statuses are newer than this one

        assertEquals(expected.subList(0, 15), c.get("/api/v1/timelines/home", "since_id", cut).expect(200).ids(),
                "since_id: everything newer");
        assertEquals(expected.subList(0, 5),
                c.get("/api/v1/timelines/home", "since_id", cut, "limit", "5").expect(200).ids(),
                "since_id with limit: the newest of the newer ones");
        assertEquals(expected.subList(0, 15), c.get("/api/v1/timelines/home", "min_id", cut).expect(200).ids(),
                "min_id: everything newer");
        assertEquals(expected.subList(10, 15),
                c.get("/api/v1/timelines/home", "min_id", cut, "limit", "5").expect(200).ids(),
                "min_id with limit: the ones immediately newer, newest first");
        assertEquals(expected.subList(16, 21),
                c.get("/api/v1/timelines/home", "max_id", cut, "limit", "5").expect(200).ids(),
                "max_id: strictly older");
        assertEquals(expected.subList(3, 15),
                c.get("/api/v1/timelines/home", "max_id", expected.get(2), "since_id", cut).expect(200).ids(),
                "max_id and since_id together: the window between them");
        assertEquals(List.of(), c.get("/api/v1/timelines/home", "since_id", expected.get(0)).expect(200).ids(),
                "nothing is newer than the newest");
    }

    @Test
    @Order(110)
    protected void tagTimelines() {
        assertEquals(newestFirst(tagged.get("sunset")), walk(carol, "/api/v1/timelines/tag/sunset", 4),
                "#sunset");
        assertEquals(newestFirst(tagged.get("coffee")), walk(carol, "/api/v1/timelines/tag/coffee", 40),
                "#coffee (bob wrote #Coffee)");
        assertEquals(List.of(), api.as(carol.token()).get("/api/v1/timelines/tag/nosuchtag").expect(200).ids());

        List<String> sunset = newestFirst(tagged.get("sunset"));
        ApiClient c = api.as(carol.token());
        assertEquals(sunset.subList(0, 5), c.get("/api/v1/timelines/tag/sunset", "since_id", sunset.get(5))
                .expect(200).ids(), "#sunset since_id");
        assertEquals(sunset.subList(3, 5), c.get("/api/v1/timelines/tag/sunset", "min_id", sunset.get(5),
                "limit", "2").expect(200).ids(), "#sunset min_id");
        assertEquals(sunset.subList(6, sunset.size()), c.get("/api/v1/timelines/tag/sunset", "max_id",
                sunset.get(5)).expect(200).ids(), "#sunset max_id");
    }

    @Test
    @Order(120)
    protected void accountStatuses() {
        assertEquals(newestFirst(alicePosts), walk(carol, "/api/v1/accounts/" + alice.id() + "/statuses", 10));
        assertEquals(newestFirst(bobPosts), walk(alice, "/api/v1/accounts/" + bob.id() + "/statuses", 40));

        List<String> mine = newestFirst(alicePosts);
        ApiClient c = api.as(bob.token());
        String path = "/api/v1/accounts/" + alice.id() + "/statuses";
        assertEquals(mine.subList(0, 10), c.get(path, "since_id", mine.get(10)).expect(200).ids(), "since_id");
        assertEquals(mine.subList(7, 10), c.get(path, "min_id", mine.get(10), "limit", "3").expect(200).ids(),
                "min_id");
        assertEquals(mine.subList(11, 14), c.get(path, "max_id", mine.get(10), "limit", "3").expect(200).ids(),
                "max_id");
    }

    @Test
    @Order(125)
    protected void pageSizeDefaultsToTwentyAndIsCappedAtForty() {
        User erin = api.register(api.appToken(oauthApp), "erin");
        List<String> erins = new ArrayList<>();
        for (int i = 1; i <= 45; i++) {
            erins.add(post(api, erin, "erin-post-" + i + " #flood", List.of()));
        }
        awaitTasks();
        List<String> expected = newestFirst(erins);
        ApiClient c = api.as(carol.token());
        String path = "/api/v1/accounts/" + erin.id() + "/statuses";
        assertEquals(expected.subList(0, 20), c.get(path).expect(200).ids(), "default limit 20");
        assertEquals(expected.subList(0, 40), c.get(path, "limit", "100").expect(200).ids(), "limit capped at 40");
        assertEquals(expected.subList(0, 40), c.get("/api/v1/timelines/tag/flood", "limit", "100").expect(200).ids(),
                "tag timeline limit capped at 40");
        assertEquals(expected.subList(0, 20), c.get("/api/v1/timelines/tag/flood").expect(200).ids(),
                "tag timeline default limit 20");
        assertEquals(expected, walk(carol, path, 40), "all 45 over two pages");
        assertEquals(expected, walk(erin, "/api/v1/timelines/home", 40), "erin's own home: all 45");
        assertEquals(expected.subList(0, 40), api.as(erin.token()).get("/api/v1/timelines/home", "limit", "41")
                .expect(200).ids(), "home limit capped at 40");
    }

    @Test
    @Order(130)
    protected void favourites() {
        JsonNode byBob = api.as(bob.token()).post("/api/v1/statuses/" + favTarget + "/favourite").expect(200).json();
        assertEquals(favTarget, byBob.path("id").stringValue());
        assertTrue(byBob.path("favourited").asBoolean(false), "favourited for bob: " + byBob);
        assertEquals(1, byBob.path("favourites_count").asInt(-1), "count after bob: " + byBob);

        JsonNode byCarol = api.as(carol.token()).post("/api/v1/statuses/" + favTarget + "/favourite").expect(200)
                .json();
        assertTrue(byCarol.path("favourited").asBoolean(false));
        assertEquals(2, byCarol.path("favourites_count").asInt(-1), "count after carol: " + byCarol);

        JsonNode again = api.as(bob.token()).post("/api/v1/statuses/" + favTarget + "/favourite").expect(200).json();
        assertEquals(2, again.path("favourites_count").asInt(-1), "favouriting twice counts once: " + again);
        awaitTasks();

        assertStatusFlags(bob, favTarget, true, 2);
        assertStatusFlags(carol, favTarget, true, 2);
        assertStatusFlags(alice, favTarget, false, 2);
        assertStatusFlags(alice, alicePosts.get(1), false, 0);

        assertEquals(Set.of(bob.id(), carol.id()), Set.copyOf(api.as(alice.token())
                .get("/api/v1/statuses/" + favTarget + "/favourited_by").expect(200).ids()));
        assertEquals(List.of(), api.as(alice.token())
                .get("/api/v1/statuses/" + alicePosts.get(1) + "/favourited_by").expect(200).ids());
        assertEquals(Set.of(bob.id(), carol.id()),
                Set.copyOf(walkAny(api, alice, "/api/v1/statuses/" + favTarget + "/favourited_by", 1)),
                "favourited_by paged by Link rel=next");

        // the flag travels with the status in timelines too
        JsonNode inHome = findIn(api.as(bob.token()).get("/api/v1/timelines/home", "limit", "40").expect(200).json(),
                favTarget);
        assertNotNull(inHome, "fav target is in bob's home");
        assertTrue(inHome.path("favourited").asBoolean(false), "favourited in bob's home: " + inHome);
        assertEquals(2, inHome.path("favourites_count").asInt(-1));
        JsonNode inAccount = findIn(api.as(bob.token()).get("/api/v1/accounts/" + alice.id() + "/statuses",
                "max_id", alicePosts.get(1)).expect(200).json(), favTarget);
        assertNotNull(inAccount, "fav target in alice's statuses");
        assertTrue(inAccount.path("favourited").asBoolean(false), "favourited in alice's statuses: " + inAccount);
        JsonNode inAliceHome = findIn(api.as(alice.token()).get("/api/v1/timelines/home", "limit", "40").expect(200)
                .json(), favTarget);
        assertNotNull(inAliceHome, "fav target in alice's home");
        assertFalse(inAliceHome.path("favourited").asBoolean(true), "not favourited by alice: " + inAliceHome);
    }

    @Test
    @Order(140)
    protected void commentsAndContext() {
        Response b = api.as(bob.token()).postJson("/api/v1/statuses",
                ApiClient.obj("status", "bob-comment nice one", "in_reply_to_id", favTarget)).expect(200);
        bobComment = b.json().path("id").stringValue();
        assertEquals(favTarget, b.json().path("in_reply_to_id").asString(""), "reply points at its post: " + b);
        assertEquals(alice.id(), b.json().path("in_reply_to_account_id").asString(""), "reply to alice: " + b);

        Response c = api.as(carol.token()).postJson("/api/v1/statuses",
                ApiClient.obj("status", "carol-comment agreed", "in_reply_to_id", favTarget)).expect(200);
        carolComment = c.json().path("id").stringValue();
        awaitTasks();

        JsonNode target = api.as(alice.token()).get("/api/v1/statuses/" + favTarget).expect(200).json();
        assertEquals(2, target.path("replies_count").asInt(-1), "replies_count: " + target);

        JsonNode ctx = api.as(alice.token()).get("/api/v1/statuses/" + favTarget + "/context").expect(200).json();
        assertEquals(List.of(), ids(ctx.path("ancestors")), "a post has no ancestors: " + ctx);
        assertEquals(List.of(bobComment, carolComment), ids(ctx.path("descendants")), "descendants: " + ctx);

        JsonNode ctxOfComment = api.as(carol.token()).get("/api/v1/statuses/" + bobComment + "/context").expect(200)
                .json();
        assertEquals(List.of(favTarget), ids(ctxOfComment.path("ancestors")), "ancestors: " + ctxOfComment);
        assertEquals(List.of(), ids(ctxOfComment.path("descendants")), "descendants: " + ctxOfComment);

        // comments are statuses but not posts: not in home timelines, not in statuses_count
        for (User u : List.of(alice, bob, carol)) {
            List<String> home = api.as(u.token()).get("/api/v1/timelines/home", "limit", "40").expect(200).ids();
            assertFalse(home.contains(bobComment) || home.contains(carolComment),
                    u.username() + "'s home has no comments: " + home);
        }
        assertCounts(bob, 1, 1, bobPosts.size());
        assertCounts(carol, 0, 2, carolPosts.size());
    }

    @Test
    @Order(150)
    protected void notifications() {
        List<String> aliceGot = notifications(alice);
        List<String> expected = new ArrayList<>(List.of(
                "follow " + bob.id() + " -",
                "follow " + carol.id() + " -",
                "favourite " + bob.id() + " " + favTarget,
                "favourite " + carol.id() + " " + favTarget,
                "mention " + bob.id() + " " + bobComment,
                "mention " + carol.id() + " " + carolComment));
        assertEquals(sorted(expected), sorted(aliceGot), "alice's notifications (type account status)");

        assertEquals(List.of("follow " + carol.id() + " -"), notifications(bob), "bob's notifications");
        assertEquals(List.of(), notifications(carol), "carol's notifications");
        assertEquals(6, walkAny(api, alice, "/api/v1/notifications", 2).size(),
                "alice's notifications paged two at a time");
    }

    @Test
    @Order(155)
    protected void nestedRepliesFormAThread() {
        Response r = api.as(carol.token()).postJson("/api/v1/statuses",
                ApiClient.obj("status", "carol-nested following up", "in_reply_to_id", carolComment)).expect(200);
        carolNested = r.json().path("id").stringValue();
        assertEquals(carolComment, r.json().path("in_reply_to_id").asString(""), "nested reply: " + r);
        assertEquals(carol.id(), r.json().path("in_reply_to_account_id").asString(""), "nested reply: " + r);
        awaitTasks();

        JsonNode ctx = api.as(bob.token()).get("/api/v1/statuses/" + carolNested + "/context").expect(200).json();
        assertEquals(List.of(favTarget, carolComment), ids(ctx.path("ancestors")), "ancestors, root first: " + ctx);
        assertEquals(List.of(), ids(ctx.path("descendants")));
        JsonNode root = api.as(bob.token()).get("/api/v1/statuses/" + favTarget + "/context").expect(200).json();
        assertEquals(List.of(bobComment, carolComment, carolNested), ids(root.path("descendants")),
                "the whole thread under the post: " + root);
        assertEquals(2, api.as(bob.token()).get("/api/v1/statuses/" + favTarget).expect(200).json()
                .path("replies_count").asInt(-1), "replies_count counts direct replies");
        assertEquals(1, api.as(bob.token()).get("/api/v1/statuses/" + carolComment).expect(200).json()
                .path("replies_count").asInt(-1), "the comment's own replies_count");
        assertCounts(carol, 0, 2, carolPosts.size());
        assertFalse(api.as(carol.token()).get("/api/v1/timelines/home", "limit", "40").expect(200).ids()
                .contains(carolNested), "no replies in home");
    }

    @Test
    @Order(157)
    protected void notificationFiltersDismissAndClear() {
        ApiClient a = api.as(alice.token());
        assertEquals(2, a.get("/api/v1/notifications", "types[]", "follow").expect(200).ids().size(),
                "types[]=follow");
        assertEquals(4, a.get("/api/v1/notifications", "exclude_types[]", "follow").expect(200).ids().size(),
                "exclude_types[]=follow");
        assertEquals(4, a.get("/api/v1/notifications", "types[]", "mention", "types[]", "favourite").expect(200)
                .ids().size(), "types[]=mention&types[]=favourite");

        ApiClient b = api.as(bob.token());
        Response mine = b.get("/api/v1/notifications").expect(200);
        assertEquals(1, mine.json().size(), "bob's notifications: " + mine);
        String id = mine.ids().getFirst();
        JsonNode one = b.get("/api/v1/notifications/" + id).expect(200).json();
        assertEquals("follow", one.path("type").asString(""), "one notification: " + one);
        assertEquals(carol.id(), one.path("account").path("id").asString(""));
        assertError(a.get("/api/v1/notifications/" + id), 404);
        assertError(a.post("/api/v1/notifications/" + id + "/dismiss"), 404);
        assertEquals(List.of(id), b.get("/api/v1/notifications").expect(200).ids(), "alice cannot dismiss bob's");

        b.post("/api/v1/notifications/" + id + "/dismiss").expect(200);
        assertEquals(List.of(), b.get("/api/v1/notifications").expect(200).ids(), "dismissed");
        assertError(b.get("/api/v1/notifications/" + id), 404);
        assertEquals(6, a.get("/api/v1/notifications").expect(200).ids().size(), "alice's are untouched");

        // carol clears hers (she has none) and alice's stay
        api.as(carol.token()).post("/api/v1/notifications/clear").expect(200);
        assertEquals(6, a.get("/api/v1/notifications").expect(200).ids().size(), "clear is per account");
    }

    @Test
    @Order(160)
    protected void bookmarks() {
        ApiClient c = api.as(carol.token());
        JsonNode b1 = c.post("/api/v1/statuses/" + deleteTarget + "/bookmark").expect(200).json();
        assertTrue(b1.path("bookmarked").asBoolean(false), "bookmarked: " + b1);
        String bobs = bobPosts.get(0);
        assertTrue(c.post("/api/v1/statuses/" + bobs + "/bookmark").expect(200).json()
                .path("bookmarked").asBoolean(false));

        assertEquals(List.of(bobs, deleteTarget), c.get("/api/v1/bookmarks").expect(200).ids(),
                "bookmarks, most recently bookmarked first");
        assertEquals(List.of(bobs, deleteTarget), walkAny(api, carol, "/api/v1/bookmarks", 1),
                "bookmarks paged by Link rel=next");
        assertEquals(List.of(), api.as(bob.token()).get("/api/v1/bookmarks").expect(200).ids(), "bob has none");
        assertTrue(c.get("/api/v1/statuses/" + deleteTarget).expect(200).json().path("bookmarked").asBoolean(false));
        assertFalse(api.as(bob.token()).get("/api/v1/statuses/" + deleteTarget).expect(200).json()
                .path("bookmarked").asBoolean(true), "bookmarks are per viewer");

        JsonNode un = c.post("/api/v1/statuses/" + bobs + "/unbookmark").expect(200).json();
        assertFalse(un.path("bookmarked").asBoolean(true), "unbookmarked: " + un);
        assertEquals(List.of(deleteTarget), c.get("/api/v1/bookmarks").expect(200).ids());
    }

    @Test
    @Order(170)
    protected void unfavourite() {
        JsonNode un = api.as(carol.token()).post("/api/v1/statuses/" + favTarget + "/unfavourite").expect(200).json();
        assertFalse(un.path("favourited").asBoolean(true), "unfavourited: " + un);
        assertEquals(1, un.path("favourites_count").asInt(-1), "count after unfavourite: " + un);
        awaitTasks();
        assertStatusFlags(carol, favTarget, false, 1);
        assertStatusFlags(bob, favTarget, true, 1);
        assertEquals(List.of(bob.id()), api.as(alice.token())
                .get("/api/v1/statuses/" + favTarget + "/favourited_by").expect(200).ids());
    }

    @Test
    @Order(175)
    protected void concurrentDuplicatesCountOnce() throws Exception {
        String target = alicePosts.get(1);
        ApiClient c = api.as(carol.token());
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Response>> favs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                favs.add(pool.submit(() -> c.post("/api/v1/statuses/" + target + "/favourite")));
            }
            for (var f : favs) {
                f.get().expect(200);
            }
        }
        awaitTasks();
        assertStatusFlags(carol, target, true, 1);
        assertEquals(List.of(carol.id()), api.as(alice.token())
                .get("/api/v1/statuses/" + target + "/favourited_by").expect(200).ids());

        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Response>> unfavs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                unfavs.add(pool.submit(() -> c.post("/api/v1/statuses/" + target + "/unfavourite")));
            }
            for (var f : unfavs) {
                f.get().expect(200);
            }
        }
        awaitTasks();
        assertStatusFlags(carol, target, false, 0);

        // eight identical follows at once make one follow
        User dave = api.register(api.appToken(oauthApp), "dave");
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Response>> follows = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                follows.add(pool.submit(() -> api.as(dave.token()).post("/api/v1/accounts/" + bob.id() + "/follow")));
            }
            for (var f : follows) {
                f.get().expect(200);
            }
        }
        awaitTasks();
        assertCounts(bob, 2, 1, bobPosts.size());
        assertCounts(dave, 0, 1, 0);
        api.as(dave.token()).post("/api/v1/accounts/" + bob.id() + "/unfollow").expect(200);
        awaitTasks();
        assertCounts(bob, 1, 1, bobPosts.size());
        assertCounts(dave, 0, 0, 0);
    }

    @Test
    @Order(177)
    protected void concurrentPostsAllArrive() throws Exception {
        List<java.util.concurrent.Future<String>> posts = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            for (int i = 1; i <= 24; i++) {
                String text = "alice-burst-" + i;
                posts.add(pool.submit(() -> post(api, alice, text, List.of("burst"))));
            }
        }
        for (var f : posts) {
            String id = f.get();
            alicePosts.add(id);
            tagged.computeIfAbsent("burst", k -> new TreeSet<>()).add(id);
        }
        awaitTasks();
        assertCounts(alice, 2, 0, alicePosts.size());
        assertEquals(newestFirst(alicePosts, bobPosts, carolPosts), walk(carol, "/api/v1/timelines/home", 10),
                "carol's home after a burst of concurrent posts");
        assertEquals(newestFirst(alicePosts, bobPosts), walk(bob, "/api/v1/timelines/home", 10),
                "bob's home after a burst of concurrent posts");
        assertEquals(newestFirst(tagged.get("burst")), walk(bob, "/api/v1/timelines/tag/burst", 10), "#burst");
    }

    @Test
    @Order(180)
    protected void linkPrevFetchesNewerStatuses() {
        ApiClient c = api.as(carol.token());
        Response first = c.get("/api/v1/timelines/home", "limit", "5").expect(200);
        assertEquals(newestFirst(alicePosts, bobPosts, carolPosts).subList(0, 5), first.ids());
        List<String> before = newestFirst(alicePosts, bobPosts, carolPosts);
        URI prev = first.prev().orElseThrow(() -> new AssertionError("no rel=prev: " + first.headers().map()));
        URI next = first.next().orElseThrow(() -> new AssertionError("no rel=next: " + first.headers().map()));
        assertEquals(List.of(), c.get(prev).expect(200).ids(), "nothing newer yet");

        String fresh = post(bob, "bob-post-6 breaking news", List.of());
        bobPosts.add(fresh);
        awaitTasks();
        assertEquals(List.of(fresh), c.get(prev).expect(200).ids(), "rel=prev brings exactly the new status");
        assertEquals(before.subList(5, 10), c.get(next).expect(200).ids(),
                "rel=next of an older page does not shift when new statuses arrive");
    }

    @Test
    @Order(190)
    protected void unfollowStopsDelivery() {
        JsonNode rel = api.as(bob.token()).post("/api/v1/accounts/" + alice.id() + "/unfollow").expect(200).json();
        assertEquals(alice.id(), rel.path("id").asString(""));
        assertFalse(rel.path("following").asBoolean(true), "unfollow answers following=false: " + rel);
        awaitTasks();

        assertCounts(alice, 1, 0, alicePosts.size());
        assertCounts(bob, 1, 0, bobPosts.size());
        assertRelationship(relationships(bob, alice.id()).get(alice.id()), false, false);
        assertRelationship(relationships(alice, bob.id()).get(bob.id()), false, false);
        assertEquals(Set.of(carol.id()), Set.copyOf(api.as(bob.token())
                .get("/api/v1/accounts/" + alice.id() + "/followers").expect(200).ids()));

        String after = post(alice, "alice-post-26 after bob left", List.of());
        alicePosts.add(after);
        awaitTasks();

        List<String> bobHome = walk(bob, "/api/v1/timelines/home", 40);
        assertFalse(bobHome.contains(after), "a post after the unfollow does not reach bob: " + bobHome);
        assertTrue(bobHome.containsAll(bobPosts), "bob still sees his own posts");
        assertEquals(after, api.as(carol.token()).get("/api/v1/timelines/home", "limit", "1").expect(200).ids()
                .getFirst(), "carol still gets alice's new post first");
        assertEquals(newestFirst(alicePosts, bobPosts, carolPosts), walk(carol, "/api/v1/timelines/home", 10));
    }

    @Test
    @Order(200)
    protected void deleteRemovesEverywhere() {
        int aliceCount = alicePosts.size();
        assertCounts(alice, 1, 0, aliceCount);
        assertTrue(tagged.get("sunset").contains(deleteTarget));

        Response other = api.as(bob.token()).delete("/api/v1/statuses/" + deleteTarget);
        assertError(other, 403);
        api.as(bob.token()).post("/api/v1/statuses/" + deleteTarget + "/favourite").expect(200);
        awaitTasks();
        assertTrue(notifications(alice).contains("favourite " + bob.id() + " " + deleteTarget),
                "alice is told about the favourite before the delete");

        Response del = api.as(alice.token()).delete("/api/v1/statuses/" + deleteTarget).expect(200);
        assertEquals(deleteTarget, del.json().path("id").asString(""), "DELETE answers the deleted status: " + del);
        assertEquals("alice-post-03 about the day #sunset", del.json().path("text").asString(""),
                "DELETE answers the source text for redrafting: " + del);
        alicePosts.remove(deleteTarget);
        tagged.values().forEach(s -> s.remove(deleteTarget));
        awaitTasks();

        assertError(api.as(alice.token()).get("/api/v1/statuses/" + deleteTarget), 404);
        assertError(api.as(carol.token()).get("/api/v1/statuses/" + deleteTarget), 404);
        assertError(api.as(carol.token()).get("/api/v1/statuses/" + deleteTarget + "/context"), 404);
        assertError(api.as(carol.token()).post("/api/v1/statuses/" + deleteTarget + "/favourite"), 404);
        assertError(api.as(alice.token()).delete("/api/v1/statuses/" + deleteTarget), 404);

        assertEquals(newestFirst(alicePosts, bobPosts, carolPosts), walk(carol, "/api/v1/timelines/home", 10),
                "carol's home without the deleted post");
        assertEquals(newestFirst(alicePosts), walk(alice, "/api/v1/timelines/home", 10),
                "alice's home without the deleted post");
        assertEquals(newestFirst(tagged.get("sunset")), walk(carol, "/api/v1/timelines/tag/sunset", 40),
                "#sunset without the deleted post");
        assertEquals(newestFirst(alicePosts), walk(carol, "/api/v1/accounts/" + alice.id() + "/statuses", 10),
                "alice's statuses without the deleted post");
        assertEquals(List.of(), api.as(carol.token()).get("/api/v1/bookmarks").expect(200).ids(),
                "carol's bookmark of the deleted post is gone");
        assertCounts(alice, 1, 0, aliceCount - 1);
    }

    @Test
    @Order(205)
    protected void deletingACommentUpdatesTheThread() {
        assertError(api.as(carol.token()).delete("/api/v1/statuses/" + bobComment), 403);
        api.as(bob.token()).delete("/api/v1/statuses/" + bobComment).expect(200);
        awaitTasks();
        assertError(api.as(alice.token()).get("/api/v1/statuses/" + bobComment), 404);
        JsonNode target = api.as(alice.token()).get("/api/v1/statuses/" + favTarget).expect(200).json();
        assertEquals(1, target.path("replies_count").asInt(-1), "replies_count after a comment is deleted: " + target);
        JsonNode ctx = api.as(alice.token()).get("/api/v1/statuses/" + favTarget + "/context").expect(200).json();
        assertEquals(List.of(carolComment, carolNested), ids(ctx.path("descendants")), "descendants: " + ctx);
        assertCounts(bob, 1, 0, bobPosts.size());
    }

    @Test
    @Order(206)
    protected void notificationsNeverPointAtDeletedStatuses() {
        Response r = api.as(alice.token()).get("/api/v1/notifications", "limit", "40").expect(200);
        List<String> dangling = new ArrayList<>();
        for (JsonNode n : r.json()) {
            String type = n.path("type").asString("");
            if (type.equals("favourite") || type.equals("mention")) {
                String sid = n.path("status").path("id").asString("");
                if (sid.isEmpty() || api.as(alice.token()).get("/api/v1/statuses/" + sid).status() != 200) {
                    dangling.add(n.toString());
                }
            }
        }
        assertEquals(List.of(), dangling, "notifications whose status is gone");
        assertTrue(notifications(alice).contains("mention " + carol.id() + " " + carolComment),
                "carol's live comment still notifies");
    }

    @Test
    @Order(207)
    protected void refollowDeliversAgainWithoutDuplicates() {
        follow(bob, alice);
        awaitTasks();
        assertCounts(alice, 2, 0, alicePosts.size());
        String again = post(alice, "alice-post-27 bob is back", List.of());
        alicePosts.add(again);
        awaitTasks();
        List<String> bobHome = walk(bob, "/api/v1/timelines/home", 7); // walk() fails on any repeat
        assertEquals(again, bobHome.getFirst(), "the new post reaches bob again: " + bobHome);
        assertTrue(bobHome.containsAll(bobPosts), "bob's own posts: " + bobHome);
        Set<String> allowed = new HashSet<>(alicePosts);
        allowed.addAll(bobPosts);
        assertTrue(allowed.containsAll(bobHome), "only alice's and bob's live posts: " + bobHome);
        assertEquals(newestFirst(alicePosts, bobPosts, carolPosts), walk(carol, "/api/v1/timelines/home", 10));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    protected void awaitTasks() {
        deployment.awaitTasks();
    }

    void follow(User who, User whom) {
        follow(api, who, whom);
    }

    protected static void follow(ApiClient c, User who, User whom) {
        JsonNode rel = c.as(who.token()).post("/api/v1/accounts/" + whom.id() + "/follow").expect(200).json();
        assertEquals(whom.id(), rel.path("id").asString(""), "relationship is about the followed: " + rel);
        assertTrue(rel.path("following").asBoolean(false), "follow answers following=true: " + rel);
    }

    String post(User u, String text, List<String> tags) {
        String id = post(api, u, text, tags);
        for (String t : tags) {
            tagged.computeIfAbsent(t.toLowerCase(), k -> new TreeSet<>()).add(id);
        }
        return id;
    }

    protected static String post(ApiClient c, User u, String text, List<String> tags) {
        StringBuilder full = new StringBuilder(text);
        for (String t : tags) {
            full.append(" #").append(t);
        }
        Response r = c.as(u.token()).postJson("/api/v1/statuses", ApiClient.obj("status", full.toString()))
                .expect(200);
        JsonNode s = r.json();
        assertTrue(s.path("id").isString(), "status id is a string: " + r);
        assertEquals(u.id(), s.path("account").path("id").asString(""), "author: " + r);
        String marker = text.split(" ")[0];
        assertTrue(s.path("content").asString("").contains(marker), "content has the text: " + r);
        return s.path("id").stringValue();
    }

    /** Every page of {@code path} for {@code u}, following rel="next" until an empty page or no link. */
    List<String> walk(User u, String path, int limit) {
        return walk(api, u, path, limit);
    }

    protected static List<String> walk(ApiClient c, User u, String path, int limit) {
        ApiClient as = c.as(u.token());
        List<String> all = new ArrayList<>();
        Response page = as.get(path, "limit", Integer.toString(limit)).expect(200);
        for (int pages = 0; ; pages++) {
            if (pages > 200) {
                fail("more than 200 pages walking " + path);
            }
            List<String> ids = page.ids();
            assertTrue(ids.size() <= limit, "page larger than limit " + limit + ": " + page);
            if (ids.isEmpty()) {
                break;
            }
            for (String id : ids) {
                if (all.contains(id)) {
                    fail("status " + id + " repeated while paging " + path + "; so far " + all + "; page " + page);
                }
                all.add(id);
            }
            if (page.next().isEmpty()) {
                break;
            }
            URI next = page.next().get();
            assertTrue(next.getQuery() != null && next.getQuery().contains("max_id="),
                    "rel=next pages by max_id: " + next);
            page = as.get(next).expect(200);
        }
        for (int i = 1; i < all.size(); i++) {
            assertTrue(Long.parseLong(all.get(i - 1)) > Long.parseLong(all.get(i)),
                    "ids strictly decreasing while paging " + path + ": " + all);
        }
        return all;
    }

    /** Every page of {@code path}, following rel="next"; checks only that nothing repeats. */
    static List<String> walkAny(ApiClient c, User u, String path, int limit) {
        ApiClient as = c.as(u.token());
        List<String> all = new ArrayList<>();
        Response page = as.get(path, "limit", Integer.toString(limit)).expect(200);
        for (int pages = 0; ; pages++) {
            if (pages > 200) {
                fail("more than 200 pages walking " + path);
            }
            List<String> ids = page.ids();
            assertTrue(ids.size() <= limit, "page larger than limit " + limit + ": " + page);
            if (ids.isEmpty()) {
                break;
            }
            for (String id : ids) {
                if (all.contains(id)) {
                    fail(id + " repeated while paging " + path + "; so far " + all + "; page " + page);
                }
                all.add(id);
            }
            if (page.next().isEmpty()) {
                break;
            }
            page = as.get(page.next().get()).expect(200);
        }
        return all;
    }

    @SafeVarargs
    protected static List<String> newestFirst(java.util.Collection<String>... lists) {
        Set<String> all = new HashSet<>();
        for (var l : lists) {
            all.addAll(l);
        }
        List<String> out = new ArrayList<>(all);
        out.sort(Comparator.comparingLong((String s) -> Long.parseLong(s)).reversed());
        return out;
    }

    static List<String> ids(JsonNode array) {
        assertTrue(array.isArray(), "expected an array: " + array);
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.path("id").asString(""));
        }
        return out;
    }

    static JsonNode findIn(JsonNode array, String id) {
        for (JsonNode n : array) {
            if (id.equals(n.path("id").asString(""))) {
                return n;
            }
        }
        return null;
    }

    static List<String> sorted(List<String> l) {
        List<String> s = new ArrayList<>(l);
        s.sort(null);
        return s;
    }

    void assertCounts(User u, int followers, int following, int statuses) {
        for (User viewer : List.of(u, carol)) {
            JsonNode a = api.as(viewer.token()).get("/api/v1/accounts/" + u.id()).expect(200).json();
            assertEquals(followers, a.path("followers_count").asInt(-1), u.username() + " followers_count: " + a);
            assertEquals(following, a.path("following_count").asInt(-1), u.username() + " following_count: " + a);
            assertEquals(statuses, a.path("statuses_count").asInt(-1), u.username() + " statuses_count: " + a);
        }
        JsonNode me = api.as(u.token()).get("/api/v1/accounts/verify_credentials").expect(200).json();
        assertEquals(statuses, me.path("statuses_count").asInt(-1), "verify_credentials statuses_count: " + me);
    }

    void assertStatusFlags(User viewer, String statusId, boolean favourited, int favourites) {
        JsonNode s = api.as(viewer.token()).get("/api/v1/statuses/" + statusId).expect(200).json();
        assertEquals(favourited, s.path("favourited").asBoolean(!favourited),
                "favourited for " + viewer.username() + ": " + s);
        assertEquals(favourites, s.path("favourites_count").asInt(-1), "favourites_count: " + s);
    }

    Map<String, JsonNode> relationships(User viewer, String... ids) {
        String[] q = new String[ids.length * 2];
        for (int i = 0; i < ids.length; i++) {
            q[2 * i] = "id[]";
            q[2 * i + 1] = ids[i];
        }
        Response r = api.as(viewer.token()).get("/api/v1/accounts/relationships", q).expect(200);
        assertEquals(ids.length, r.json().size(), "one relationship per id: " + r);
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (JsonNode n : r.json()) {
            out.put(n.path("id").asString(""), n);
        }
        assertEquals(Set.of(ids), out.keySet(), "relationship ids: " + r);
        return out;
    }

    static void assertRelationship(JsonNode rel, boolean following, boolean followedBy) {
        assertNotNull(rel);
        assertEquals(following, rel.path("following").asBoolean(!following), "following: " + rel);
        assertEquals(followedBy, rel.path("followed_by").asBoolean(!followedBy), "followed_by: " + rel);
    }

    /** "type accountId statusId-or-dash" for every notification of {@code u}, newest first. */
    List<String> notifications(User u) {
        Response r = api.as(u.token()).get("/api/v1/notifications", "limit", "40").expect(200);
        List<String> out = new ArrayList<>();
        long previous = Long.MAX_VALUE;
        for (JsonNode n : r.json()) {
            String id = n.path("id").asString("");
            assertFalse(id.isEmpty(), "notification id: " + n);
            long numeric = Long.parseLong(id);
            assertTrue(numeric < previous, "notifications newest first: " + r);
            previous = numeric;
            String status = n.path("status").isObject() ? n.path("status").path("id").asString("?") : "-";
            out.add(n.path("type").asString("?") + " " + n.path("account").path("id").asString("?") + " " + status);
        }
        return out;
    }

    static void assertError(Response r, int status) {
        assertEquals(status, r.status(), "status of " + r);
        assertNotNull(r.error(), "an {\"error\": \"...\"} body: " + r);
        assertFalse(r.error().isBlank(), "a non-blank error: " + r);
    }

    static byte[] png() {
        BufferedImage img = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
        img.setRGB(1, 1, 0xff8800);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
