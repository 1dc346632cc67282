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
        for (String id : List.of("123456789", "abc")) {
            assertError(c.postJson("/api/v1/statuses", ApiClient.obj("status", "with media", "media_ids",
                    List.of(id))), 422);
        }
        // someone else's media is as unknown as none
        String evesMedia = upload(eve, png(4, 4)).path("id").asString("");
        assertError(c.postJson("/api/v1/statuses", ApiClient.obj("status", "stolen", "media_ids", List.of(evesMedia))),
                422);
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

        // nothing was created: dora is still dora, and none of the others exists
        ApiClient viewer = api.as(eve.token());
        assertEquals(dora.id(), viewer.get("/api/v1/accounts/lookup", "acct", "dora").expect(200).json()
                .path("id").asString(""));
        for (String name : List.of("dora4", "nopass", "noagree")) {
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
        List<String> ids = new ArrayList<>(BAD_IDS);
        ids.add(dora.id()); // an account id is no status id
        for (String id : ids) {
            assertError(c.get("/api/v1/statuses/" + id), 404);
            assertError(c.get("/api/v1/statuses/" + id + "/context"), 404);
            assertError(c.get("/api/v1/statuses/" + id + "/favourited_by"), 404);
            assertError(c.post("/api/v1/statuses/" + id + "/favourite"), 404);
            assertError(c.post("/api/v1/statuses/" + id + "/bookmark"), 404);
            assertError(c.delete("/api/v1/statuses/" + id), 404);
            assertError(c.get("/api/v1/media/" + id), 404);
            assertError(c.postJson("/api/v1/statuses", ApiClient.obj("status", "reply to nothing",
                    "in_reply_to_id", id)), 404);
        }
        List<String> accountIds = new ArrayList<>(BAD_IDS);
        accountIds.add(dorasStatus); // a status id is no account id
        for (String id : accountIds) {
            assertError(c.get("/api/v1/accounts/" + id), 404);
            assertError(c.get("/api/v1/accounts/" + id + "/statuses"), 404);
            assertError(c.get("/api/v1/accounts/" + id + "/followers"), 404);
            assertError(c.post("/api/v1/accounts/" + id + "/follow"), 404);
        }
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

    // ----------------------------------------------------------------------------------------------- helpers

    static JsonNode registration(String username, String email) {
        return ApiClient.obj("username", username, "email", email, "password", "long-enough-password",
                "agreement", true, "locale", "en");
    }

    static void assertError(Response r, int status) {
        assertEquals(status, r.status(), "status of " + r);
        assertNotNull(r.error(), "an {\"error\": \"...\"} JSON body: " + r);
        assertFalse(r.error().isBlank(), "a non-blank error: " + r);
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
