package dev.scalegram.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.server.Scalegram;
import dev.scalegram.server.ServeOptions;
import dev.scalegram.testing.TestPostgres;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web UI over HTTP as a browser without JavaScript uses it: sign-up and log-in cookies, form tokens, a like as a
 * form post and a redirect, refused input re-rendered with a 4xx and nothing changed, and every reading page
 * showing the post in its HTML.
 */
class WebUiTest {

    static Scalegram app;
    static final AtomicInteger NAMES = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("scalegram.test.dir",
                "target"))), "web-test");
        app = Scalegram.start(new ServeOptions(TestPostgres.topology(8), dir.toAbsolutePath(), 0));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    static byte[] jpeg(int w, int h, Color color) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.WHITE);
        g.fillOval(w / 4, h / 4, w / 2, h / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }

    /** A new person, signed up and signed in through the forms. */
    static WebClient signedUp(String prefix) {
        WebClient b = new WebClient(app.port());
        String name = prefix + NAMES.incrementAndGet();
        b.get("/signup");
        HttpResponse<String> r = b.post("/signup", "csrf", b.csrf(), "username", name, "email", name + "@example.com",
                "password", "correct horse");
        assertEquals(303, r.statusCode(), r.body());
        b.get("/");
        return b;
    }

    static String username(WebClient b) {
        Matcher m = Pattern.compile("href=\"/@(\\w+)\"[^>]*>[^<]*<svg").matcher(b.get("/").body());
        assertTrue(m.find());
        return m.group(1);
    }

    /** Posts a photo through the form; returns the post's path. */
    static String postPhoto(WebClient b, String caption, String alt) throws Exception {
        b.get("/new");
        HttpResponse<String> r = b.postMultipart("/new", Map.of("csrf", b.csrf(), "caption", caption, "alt1", alt,
                "alt2", ""), Map.of("photo1", jpeg(400, 300, new Color(0x3f7cac))));
        assertEquals(303, r.statusCode(), r.body());
        String post = r.headers().firstValue("Location").orElseThrow();
        assertTrue(post.matches("/p/\\d+"), post);
        return post;
    }

    @Test
    void signUpSetsAnHttpOnlyLaxSessionCookie() {
        WebClient b = new WebClient(app.port());
        HttpResponse<String> form = b.get("/signup");
        assertEquals(200, form.statusCode());
        assertTrue(form.body().contains("<label for=\"username\">"));
        assertTrue(WebClient.setCookies(form).stream().anyMatch(c -> c.startsWith("sg_csrf=") && c.contains("HttpOnly")
                && c.contains("SameSite=Lax")), "a signed-out form token comes with its cookie");
        HttpResponse<String> r = b.post("/signup", "csrf", b.csrf(), "username", "sue", "email", "sue@example.com",
                "password", "correct horse");
        assertEquals(303, r.statusCode());
        String session = WebClient.setCookies(r).stream().filter(c -> c.startsWith("sg_session=")).findFirst()
                .orElseThrow();
        assertTrue(session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/"),
                session);
        HttpResponse<String> home = b.get("/");
        assertEquals(200, home.statusCode());
        assertTrue(home.body().contains("href=\"/@sue\""), "the top bar links to one's profile");
        assertTrue(home.body().contains("Your feed is empty"));
        assertEquals("no-store", home.headers().firstValue("Cache-Control").orElse(""));
    }

    @Test
    void logInAndLogOut() {
        WebClient first = signedUp("lia");
        String name = username(first);
        WebClient b = new WebClient(app.port());
        HttpResponse<String> root = b.get("/");
        assertTrue(root.body().contains("action=\"/login\""), "signed out, / is the log-in page");
        HttpResponse<String> wrong = b.post("/login", "csrf", b.csrf(), "username", name, "password", "wrong password");
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.body().contains("role=\"alert\""));
        assertTrue(wrong.body().contains("value=\"" + name + "\""), "what was typed is kept");
        assertNull(b.cookie("sg_session"));

        HttpResponse<String> ok = b.post("/login", "csrf", b.csrf(), "username", name, "password", "correct horse");
        assertEquals(303, ok.statusCode());
        assertNotNull(b.cookie("sg_session"));
        HttpResponse<String> home = b.get("/");
        assertTrue(home.body().contains("href=\"/@" + name + "\""));
        assertTrue(home.body().contains("action=\"/logout\""));

        String sessionToken = b.cookie("sg_session").getValue();
        assertEquals(303, b.post("/logout", "csrf", b.csrf()).statusCode());
        assertNull(b.cookie("sg_session"), "the cookie is cleared");
        assertTrue(b.get("/").body().contains("action=\"/login\""));
        // The session's token is revoked too, not only forgotten by this browser.
        WebClient replay = new WebClient(app.port());
        HttpResponse<String> again = replay.get("/", Map.of("Cookie", "sg_session=" + sessionToken));
        assertTrue(again.body().contains("action=\"/login\""));
    }

    @Test
    void postsWithoutTheFormTokenAreRefused() throws Exception {
        WebClient anon = new WebClient(app.port());
        anon.get("/login");
        assertEquals(403, anon.post("/login", "username", "x", "password", "yyyyyyyy").statusCode());
        assertEquals(403, anon.post("/signup", "csrf", "forged-token-of-another-site", "username", "eve",
                "email", "eve@example.com", "password", "correct horse").statusCode());
        WebClient eve = new WebClient(app.port());
        eve.get("/login");
        assertEquals(401, eve.post("/login", "csrf", eve.csrf(), "username", "eve", "password", "correct horse")
                .statusCode(), "the refused sign-up created no account");

        WebClient ann = signedUp("ann");
        String post = postPhoto(ann, "csrf target", "a blue square");
        WebClient ben = signedUp("ben");
        String anonToken = anon.csrf();
        HttpResponse<String> forged = ben.post(post + "/like", "csrf", anonToken);
        assertEquals(403, forged.statusCode());
        assertTrue(forged.body().contains("expired"));
        assertEquals(403, ben.post(post + "/like").statusCode());
        assertTrue(ben.get(post).body().contains("0 likes"), "nothing changed");
    }

    @Test
    void likeTogglesAsAFormPostAndAsAnHtmxSwap() throws Exception {
        WebClient ann = signedUp("ann");
        String post = postPhoto(ann, "like me", "a blue square with a white dot");
        WebClient ben = signedUp("ben");
        ben.get(post);
        HttpResponse<String> liked = ben.post(post + "/like", "csrf", ben.csrf(), "next", post);
        assertEquals(303, liked.statusCode());
        assertEquals(post, liked.headers().firstValue("Location").orElseThrow(), "back where the form was");
        String page = ben.get(post).body();
        assertTrue(page.contains("1 like<"), page);
        assertTrue(page.contains("aria-pressed=\"true\""));
        assertTrue(page.contains("action=\"" + post + "/unlike\""));
        // Never a redirect to another site.
        assertEquals(post, ben.post(post + "/like", "csrf", ben.csrf(), "next", "//evil.example/x")
                .headers().firstValue("Location").orElseThrow());

        HttpResponse<String> swapped = ben.post(post + "/unlike", Map.of("HX-Request", "true"), "csrf", ben.csrf());
        assertEquals(200, swapped.statusCode());
        assertTrue(swapped.body().trim().startsWith("<form class=\"like\""), "only the button comes back");
        assertTrue(swapped.body().contains("0 likes"));
        assertTrue(swapped.body().contains("action=\"" + post + "/like\""));
        assertTrue(ben.get(post).body().contains("0 likes"));

        // From a feed, back to the same post on it.
        assertEquals("/#post-" + post.substring(3), ben.post(post + "/like", "csrf", ben.csrf(), "next", "/")
                .headers().firstValue("Location").orElseThrow());
        // Signed out, htmx is told to go to the log-in page rather than swap it in for the button.
        WebClient anon = new WebClient(app.port());
        anon.get(post);
        HttpResponse<String> anonLike = anon.post(post + "/like", Map.of("HX-Request", "true"), "csrf", anon.csrf());
        assertEquals("/login", anonLike.headers().firstValue("HX-Redirect").orElse(""));
        assertTrue(ben.get(post).body().contains("1 like<"), "the signed-out like changed nothing");

        assertEquals(303, ben.post(post + "/save", "csrf", ben.csrf(), "next", post).statusCode());
        assertTrue(ben.get("/saved").body().contains("href=\"" + post + "\""));
    }

    @Test
    void badInputIsShownAgainWithA4xxAndChangesNothing() throws Exception {
        WebClient b = new WebClient(app.port());
        b.get("/signup");
        HttpResponse<String> r = b.post("/signup", "csrf", b.csrf(), "username", "no spaces allowed", "email",
                "nospace@example.com", "password", "correct horse");
        assertEquals(422, r.statusCode());
        assertTrue(r.body().contains("Username must be"), r.body());
        assertTrue(r.body().contains("value=\"nospace@example.com\""));
        assertNull(b.cookie("sg_session"));
        assertEquals(404, b.get("/@no_such_person").statusCode());
        assertTrue(b.get("/@no_such_person").body().contains("<main"), "an HTML page, not JSON");

        WebClient ann = signedUp("ann");
        String name = username(ann);
        ann.get("/new");
        HttpResponse<String> noPhoto = ann.postMultipart("/new", Map.of("csrf", ann.csrf(), "caption", "text only"),
                Map.of());
        assertEquals(422, noPhoto.statusCode());
        assertTrue(noPhoto.body().contains("Choose at least one photo"));
        assertTrue(noPhoto.body().contains(">text only</textarea>"), "the caption is kept");
        HttpResponse<String> notAPhoto = ann.postMultipart("/new", Map.of("csrf", ann.csrf(), "caption", "junk"),
                Map.of("photo1", "not an image at all".getBytes()));
        assertEquals(422, notAPhoto.statusCode());
        assertTrue(notAPhoto.body().contains("not a JPEG, PNG or WebP"), notAPhoto.body());
        assertTrue(ann.get("/@" + name).body().contains("<strong>0</strong> posts"), "nothing was posted");

        String post = postPhoto(ann, "comment here", "x");
        HttpResponse<String> blank = ann.post(post + "/comments", "csrf", ann.csrf(), "text", "   ");
        assertEquals(422, blank.statusCode());
        assertTrue(blank.body().contains("Write something to comment"));
        assertTrue(ann.get(post).body().contains("No comments yet"));
        assertEquals(404, ann.get("/p/123").statusCode());
        assertEquals(404, ann.get("/p/not-an-id").statusCode());
    }

    @Test
    void everyReadingPageShowsThePostWithoutJavaScript() throws Exception {
        WebClient ann = signedUp("ann");
        String name = username(ann);
        String post = postPhoto(ann, "Sunset at the pier #goldenhour", "An orange sun over a wooden pier");
        String id = post.substring(3);
        WebClient ben = signedUp("ben");
        ben.get("/@" + name);
        assertEquals(303, ben.post("/@" + name + "/follow", "csrf", ben.csrf()).statusCode());
        ben.get(post);
        assertEquals(303, ben.post(post + "/comments", "csrf", ben.csrf(), "text", "Lovely light!").statusCode());
        assertTrue(app.awaitTasks(10_000));

        WebClient anon = new WebClient(app.port());
        String page = anon.get(post).body();
        assertTrue(page.contains("Sunset at the pier"));
        assertTrue(page.contains("<a href=\"/tags/goldenhour\">#goldenhour</a>"), "hashtags are links");
        assertTrue(page.contains("alt=\"An orange sun over a wooden pier\""));
        assertTrue(page.contains("Lovely light!"), "comments are on the post's page");
        assertTrue(Pattern.compile("<img src=\"/media/[^\"]+\" width=\"400\" height=\"300\"").matcher(page).find(),
                "the full size, with its dimensions");
        String profile = anon.get("/@" + name).body();
        assertTrue(profile.contains("<strong>1</strong> post"));
        assertTrue(profile.contains("<strong>1</strong> follower"));
        assertTrue(profile.contains("href=\"" + post + "\""), "the grid links to the post");
        assertTrue(Pattern.compile("<img src=\"/media/[^\"]+\" width=\"320\" height=\"240\"").matcher(profile).find(),
                "the grid uses the preview size");
        assertTrue(anon.get("/tags/goldenhour").body().contains("href=\"" + post + "\""));
        assertTrue(anon.get("/explore").body().contains("href=\"" + post + "\""));
        String home = ben.get("/").body();
        assertTrue(home.contains("Sunset at the pier"), "in the follower's home feed");
        assertTrue(home.contains("id=\"post-" + id + "\""));
        assertTrue(ben.get("/@" + name).body().contains("Following"));
        String notes = ann.get("/notifications").body();
        assertTrue(notes.contains("started following you"));
        assertTrue(notes.contains("Lovely light!"));
        assertFalse(anon.get("/notifications").statusCode() == 200, "signed out, notifications send you to log in");

        // Asked by htmx (the "Older" link scrolled into view), a page answers with its items only.
        HttpResponse<String> next = anon.get("/explore?max_id=" + (Long.parseLong(id) + 1),
                Map.of("HX-Request", "true"));
        assertEquals(200, next.statusCode());
        assertTrue(next.body().contains("href=\"" + post + "\""));
        assertFalse(next.body().contains("<html"), "a fragment, not a page");

        HttpResponse<String> css = anon.get("/assets/app.css");
        assertEquals(200, css.statusCode());
        HttpResponse<String> htmx = anon.get("/assets/htmx.min.js");
        assertEquals(200, htmx.statusCode());
        assertTrue(htmx.headers().firstValue("Cache-Control").orElse("").contains("max-age=31536000"));
    }
}
