package dev.scalegram.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.server.Scalegram;
import dev.scalegram.server.ServeOptions;
import dev.scalegram.testing.ApiClient;
import dev.scalegram.testing.ApiClient.App;
import dev.scalegram.testing.ApiClient.Part;
import dev.scalegram.testing.ApiClient.Response;
import dev.scalegram.testing.ApiClient.User;
import dev.scalegram.testing.TestPostgres;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Bad input over real HTTP: every case checks the status code, a JSON {@code {"error": "..."}} body, and that
 * nothing changed. Each test uses its own accounts (or only reads shared ones) so the tests are independent.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputTest {

    /** Media above this many bytes are refused; a status may carry at most this many attachments. */
    static final long MAX_MEDIA_BYTES = 64 * 1024;
    static final int MAX_MEDIA_PER_STATUS = 2;

    static final List<String> BAD_IDS = List.of("abc", "0", "-1", "99999999999999999999999",
            "9223372036854775807", "123456789", "1.5", "12abc");

    @TempDir
    static Path dir;

    static Scalegram app;
    static ApiClient api;
    static App oauthApp;
    static String appToken;
    /** Dora owns {@link #dorasStatus}; eve is the other user. Both only read in shared tests. */
    static User dora;
    static User eve;
    static String dorasStatus;
    static int accounts;

    @BeforeAll
    static void start() {
        Topology t = TestPostgres.topology(16)
                .withLimits(new Topology.LimitsConfig(500, MAX_MEDIA_BYTES, MAX_MEDIA_PER_STATUS, 40));
        app = Scalegram.start(new ServeOptions(t, dir, 0));
        api = ApiClient.local(app.port());
        oauthApp = api.createApp("bad-input");
        appToken = api.appToken(oauthApp);
        dora = api.register(appToken, "dora");
        eve = api.register(appToken, "eve");
        dorasStatus = api.as(dora.token()).postJson("/api/v1/statuses", ApiClient.obj("status", "dora's post"))
                .expect(200).json().path("id").asString("");
        assertFalse(dorasStatus.isEmpty());
        assertTrue(app.awaitTasks(10_000));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    /** A fresh user for a test that changes things. */
    static User fresh(String prefix) {
        return api.register(appToken, prefix + (++accounts));
    }

    // ----------------------------------------------------------------------------------------------- 400

    @Test
    void malformedJsonIs400() {
        User u = fresh("mal");
        ApiClient c = api.as(u.token());
        for (String body : List.of("{\"status\": \"half", "{status: hi}", "not json at all", "{\"status\": \"x\"}}")) {
            Response r = c.postRaw("/api/v1/statuses", "application/json", body.getBytes(StandardCharsets.UTF_8));
            assertError(r, 400);
        }
        assertStatusesCount(u, 0);
        assertEquals(List.of(), c.get("/api/v1/accounts/" + u.id() + "/statuses").expect(200).ids());

        Response reg = api.as(appToken).postRaw("/api/v1/accounts", "application/json",
                "{\"username\": \"halfreg\", \"email\": ".getBytes(StandardCharsets.UTF_8));
        assertError(reg, 400);
        assertError(api.as(u.token()).get("/api/v1/accounts/lookup", "acct", "halfreg"), 404);
    }

    // ----------------------------------------------------------------------------------------------- 422

    @Test
    void statusWithoutTextOrMediaIs422() {
        User u = fresh("empty");
        ApiClient c = api.as(u.token());
        assertError(c.postJson("/api/v1/statuses", ApiClient.obj()), 422);
        assertError(c.postJson("/api/v1/statuses", ApiClient.obj("status", "")), 422);
        assertError(c.postJson("/api/v1/statuses", ApiClient.obj("status", "", "media_ids", List.of())), 422);
        assertError(c.postForm("/api/v1/statuses", "visibility", "public"), 422);
        assertStatusesCount(u, 0);
    }

    @Test
    void unknownMediaIdIs422() {
        User u = fresh("nomedia");
        ApiClient c = api.as(u.token());
        List<String> problems = new ArrayList<>();
        List<String> ids = new ArrayList<>(BAD_IDS);
        ids.add(dorasStatus); // a status id is no media id
        ids.add(upload(eve, png(4, 4)).path("id").asString("")); // someone else's media is as unknown as none
        for (String id : ids) {
            expectError(problems, "media_ids=[" + id + "]", c.postJson("/api/v1/statuses",
                    ApiClient.obj("status", "with media", "media_ids", List.of(id))), 422);
        }
        assertEquals(List.of(), problems, "statuses with unknown media ids that did not answer 422 + error:\n"
                + String.join("\n", problems));
        assertStatusesCount(u, 0);
    }

    @Test
    void tooManyAttachmentsIs422() {
        User u = fresh("many");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i <= MAX_MEDIA_PER_STATUS; i++) {
            ids.add(upload(u, png(3 + i, 3)).path("id").asString(""));
        }
        ApiClient c = api.as(u.token());
        assertError(c.postJson("/api/v1/statuses", ApiClient.obj("status", "too many", "media_ids", ids)), 422);
        assertStatusesCount(u, 0);
        JsonNode ok = c.postJson("/api/v1/statuses", ApiClient.obj("status", "just enough", "media_ids",
                ids.subList(0, MAX_MEDIA_PER_STATUS))).expect(200).json();
        assertEquals(MAX_MEDIA_PER_STATUS, ok.path("media_attachments").size(), "attachments: " + ok);
        assertStatusesCount(u, 1);
    }

    @Test
    void mediaUploadWithoutFileOrTooLargeIsRefused() {
        User u = fresh("upl");
        ApiClient c = api.as(u.token());
        assertError(c.postMultipart("/api/v2/media", List.of(Part.field("description", "no file"))), 422);

        byte[] big = new byte[(int) MAX_MEDIA_BYTES + 1024];
        byte[] head = png(2, 2);
        System.arraycopy(head, 0, big, 0, head.length);
        Response tooBig = c.postMultipart("/api/v2/media",
                List.of(Part.file("file", "big.png", "image/png", big)));
        assertTrue(tooBig.status() == 413 || tooBig.status() == 422, "oversized media: " + tooBig);
        assertNotNull(tooBig.error(), "error body: " + tooBig);
    }

    @Test
    void statusLengthLimit() {
        User u = fresh("len");
        ApiClient c = api.as(u.token());
        assertError(c.postJson("/api/v1/statuses", ApiClient.obj("status", "a".repeat(501))), 422);
        assertStatusesCount(u, 0);

        JsonNode ok = c.postJson("/api/v1/statuses", ApiClient.obj("status", "a".repeat(500))).expect(200).json();
        assertTrue(ok.path("content").asString("").contains("a".repeat(500)), "content: " + ok);
        assertStatusesCount(u, 1);
    }

    @Test
    void statusLengthCountsCharactersNotBytes() {
        User u = fresh("utf");
        ApiClient c = api.as(u.token());
        // 500 two-byte characters and 500 astral (surrogate-pair) characters are each 500 characters
        c.postJson("/api/v1/statuses", ApiClient.obj("status", "é".repeat(500))).expect(200);
        c.postJson("/api/v1/statuses", ApiClient.obj("status", "\uD83D\uDE00".repeat(500))).expect(200);
        assertError(c.postJson("/api/v1/statuses", ApiClient.obj("status", "é".repeat(501))), 422);
        assertStatusesCount(u, 2);
    }

    @Test
    void registrationValidation() {
        ApiClient c = api.as(appToken);
        // duplicate username, also in another case, and a duplicate email
        assertError(c.postJson("/api/v1/accounts", registration("dora", "dora2@example.test")), 422);
        assertError(c.postJson("/api/v1/accounts", registration("DORA", "dora3@example.test")), 422);
        assertError(c.postJson("/api/v1/accounts", registration("dora4", dora.email())), 422);
        // missing or invalid fields
        assertError(c.postJson("/api/v1/accounts", ApiClient.obj("email", "nouser@example.test",
                "password", "long-enough-password", "agreement", true, "locale", "en")), 422);
        assertError(c.postJson("/api/v1/accounts", ApiClient.obj("username", "nopass",
                "email", "nopass@example.test", "agreement", true, "locale", "en")), 422);
        assertError(c.postJson("/api/v1/accounts", ApiClient.obj("username", "noagree",
                "email", "noagree@example.test", "password", "long-enough-password", "locale", "en")), 422);
        assertError(c.postJson("/api/v1/accounts", registration("bad name!", "badname@example.test")), 422);
        assertError(c.postJson("/api/v1/accounts", registration("a".repeat(31), "toolong@example.test")), 422);
        assertError(c.postJson("/api/v1/accounts", registration("bademail", "not-an-email")), 422);
        assertError(c.postJson("/api/v1/accounts", ApiClient.obj("username", "shortpw",
                "email", "shortpw@example.test", "password", "short", "agreement", true, "locale", "en")), 422);

        // nothing was created: dora is still dora, and none of the others exists
        ApiClient viewer = api.as(eve.token());
        assertEquals(dora.id(), viewer.get("/api/v1/accounts/lookup", "acct", "dora").expect(200).json()
                .path("id").asString(""));
        for (String name : List.of("dora4", "nopass", "noagree", "a".repeat(31), "bademail", "shortpw")) {
            assertError(viewer.get("/api/v1/accounts/lookup", "acct", name), 404);
        }
        // dora can still log in with her own password
        api.passwordToken(oauthApp, dora.email(), dora.password(), "read");
    }

    // ----------------------------------------------------------------------------------------------- 404

    @Test
    void unknownIdsAre404() {
        User u = fresh("ids");
        ApiClient c = api.as(u.token());
        List<String> problems = new ArrayList<>();
        List<String> ids = new ArrayList<>(BAD_IDS);
        ids.add(dora.id()); // an account id is no status id
        for (String id : ids) {
            expectError(problems, c.get("/api/v1/statuses/" + id), 404);
            expectError(problems, c.get("/api/v1/statuses/" + id + "/context"), 404);
            expectError(problems, c.get("/api/v1/statuses/" + id + "/favourited_by"), 404);
            expectError(problems, c.post("/api/v1/statuses/" + id + "/favourite"), 404);
            expectError(problems, c.post("/api/v1/statuses/" + id + "/bookmark"), 404);
            expectError(problems, c.delete("/api/v1/statuses/" + id), 404);
            expectError(problems, c.get("/api/v1/media/" + id), 404);
            expectError(problems, c.get("/api/v1/notifications/" + id), 404);
            expectError(problems, c.post("/api/v1/notifications/" + id + "/dismiss"), 404);
            // Mastodon answers 404 "The post you are trying to reply to does not appear to exist."
            expectError(problems, "in_reply_to_id=" + id, c.postJson("/api/v1/statuses",
                    ApiClient.obj("status", "reply to nothing", "in_reply_to_id", id)), 404);
        }
        List<String> accountIds = new ArrayList<>(BAD_IDS);
        accountIds.add(dorasStatus); // a status id is no account id
        for (String id : accountIds) {
            expectError(problems, c.get("/api/v1/accounts/" + id), 404);
            expectError(problems, c.get("/api/v1/accounts/" + id + "/statuses"), 404);
            expectError(problems, c.get("/api/v1/accounts/" + id + "/followers"), 404);
            expectError(problems, c.post("/api/v1/accounts/" + id + "/follow"), 404);
        }
        assertEquals(List.of(), problems, "requests with unknown ids that did not answer 404 + error:\n"
                + String.join("\n", problems));
        assertStatusesCount(u, 0);
        JsonNode me = c.get("/api/v1/accounts/verify_credentials").expect(200).json();
        assertEquals(0, me.path("following_count").asInt(-1), "no follow happened: " + me);
        assertEquals(List.of(), c.get("/api/v1/bookmarks").expect(200).ids(), "no bookmark happened");
        assertEquals(List.of(), c.get("/api/v1/accounts/" + u.id() + "/following").expect(200).ids());
    }

    @Test
    void favouritingADeletedStatusIs404() {
        User u = fresh("gone");
        String id = api.as(u.token()).postJson("/api/v1/statuses", ApiClient.obj("status", "short-lived"))
                .expect(200).json().path("id").asString("");
        api.as(u.token()).delete("/api/v1/statuses/" + id).expect(200);
        assertTrue(app.awaitTasks(10_000));
        assertError(api.as(eve.token()).post("/api/v1/statuses/" + id + "/favourite"), 404);
        assertError(api.as(eve.token()).get("/api/v1/statuses/" + id + "/favourited_by"), 404);
        assertStatusesCount(u, 0);
    }

    // ----------------------------------------------------------------------------------------------- 401

    @Test
    void noTokenIs401() {
        User u = fresh("anon");
        ApiClient anonymous = api.as(null);
        assertError(anonymous.postJson("/api/v1/statuses", ApiClient.obj("status", "who am I")), 401);
        assertError(anonymous.get("/api/v1/timelines/home"), 401);
        assertError(anonymous.get("/api/v1/accounts/verify_credentials"), 401);
        assertError(anonymous.get("/api/v1/notifications"), 401);
        assertError(anonymous.get("/api/v1/bookmarks"), 401);
        assertError(anonymous.post("/api/v1/accounts/" + u.id() + "/follow"), 401);
        assertError(anonymous.post("/api/v1/statuses/" + dorasStatus + "/favourite"), 401);
        assertError(anonymous.delete("/api/v1/statuses/" + dorasStatus), 401);
        assertStatusExists(dorasStatus);
        assertFavourites(dorasStatus, 0);
        assertFollowers(u, 0);
    }

    @Test
    void badTokenIs401() {
        User u = fresh("badtok");
        for (String token : List.of("nonsense", u.token() + "x", "")) {
            ApiClient c = api.as(token);
            assertError(c.postJson("/api/v1/statuses", ApiClient.obj("status", "forged")), 401);
            assertError(c.get("/api/v1/accounts/verify_credentials"), 401);
            assertError(c.post("/api/v1/accounts/" + dora.id() + "/follow"), 401);
        }
        assertStatusesCount(u, 0);
        JsonNode me = api.as(u.token()).get("/api/v1/accounts/verify_credentials").expect(200).json();
        assertEquals(0, me.path("following_count").asInt(-1));
    }

    @Test
    void revokedTokenIs401() {
        User u = fresh("revoke");
        String token = api.passwordToken(oauthApp, u.email(), u.password(), ApiClient.SCOPES);
        ApiClient c = api.as(token);
        c.get("/api/v1/accounts/verify_credentials").expect(200);

        api.postForm("/oauth/revoke", "client_id", oauthApp.clientId(), "client_secret", oauthApp.clientSecret(),
                "token", token).expect(200);

        assertError(c.get("/api/v1/accounts/verify_credentials"), 401);
        assertError(c.postJson("/api/v1/statuses", ApiClient.obj("status", "after revoke")), 401);
        assertError(c.post("/api/v1/accounts/" + dora.id() + "/follow"), 401);
        // the user's other token is untouched, and nothing happened with the revoked one
        assertStatusesCount(u, 0);
        assertEquals(0, api.as(u.token()).get("/api/v1/accounts/verify_credentials").expect(200).json()
                .path("following_count").asInt(-1));
    }

    @Test
    void passwordGrantWithWrongPasswordIsRefused() {
        User u = fresh("pw");
        for (String[] cred : List.of(new String[] {u.email(), "wrong-password"},
                new String[] {u.username(), "wrong-password"}, new String[] {"nobody@example.test", "whatever"})) {
            Response r = api.passwordGrant(oauthApp, cred[0], cred[1], "read");
            assertTrue(r.status() == 400 || r.status() == 401, "wrong credentials: " + r);
            assertNotNull(r.error(), "an error body: " + r);
            assertTrue(r.json().path("access_token").isMissingNode(), "no token: " + r);
        }
        Response r = api.passwordGrant(oauthApp, u.email(), "wrong-password", "read");
        assertEquals("invalid_grant", r.error(), "OAuth's error code for bad credentials: " + r);
        // the right password still works, by email and by username
        api.passwordToken(oauthApp, u.email(), u.password(), "read");
        api.passwordToken(oauthApp, u.username(), u.password(), "read");
    }

    // ----------------------------------------------------------------------------------------------- 403

    @Test
    void readOnlyTokenCannotWrite() {
        User u = fresh("ro");
        String ro = api.passwordToken(oauthApp, u.email(), u.password(), "read");
        ApiClient c = api.as(ro);
        c.get("/api/v1/accounts/verify_credentials").expect(200);
        c.get("/api/v1/timelines/home").expect(200);

        assertError(c.postJson("/api/v1/statuses", ApiClient.obj("status", "read only")), 403);
        assertError(c.post("/api/v1/accounts/" + dora.id() + "/follow"), 403);
        assertError(c.post("/api/v1/statuses/" + dorasStatus + "/favourite"), 403);
        assertError(c.post("/api/v1/statuses/" + dorasStatus + "/bookmark"), 403);
        assertError(c.postMultipart("/api/v2/media", List.of(Part.file("file", "x.png", "image/png", png(2, 2)))),
                403);

        assertStatusesCount(u, 0);
        JsonNode me = api.as(u.token()).get("/api/v1/accounts/verify_credentials").expect(200).json();
        assertEquals(0, me.path("following_count").asInt(-1), "no follow happened: " + me);
        assertEquals(List.of(), api.as(u.token()).get("/api/v1/bookmarks").expect(200).ids());
        assertFavourites(dorasStatus, 0);
    }

    @Test
    void followScopeFollowsButDoesNotPost() {
        User u = fresh("fol");
        String token = api.passwordToken(oauthApp, u.email(), u.password(), "follow");
        ApiClient c = api.as(token);
        assertError(c.postJson("/api/v1/statuses", ApiClient.obj("status", "follow scope only")), 403);
        JsonNode rel = c.post("/api/v1/accounts/" + eve.id() + "/follow").expect(200).json();
        assertTrue(rel.path("following").asBoolean(false), "followed with the follow scope: " + rel);
        assertTrue(app.awaitTasks(10_000));
        assertStatusesCount(u, 0);
        assertEquals(1, api.as(u.token()).get("/api/v1/accounts/verify_credentials").expect(200).json()
                .path("following_count").asInt(-1));
        c.post("/api/v1/accounts/" + eve.id() + "/unfollow").expect(200);
        assertTrue(app.awaitTasks(10_000));
    }

    @Test
    void subScopesAreHonoured() {
        User u = fresh("sub");
        ApiClient statusesOnly = api.as(api.passwordToken(oauthApp, u.email(), u.password(), "write:statuses"));
        statusesOnly.postJson("/api/v1/statuses", ApiClient.obj("status", "with write:statuses")).expect(200);
        assertError(statusesOnly.post("/api/v1/accounts/" + eve.id() + "/follow"), 403);
        assertError(statusesOnly.get("/api/v1/timelines/home"), 403);

        ApiClient readStatuses = api.as(api.passwordToken(oauthApp, u.email(), u.password(), "read:statuses"));
        readStatuses.get("/api/v1/timelines/home").expect(200);
        assertError(readStatuses.postJson("/api/v1/statuses", ApiClient.obj("status", "nope")), 403);
        assertStatusesCount(u, 1);
    }

    @Test
    void deletingSomeoneElsesStatusIs403() {
        assertError(api.as(eve.token()).delete("/api/v1/statuses/" + dorasStatus), 403);
        assertStatusExists(dorasStatus);
        assertTrue(app.awaitTasks(10_000));
        assertStatusExists(dorasStatus);
        assertEquals(1, api.as(eve.token()).get("/api/v1/accounts/" + dora.id()).expect(200).json()
                .path("statuses_count").asInt(-1));
        assertTrue(api.as(eve.token()).get("/api/v1/accounts/" + dora.id() + "/statuses").expect(200).ids()
                .contains(dorasStatus));
    }

    // ----------------------------------------------------------------------------------------------- bodies

    @Test
    void formAndMultipartBodiesAreAccepted() {
        User u = fresh("bodies");
        ApiClient c = api.as(u.token());
        String text = "same words #bodies";
        JsonNode viaJson = c.postJson("/api/v1/statuses", ApiClient.obj("status", text)).expect(200).json();
        JsonNode viaForm = c.postForm("/api/v1/statuses", "status", text).expect(200).json();
        JsonNode viaMultipart = c.postMultipart("/api/v1/statuses", List.of(Part.field("status", text)))
                .expect(200).json();
        Set<String> ids = new HashSet<>();
        for (JsonNode s : List.of(viaJson, viaForm, viaMultipart)) {
            ids.add(s.path("id").asString(""));
            assertEquals(u.id(), s.path("account").path("id").asString(""), "author: " + s);
            assertEquals(viaJson.path("content"), s.path("content"), "same content as via JSON");
            assertEquals(viaJson.path("tags"), s.path("tags"), "same tags as via JSON");
            assertEquals(viaJson.path("visibility"), s.path("visibility"));
        }
        assertEquals(3, ids.size(), "three statuses");
        assertStatusesCount(u, 3);

        // arrays and replies in form and multipart bodies
        String media = upload(u, png(5, 5)).path("id").asString("");
        JsonNode formMedia = c.postForm("/api/v1/statuses", "status", "form with media", "media_ids[]", media,
                "in_reply_to_id", dorasStatus).expect(200).json();
        assertEquals(media, formMedia.path("media_attachments").path(0).path("id").asString(""), "form media: "
                + formMedia);
        assertEquals(dorasStatus, formMedia.path("in_reply_to_id").asString(""), "form reply: " + formMedia);

        String media2 = upload(u, png(6, 5)).path("id").asString("");
        JsonNode multiMedia = c.postMultipart("/api/v1/statuses", List.of(Part.field("status", "multipart media"),
                Part.field("media_ids[]", media2))).expect(200).json();
        assertEquals(media2, multiMedia.path("media_attachments").path(0).path("id").asString(""),
                "multipart media: " + multiMedia);
        assertStatusesCount(u, 4); // the reply is a comment and does not count
    }

    // ----------------------------------------------------------------------------------------------- more shapes of bad input

    @Test
    void wrongJsonTypesAreClientErrors() {
        User u = fresh("types");
        ApiClient c = api.as(u.token());
        List<String> problems = new ArrayList<>();
        for (String body : List.of("[]", "null", "\"just a string\"", "42", "", "{\"status\": {\"a\": 1}}",
                "{\"status\": [\"a\", \"b\"]}", "{\"status\": \"x\", \"media_ids\": 5}",
                "{\"status\": \"x\", \"media_ids\": [{\"a\": 1}]}",
                "{\"status\": \"x\", \"in_reply_to_id\": {\"a\": 1}}")) {
            Response r = c.postRaw("/api/v1/statuses", "application/json", body.getBytes(StandardCharsets.UTF_8));
            if (!(r.status() == 400 || r.status() == 422) || r.error() == null) {
                problems.add("want 400 or 422 for body " + body + ": " + r);
            }
        }
        for (String body : List.of("{\"username\": {\"a\": 1}, \"email\": \"t@example.test\", \"password\": \"xxxxxxxxxx\", "
                + "\"agreement\": true}", "[\"username\"]")) {
            Response r = api.as(appToken).postRaw("/api/v1/accounts", "application/json",
                    body.getBytes(StandardCharsets.UTF_8));
            if (!(r.status() == 400 || r.status() == 422) || r.error() == null) {
                problems.add("want 400 or 422 for registration body " + body + ": " + r);
            }
        }
        assertEquals(List.of(), problems, String.join("\n", problems));
        assertStatusesCount(u, 0);
    }

    @Test
    void junkQueryParametersAreNotServerErrors() {
        ApiClient c = api.as(eve.token());
        List<String> problems = new ArrayList<>();
        List<String> paths = List.of("/api/v1/timelines/home", "/api/v1/timelines/tag/anything",
                "/api/v1/accounts/" + dora.id() + "/statuses", "/api/v1/accounts/" + dora.id() + "/followers",
                "/api/v1/notifications", "/api/v1/bookmarks", "/api/v1/statuses/" + dorasStatus + "/favourited_by");
        List<String[]> params = List.of(new String[] {"limit", "abc"}, new String[] {"limit", "-5"},
                new String[] {"limit", "0"}, new String[] {"limit", "99999999999999999999"},
                new String[] {"max_id", "abc"}, new String[] {"since_id", "-1"}, new String[] {"min_id", "1.5"},
                new String[] {"max_id", "99999999999999999999999"});
        for (String path : paths) {
            for (String[] q : params) {
                Response r = c.get(path, q[0], q[1]);
                boolean ok = r.status() == 200 ? r.isJson() && r.json().isArray()
                        : r.status() >= 400 && r.status() < 500 && r.error() != null;
                if (!ok) {
                    problems.add("want 200 [...] or 4xx {error} for " + q[0] + "=" + q[1] + ": " + r);
                }
            }
        }
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    @Test
    void undoingWhatWasNeverDoneChangesNothing() throws Exception {
        User u = fresh("undo");
        ApiClient c = api.as(u.token());
        int eveFollowers = followersOf(eve);

        JsonNode rel = c.post("/api/v1/accounts/" + eve.id() + "/unfollow").expect(200).json();
        assertFalse(rel.path("following").asBoolean(true), "unfollowing a stranger: " + rel);
        JsonNode unfav = c.post("/api/v1/statuses/" + dorasStatus + "/unfavourite").expect(200).json();
        assertFalse(unfav.path("favourited").asBoolean(true));
        assertEquals(0, unfav.path("favourites_count").asInt(-1), "unfavourite of nothing: " + unfav);
        JsonNode unbm = c.post("/api/v1/statuses/" + dorasStatus + "/unbookmark").expect(200).json();
        assertFalse(unbm.path("bookmarked").asBoolean(true));
        assertTrue(app.awaitTasks(10_000));
        assertEquals(eveFollowers, followersOf(eve), "eve's followers after an unfollow that was no follow");
        assertFavourites(dorasStatus, 0);

        // follow once, unfollow six times at once: back where we started, never below
        c.post("/api/v1/accounts/" + eve.id() + "/follow").expect(200);
        assertTrue(app.awaitTasks(10_000));
        assertEquals(eveFollowers + 1, followersOf(eve));
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Response>> rs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                rs.add(pool.submit(() -> c.post("/api/v1/accounts/" + eve.id() + "/unfollow")));
            }
            for (var f : rs) {
                f.get().expect(200);
            }
        }
        assertTrue(app.awaitTasks(10_000));
        assertEquals(eveFollowers, followersOf(eve), "eve's followers after repeated unfollows");
        assertEquals(0, c.get("/api/v1/accounts/verify_credentials").expect(200).json().path("following_count")
                .asInt(-1));
    }

    @Test
    void followingYourselfIsRefused() {
        User u = fresh("self");
        Response r = api.as(u.token()).post("/api/v1/accounts/" + u.id() + "/follow");
        assertTrue(r.status() == 400 || r.status() == 403 || r.status() == 422, "self follow: " + r);
        assertNotNull(r.error(), "error body: " + r);
        assertTrue(app.awaitTasks(10_000));
        JsonNode me = api.as(u.token()).get("/api/v1/accounts/verify_credentials").expect(200).json();
        assertEquals(0, me.path("following_count").asInt(-1), "self follow: " + me);
        assertEquals(0, me.path("followers_count").asInt(-1), "self follow: " + me);
    }

    @Test
    void concurrentDeletesDeleteOnce() throws Exception {
        User u = fresh("del");
        ApiClient c = api.as(u.token());
        String keep = c.postJson("/api/v1/statuses", ApiClient.obj("status", "keep me")).expect(200).json()
                .path("id").asString("");
        String id = c.postJson("/api/v1/statuses", ApiClient.obj("status", "delete me")).expect(200).json()
                .path("id").asString("");
        assertStatusesCount(u, 2);
        List<Integer> codes = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Response>> rs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                rs.add(pool.submit(() -> c.delete("/api/v1/statuses/" + id)));
            }
            for (var f : rs) {
                codes.add(f.get().status());
            }
        }
        assertTrue(codes.contains(200), "one delete succeeded: " + codes);
        assertTrue(codes.stream().allMatch(code -> code == 200 || code == 404), "deletes: " + codes);
        assertStatusesCount(u, 1);
        assertError(c.get("/api/v1/statuses/" + id), 404);
        assertStatusExists(keep);
    }

    @Test
    void htmlInStatusTextIsEscaped() {
        User u = fresh("html");
        JsonNode s = api.as(u.token()).postJson("/api/v1/statuses",
                ApiClient.obj("status", "<script>alert(1)</script> & <b>bold</b> \"q\"")).expect(200).json();
        String content = s.path("content").asString("");
        assertFalse(content.contains("<script"), "raw script tag in content: " + content);
        assertFalse(content.contains("<b>"), "raw markup in content: " + content);
        assertTrue(content.contains("&lt;script&gt;"), "escaped text in content: " + content);
        assertTrue(content.contains("&amp;"), "escaped ampersand in content: " + content);
    }

    @Test
    void hugeBodyIsRefused() {
        User u = fresh("huge");
        ApiClient c = api.as(u.token());
        Response r = c.send("POST", c.resolve("/api/v1/statuses"), "application/json",
                ApiClient.JSON.writeValueAsBytes(ApiClient.obj("status", "x".repeat(3_000_000))), true);
        assertTrue(r.status() == 413 || r.status() == 422 || r.status() == 400, "3 MB status: " + r);
        assertNotNull(r.error(), "error body: " + r);
        assertStatusesCount(u, 0);
    }

    @Test
    void nonImageUploadIsRefused() {
        User u = fresh("notimg");
        Response r = api.as(u.token()).postMultipart("/api/v2/media", List.of(Part.file("file", "evil.png",
                "image/png", "#!/bin/sh\necho not an image\n".getBytes(StandardCharsets.UTF_8))));
        assertError(r, 422);
    }

    @Test
    void mediaFilesAreServedAndNamesAreChecked() {
        User u = fresh("files");
        JsonNode m = upload(u, png(7, 7));
        String url = m.path("url").asString("");
        assertFalse(url.isEmpty(), "media url: " + m);
        Response file = api.get(api.base().resolve(url));
        assertEquals(200, file.status(), "GET " + url + ": " + file.status());
        assertTrue(file.header("Content-Type").orElse("").startsWith("image/"), "content type: " + file.headers());
        for (String name : List.of("nothing", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "a".repeat(64))) {
            Response r = api.get(api.base().resolve("/media/" + name));
            assertEquals(404, r.status(), "GET /media/" + name + ": " + r);
        }
        // Dot segments are resolved before the request is sent ("/media/.." is "/", the web UI's home page): never
        // a file.
        for (String name : List.of("..", ".")) {
            Response r = api.get(api.base().resolve("/media/" + name));
            assertFalse(r.header("Content-Type").orElse("").startsWith("image/"), "GET /media/" + name + ": " + r);
        }
    }

    @Test
    void oauthErrors() {
        // app registration needs a name and a redirect URI
        assertError(api.postJson("/api/v1/apps", ApiClient.obj("redirect_uris", ApiClient.REDIRECT_OOB,
                "scopes", "read")), 422);
        assertError(api.postJson("/api/v1/apps", ApiClient.obj("client_name", "no-redirect", "scopes", "read")),
                422);

        User u = fresh("oauth");
        // unknown grant types and codes
        assertOAuthError(api.postForm("/oauth/token", "grant_type", "magic", "client_id", oauthApp.clientId(),
                "client_secret", oauthApp.clientSecret()), 400, "unsupported_grant_type");
        assertOAuthError(api.postForm("/oauth/token", "grant_type", "authorization_code", "code", "bogus",
                "client_id", oauthApp.clientId(), "client_secret", oauthApp.clientSecret(),
                "redirect_uri", ApiClient.REDIRECT_OOB), 400, "invalid_grant");
        // a wrong client secret
        Response badClient = api.postForm("/oauth/token", "grant_type", "client_credentials",
                "client_id", oauthApp.clientId(), "client_secret", "wrong", "scope", "read");
        assertTrue(badClient.status() == 400 || badClient.status() == 401, "wrong client secret: " + badClient);
        assertEquals("invalid_client", badClient.error(), "wrong client secret: " + badClient);

        // no scope beyond what the app registered, and no made-up scopes
        App readOnlyApp = createApp("read-only-app", "read");
        assertOAuthError(api.passwordGrant(readOnlyApp, u.email(), u.password(), "write"), 400, "invalid_scope");
        assertOAuthError(api.passwordGrant(readOnlyApp, u.email(), u.password(), "read write"), 400,
                "invalid_scope");
        assertOAuthError(api.passwordGrant(oauthApp, u.email(), u.password(), "admin:everything"), 400,
                "invalid_scope");
        JsonNode granted = api.passwordGrant(readOnlyApp, u.email(), u.password(), "read").expect(200).json();
        assertEquals("read", granted.path("scope").asString(""), "granted scope: " + granted);
        assertEquals("Bearer", granted.path("token_type").asString(""), "token_type: " + granted);

        // revoking needs the token's own client
        String token = api.passwordToken(oauthApp, u.email(), u.password(), "read");
        Response wrongSecret = api.postForm("/oauth/revoke", "client_id", oauthApp.clientId(),
                "client_secret", "wrong", "token", token);
        assertTrue(wrongSecret.status() < 500, "revoke with a wrong secret: " + wrongSecret);
        api.as(token).get("/api/v1/accounts/verify_credentials").expect(200);
        Response otherApp = api.postForm("/oauth/revoke", "client_id", readOnlyApp.clientId(),
                "client_secret", readOnlyApp.clientSecret(), "token", token);
        assertTrue(otherApp.status() < 500, "revoke by another app: " + otherApp);
        api.as(token).get("/api/v1/accounts/verify_credentials").expect(200);
    }

    @Test
    void authorizationCodeFlow() {
        User u = fresh("code");
        String redirect = "https://client.example/callback";
        App web = createApp("web-client", "read write follow", redirect);
        ApiClient browser = api.as(null);

        Response page = browser.get("/oauth/authorize", "response_type", "code", "client_id", web.clientId(),
                "redirect_uri", redirect, "scope", "read write");
        assertEquals(200, page.status(), "login page: " + page);

        Response wrong = browser.postForm("/oauth/authorize", "response_type", "code", "client_id", web.clientId(),
                "redirect_uri", redirect, "scope", "read write", "state", "s1", "username", u.email(),
                "password", "wrong-password");
        assertTrue(wrong.header("Location").isEmpty(), "no code for a wrong password: " + wrong);
        assertTrue(wrong.status() >= 400 && wrong.status() < 500, "wrong password: " + wrong);

        String code = authorize(web, redirect, u, "s2");

        // the code is bound to its client and redirect URI (each tried on a code of its own), and works once
        assertOAuthError(api.postForm("/oauth/token", "grant_type", "authorization_code",
                "code", authorize(web, redirect, u, "s3"), "client_id", oauthApp.clientId(),
                "client_secret", oauthApp.clientSecret(), "redirect_uri", ApiClient.REDIRECT_OOB), 400,
                "invalid_grant");
        assertOAuthError(api.postForm("/oauth/token", "grant_type", "authorization_code",
                "code", authorize(web, redirect, u, "s4"), "client_id", web.clientId(),
                "client_secret", web.clientSecret(), "redirect_uri", "https://client.example/elsewhere"), 400,
                "invalid_grant");
        Response token = api.postForm("/oauth/token", "grant_type", "authorization_code", "code", code,
                "client_id", web.clientId(), "client_secret", web.clientSecret(), "redirect_uri", redirect);
        assertEquals(200, token.status(), "code exchange: " + token);
        String access = token.json().path("access_token").asString("");
        assertEquals(Set.of("read", "write"), Set.of(token.json().path("scope").asString("").split(" ")),
                "granted scopes: " + token);
        assertEquals(u.id(), api.as(access).get("/api/v1/accounts/verify_credentials").expect(200).json()
                .path("id").asString(""));
        assertOAuthError(api.postForm("/oauth/token", "grant_type", "authorization_code", "code", code,
                "client_id", web.clientId(), "client_secret", web.clientSecret(), "redirect_uri", redirect), 400,
                "invalid_grant");
    }

    /** POST /oauth/authorize as {@code u}; returns the code from the redirect, checking {@code state} comes back. */
    static String authorize(App web, String redirect, User u, String state) {
        Response ok = api.as(null).postForm("/oauth/authorize", "response_type", "code", "client_id",
                web.clientId(), "redirect_uri", redirect, "scope", "read write", "state", state,
                "username", u.username(), "password", u.password());
        assertEquals(302, ok.status(), "authorize redirects back: " + ok);
        java.net.URI location = java.net.URI.create(ok.header("Location").orElseThrow());
        assertTrue(location.toString().startsWith(redirect + "?"), "to the registered redirect: " + location);
        String code = null;
        String echoed = null;
        for (String kv : location.getRawQuery().split("&")) {
            String[] parts = kv.split("=", 2);
            String v = java.net.URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
            if (parts[0].equals("code")) {
                code = v;
            } else if (parts[0].equals("state")) {
                echoed = v;
            }
        }
        assertNotNull(code, "code in " + location);
        assertEquals(state, echoed, "state echoed back: " + location);
        return code;
    }

    @Test
    void appTokenCannotActAsAUser() {
        ApiClient c = api.as(appToken);
        for (Response r : List.of(c.postJson("/api/v1/statuses", ApiClient.obj("status", "from an app")),
                c.get("/api/v1/accounts/verify_credentials"), c.get("/api/v1/timelines/home"),
                c.post("/api/v1/accounts/" + dora.id() + "/follow"))) {
            assertTrue(r.status() == 401 || r.status() == 403 || r.status() == 422, "app token as user: " + r);
            assertNotNull(r.error(), "error body: " + r);
        }
        assertFollowers(dora, 0);
    }

    @Test
    void hashtagEdgeCases() {
        User u = fresh("tags");
        ApiClient c = api.as(u.token());
        String dot = c.postJson("/api/v1/statuses", ApiClient.obj("status", "end of a sentence #edgedot."))
                .expect(200).json().path("id").asString("");
        String paren = c.postJson("/api/v1/statuses", ApiClient.obj("status", "aside (#edgeparen) here"))
                .expect(200).json().path("id").asString("");
        String upper = c.postJson("/api/v1/statuses", ApiClient.obj("status", "#EdgeUpper first"))
                .expect(200).json().path("id").asString("");
        String twice = c.postJson("/api/v1/statuses", ApiClient.obj("status", "#edgetwice and #EdgeTwice #edgetwice"))
                .expect(200).json().path("id").asString("");
        String notTag = c.postJson("/api/v1/statuses", ApiClient.obj("status", "mail me at x#edgenot please"))
                .expect(200).json().path("id").asString("");
        assertTrue(app.awaitTasks(10_000));
        ApiClient r = api.as(eve.token());
        assertEquals(List.of(dot), r.get("/api/v1/timelines/tag/edgedot").expect(200).ids(), "#edgedot.");
        assertEquals(List.of(paren), r.get("/api/v1/timelines/tag/edgeparen").expect(200).ids(), "(#edgeparen)");
        assertEquals(List.of(upper), r.get("/api/v1/timelines/tag/edgeupper").expect(200).ids(), "#EdgeUpper");
        assertEquals(List.of(upper), r.get("/api/v1/timelines/tag/EDGEUPPER").expect(200).ids(), "case-insensitive");
        assertEquals(List.of(twice), r.get("/api/v1/timelines/tag/edgetwice").expect(200).ids(), "once per post");
        assertEquals(List.of(), r.get("/api/v1/timelines/tag/edgenot").expect(200).ids(), "x#edgenot is no tag");
        assertEquals(1, r.get("/api/v1/statuses/" + twice).expect(200).json().path("tags").size(),
                "one tag entry for a tag used three times");
        assertFalse(notTag.isEmpty());
    }

    @Test
    void concurrentFollowsAndFavouritesFromManyAccounts() throws Exception {
        User star = fresh("popular");
        String post = api.as(star.token()).postJson("/api/v1/statuses", ApiClient.obj("status", "like me"))
                .expect(200).json().path("id").asString("");
        List<User> fans = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            fans.add(fresh("fan"));
        }
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Response>> rs = new ArrayList<>();
            for (User f : fans) {
                rs.add(pool.submit(() -> api.as(f.token()).post("/api/v1/accounts/" + star.id() + "/follow")));
                rs.add(pool.submit(() -> api.as(f.token()).post("/api/v1/statuses/" + post + "/favourite")));
            }
            for (var f : rs) {
                f.get().expect(200);
            }
        }
        assertTrue(app.awaitTasks(10_000));
        assertFollowers(star, 10);
        assertFavourites(post, 10);
        Set<String> fanIds = new HashSet<>();
        fans.forEach(f -> fanIds.add(f.id()));
        Set<String> listed = new HashSet<>(api.as(star.token()).get("/api/v1/accounts/" + star.id() + "/followers",
                "limit", "40").expect(200).ids());
        assertEquals(fanIds, listed, "followers list");
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Response>> rs = new ArrayList<>();
            for (User f : fans) {
                rs.add(pool.submit(() -> api.as(f.token()).post("/api/v1/accounts/" + star.id() + "/unfollow")));
                rs.add(pool.submit(() -> api.as(f.token()).post("/api/v1/statuses/" + post + "/unfavourite")));
            }
            for (var f : rs) {
                f.get().expect(200);
            }
        }
        assertTrue(app.awaitTasks(10_000));
        assertFollowers(star, 0);
        assertFavourites(post, 0);
    }

    @Test
    void rateLimitAnswers429(@TempDir Path limitedDir) {
        Topology t = TestPostgres.topology(4)
                .withLimits(new Topology.LimitsConfig(500, MAX_MEDIA_BYTES, MAX_MEDIA_PER_STATUS, 40, 30));
        try (Scalegram limited = Scalegram.start(new ServeOptions(t, limitedDir, 0))) {
            ApiClient c = ApiClient.local(limited.port());
            App a = c.createApp("limited");
            User u = c.register(c.appToken(a), "busy");
            User other = c.register(c.appToken(a), "calm");
            ApiClient busy = c.as(u.token());
            int ok = 0;
            Response last = null;
            String firstWindow = null;
            for (int i = 0; i < 70; i++) { // 70 > 2 windows' worth, in case a 5-minute window turns over mid-loop
                last = busy.get("/api/v1/accounts/verify_credentials");
                if (firstWindow == null) {
                    firstWindow = last.header("X-RateLimit-Reset").orElse("");
                }
                if (last.status() != 200) {
                    break;
                }
                ok++;
            }
            assertNotNull(last);
            boolean sameWindow = firstWindow.equals(last.header("X-RateLimit-Reset").orElse(""));
            assertTrue(ok > 0 && ok <= (sameWindow ? 30 : 60), "requests before the limit: " + ok);
            assertError(last, 429);
            assertTrue(last.header("X-RateLimit-Limit").isPresent(), "X-RateLimit-Limit: " + last.headers().map());
            assertEquals("0", last.header("X-RateLimit-Remaining").orElse(""), "remaining: " + last.headers().map());
            // a limited token cannot write either, and nothing is written
            assertError(busy.postJson("/api/v1/statuses", ApiClient.obj("status", "over the limit")), 429);
            // another token is not limited by this one
            JsonNode calm = c.as(other.token()).get("/api/v1/accounts/" + u.id()).expect(200).json();
            assertEquals(0, calm.path("statuses_count").asInt(-1), "nothing written over the limit: " + calm);
        }
    }

    @Test
    void mediaIsAttachedOnce() {
        User u = fresh("once");
        ApiClient c = api.as(u.token());
        String media = upload(u, png(9, 9)).path("id").asString("");
        JsonNode first = c.postJson("/api/v1/statuses", ApiClient.obj("status", "", "media_ids", List.of(media)))
                .expect(200).json();
        assertEquals(media, first.path("media_attachments").path(0).path("id").asString(""),
                "a status of media alone: " + first);
        assertError(c.postJson("/api/v1/statuses", ApiClient.obj("status", "again", "media_ids", List.of(media))),
                422);
        assertStatusesCount(u, 1);
        JsonNode still = c.get("/api/v1/statuses/" + first.path("id").asString("")).expect(200).json();
        assertEquals(media, still.path("media_attachments").path(0).path("id").asString(""));
    }

    // ----------------------------------------------------------------------------------------------- helpers

    static void assertOAuthError(Response r, int status, String code) {
        assertEquals(status, r.status(), "status of " + r);
        assertEquals(code, r.error(), "OAuth error code of " + r);
        assertFalse(r.isJson() && r.json().has("access_token"), "no token: " + r);
    }

    static App createApp(String name, String scopes) {
        return createApp(name, scopes, ApiClient.REDIRECT_OOB);
    }

    static App createApp(String name, String scopes, String redirect) {
        Response r = api.postJson("/api/v1/apps", ApiClient.obj("client_name", name, "redirect_uris", redirect,
                "scopes", scopes)).expect(200);
        return new App(r.json().path("client_id").asString(""), r.json().path("client_secret").asString(""));
    }

    static int followersOf(User u) {
        return api.as(dora.token()).get("/api/v1/accounts/" + u.id()).expect(200).json().path("followers_count")
                .asInt(-1);
    }

    static JsonNode registration(String username, String email) {
        return ApiClient.obj("username", username, "email", email, "password", "long-enough-password",
                "agreement", true, "locale", "en");
    }

    static void assertError(Response r, int status) {
        assertEquals(status, r.status(), "status of " + r);
        assertNotNull(r.error(), "an {\"error\": \"...\"} JSON body: " + r);
        assertFalse(r.error().isBlank(), "a non-blank error: " + r);
    }

    /** Records a problem unless {@code r} has the status and an {"error": "..."} body. */
    static void expectError(List<String> problems, Response r, int status) {
        expectError(problems, "", r, status);
    }

    static void expectError(List<String> problems, String body, Response r, int status) {
        if (r.status() != status || r.error() == null || r.error().isBlank()) {
            problems.add("want " + status + (body.isEmpty() ? "" : " for " + body) + ": " + r);
        }
    }

    static void assertStatusesCount(User u, int expected) {
        assertTrue(app.awaitTasks(10_000));
        JsonNode a = api.as(eve.token()).get("/api/v1/accounts/" + u.id()).expect(200).json();
        assertEquals(expected, a.path("statuses_count").asInt(-1), u.username() + " statuses_count: " + a);
        List<String> listed = new ArrayList<>();
        for (JsonNode s : api.as(eve.token()).get("/api/v1/accounts/" + u.id() + "/statuses",
                "exclude_replies", "true", "limit", "40").expect(200).json()) {
            listed.add(s.path("id").asString(""));
        }
        assertEquals(expected, listed.size(), u.username() + "'s listed statuses: " + listed);
    }

    static void assertStatusExists(String id) {
        JsonNode s = api.as(dora.token()).get("/api/v1/statuses/" + id).expect(200).json();
        assertEquals(id, s.path("id").asString(""));
    }

    static void assertFavourites(String id, int expected) {
        assertTrue(app.awaitTasks(10_000));
        JsonNode s = api.as(dora.token()).get("/api/v1/statuses/" + id).expect(200).json();
        assertEquals(expected, s.path("favourites_count").asInt(-1), "favourites_count: " + s);
        assertEquals(expected, api.as(dora.token()).get("/api/v1/statuses/" + id + "/favourited_by").expect(200)
                .ids().size());
    }

    static void assertFollowers(User u, int expected) {
        assertTrue(app.awaitTasks(10_000));
        JsonNode a = api.as(eve.token()).get("/api/v1/accounts/" + u.id()).expect(200).json();
        assertEquals(expected, a.path("followers_count").asInt(-1), "followers_count: " + a);
    }

    static JsonNode upload(User u, byte[] png) {
        Response r = api.as(u.token()).postMultipart("/api/v2/media",
                List.of(Part.file("file", "pic.png", "image/png", png)));
        assertTrue(r.status() == 200 || r.status() == 202, "upload: " + r);
        assertFalse(r.json().path("id").asString("").isEmpty(), "media id: " + r);
        return r.json();
    }

    static byte[] png(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0x3366cc);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
