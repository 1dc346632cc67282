package dev.scalegram.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.scalegram.server.Scalegram;
import dev.scalegram.server.ServeOptions;
import dev.scalegram.testing.TestPostgres;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two people in a real browser (Debian's Chromium driven by Playwright, with JavaScript, so htmx is live): Ann
 * signs up and posts photos; Ben signs up, finds her profile, follows her, sees her post in his feed, likes it and
 * comments; Ann sees all three in her notifications. Each step is checked on the page and saved as a full-page
 * screenshot under the build directory (screenshots/), at desktop size and at a phone's.
 *
 * <p>Playwright is never allowed to download a browser: it is told so by its environment and given Chromium's path.
 */
class BrowserFlowTest {

    static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
    static final List<String> CHROMIUM_FLAGS = List.of("--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync");

    static Scalegram app;
    static Path build;
    static Path shots;
    static Playwright playwright;
    static Browser browser;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        // Not skipped when missing: `./scalegram test` installs it, and a skipped browser test would pass CI unseen.
        assertTrue(Files.isExecutable(CHROMIUM), "needs Debian's chromium at " + CHROMIUM
                + ": run the tests with ./scalegram test (it installs it), or apt-get install chromium");
        build = Files.createDirectories(Path.of(System.getProperty("project.build.directory", "target")));
        shots = Files.createDirectories(build.resolve("screenshots"));
        app = Scalegram.start(new ServeOptions(TestPostgres.topology(8),
                Files.createTempDirectory(build, "browser-test").toAbsolutePath(), 0));
        base = "http://127.0.0.1:" + app.port();
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        // Each context below is a fresh, empty profile (Playwright's default): no state leaks between people.
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(CHROMIUM)
                .setHeadless(true).setArgs(CHROMIUM_FLAGS));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
        if (app != null) {
            app.close();
        }
    }

    @Test
    void twoPeopleFollowLikeCommentAndGetNotified() throws Exception {
        BrowserContext annDesk = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
        BrowserContext benDesk = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
        Page ann = annDesk.newPage();
        Page ben = benDesk.newPage();

        signUp(ann, "ann", "01-signup");
        assertThat(ann).hasURL(base + "/explore");
        signUp(ben, "ben", null);

        // Ann posts: a few photos so the grid and the feed look like someone's, the last one with a hashtag.
        postPhoto(ann, scene(0), "A lighthouse on a green hill under a blue sky", "Weekend by the sea");
        postPhoto(ann, scene(1), "Pink and orange clouds over a calm lake", "Evening walk, no filter");
        postPhoto(ann, scene(2), "Orange sun setting behind purple mountains",
                "Golden hour from the ridge #sunset");
        assertThat(ann.locator("article.post h1")).containsText("Golden hour from the ridge #sunset");
        assertThat(ann.locator("article.post img").first())
                .hasAttribute("alt", "Orange sun setting behind purple mountains");
        assertThat(ann.locator("a[href='/tags/sunset']")).hasText("#sunset");
        shot(ann, "02-post");

        // Ben finds Ann and follows her.
        ben.navigate(base + "/@ann");
        assertThat(ben.locator(".counts")).containsText("3 posts");
        assertThat(ben.locator(".grid img")).hasCount(3);
        shot(ben, "03-profile");
        ben.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON,
                new Page.GetByRoleOptions().setName("Follow")).click();
        assertThat(ben.locator(".profile-title button")).hasText("Following ✓");
        // Her follower count and Ben's feed follow by tasks (the FOLLOWED_BY inverse, the backfill of her posts).
        assertTrue(app.awaitTasks(10_000));
        ben.reload();
        assertThat(ben.locator(".counts")).containsText("1 follower");
        ben.navigate(base + "/");
        Locator first = ben.locator("article.card").first();
        assertThat(first).containsText("Golden hour from the ridge");
        assertThat(ben.locator("article.card")).hasCount(3);
        // Like with htmx: the button is swapped in place, no page load.
        first.locator("form.like button").click();
        assertThat(first.locator("form.like .count")).hasText("1 like");
        assertThat(first.locator("form.like button")).hasAttribute("aria-pressed", "true");
        first.locator("form.save button").click();
        assertThat(first.locator("form.save button")).hasAttribute("aria-pressed", "true");
        shot(ben, "04-home");

        // Ben comments on the post's page.
        first.locator("a.when").click();
        assertThat(ben.locator("article.post")).containsText("Golden hour from the ridge");
        ben.getByLabel("Add a comment").fill("What a view! Where is this?");
        ben.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON,
                new Page.GetByRoleOptions().setName("Post").setExact(true)).click();
        assertThat(ben.locator(".comments")).containsText("What a view! Where is this?");
        assertThat(ben.locator("#comments-title")).hasText("1 comment");
        shot(ben, "05-comment");
        String postUrl = ben.url();

        ben.navigate(base + "/saved");
        assertThat(ben.locator(".grid img")).hasCount(1);
        ben.navigate(base + "/tags/sunset");
        assertThat(ben.locator(".grid img")).hasAttribute("alt", "Orange sun setting behind purple mountains");
        ben.navigate(base + "/explore");
        assertThat(ben.locator(".grid img")).hasCount(3);
        shot(ben, "06-explore");

        // Ann sees the follow, the like and the comment.
        assertTrue(app.awaitTasks(10_000));
        ann.navigate(base + "/notifications");
        Locator notes = ann.locator(".notes");
        assertThat(notes).containsText("ben started following you.");
        assertThat(notes).containsText("ben liked your post.");
        assertThat(notes).containsText("ben commented: What a view! Where is this?");
        shot(ann, "07-notifications");

        // The same pages at a phone's size, as Ann and as Ben.
        BrowserContext annPhone = browser.newContext(new Browser.NewContextOptions().setViewportSize(390, 844)
                .setDeviceScaleFactor(2).setIsMobile(true).setHasTouch(true).setStorageState(annDesk.storageState()));
        BrowserContext benPhone = browser.newContext(new Browser.NewContextOptions().setViewportSize(390, 844)
                .setDeviceScaleFactor(2).setIsMobile(true).setHasTouch(true).setStorageState(benDesk.storageState()));
        Page annP = annPhone.newPage();
        Page benP = benPhone.newPage();
        benP.navigate(base + "/");
        assertThat(benP.locator("article.card").first()).containsText("Golden hour");
        // Only icons show in the phone's tab bar; the links keep their names.
        assertThat(benP.getByRole(com.microsoft.playwright.options.AriaRole.LINK,
                new Page.GetByRoleOptions().setName("Notifications"))).isVisible();
        shot(benP, "08-phone-home");
        annP.navigate(base + "/@ann");
        assertThat(annP.locator(".counts")).containsText("1 follower");
        shot(annP, "09-phone-profile");
        annP.navigate(base + "/notifications");
        shot(annP, "10-phone-notifications");
        benP.navigate(postUrl);
        assertThat(benP.locator(".comments")).containsText("What a view!");
        shot(benP, "11-phone-post");
        benP.navigate(base + "/new");
        shot(benP, "12-phone-new-post");

        // Signed out: the log-in page.
        BrowserContext guest = browser.newContext(new Browser.NewContextOptions().setViewportSize(390, 844)
                .setDeviceScaleFactor(2).setIsMobile(true));
        Page g = guest.newPage();
        g.navigate(base + "/");
        assertThat(g.getByLabel("Username or email")).isVisible();
        shot(g, "13-phone-login");
        // Infinite scroll: with more posts than one page holds, scrolling to the end of Ben's feed loads the next
        // page in place (htmx, hx-trigger="revealed" on the "Older posts" link).
        for (int i = 0; i < WebUi.CARDS_PER_PAGE; i++) {
            postPhoto(ann, scene(i % 3), "Photo " + i + " of a series", "Series, part " + (i + 1));
        }
        assertTrue(app.awaitTasks(10_000));
        ben.navigate(base + "/");
        assertThat(ben.locator("article.card")).hasCount(WebUi.CARDS_PER_PAGE);
        ben.locator("a.more").scrollIntoViewIfNeeded();
        assertThat(ben.locator("article.card")).hasCount(WebUi.CARDS_PER_PAGE + 3);
        assertThat(ben.locator("article.card").last()).containsText("Weekend by the sea");
        assertThat(ben).hasURL(base + "/");
        for (BrowserContext c : List.of(annDesk, benDesk, annPhone, benPhone, guest)) {
            c.close();
        }
    }

    private void signUp(Page p, String name, String shot) {
        p.navigate(base + "/signup");
        p.getByLabel("Email").fill(name + "@example.com");
        p.getByLabel("Username").fill(name);
        p.getByLabel("Password").fill("correct horse battery");
        if (shot != null) {
            shot(p, shot);
        }
        p.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON,
                new Page.GetByRoleOptions().setName("Sign up")).click();
        p.waitForURL(base + "/explore");
        assertThat(p.locator("nav a[href='/@" + name + "']")).isVisible();
    }

    private void postPhoto(Page p, Path photo, String alt, String caption) {
        p.navigate(base + "/new");
        p.setInputFiles("#photo1", photo);
        p.getByLabel("Describe it for people who can't see it (alt text)").fill(alt);
        p.getByLabel("Caption").fill(caption);
        p.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON,
                new Page.GetByRoleOptions().setName("Share")).click();
        p.waitForURL(java.util.regex.Pattern.compile(".*/p/\\d+$"));
    }

    private static void shot(Page p, String name) {
        p.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve(name + ".png")).setFullPage(true));
    }

    /** A generated landscape photo (a JPEG file), different per index, so the pages look like they would in use. */
    private static Path scene(int index) throws Exception {
        int w = 1080;
        int h = index == 1 ? 1350 : 1080;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        switch (index) {
            case 0 -> {
                g.setPaint(new GradientPaint(0, 0, new Color(0x6ec6ff), 0, h * 0.6f, new Color(0xd8f1ff)));
                g.fillRect(0, 0, w, h);
                g.setColor(new Color(0x2f8f4e));
                g.fill(hill(w, h, 0.62, 0.12));
                g.setColor(Color.WHITE);
                g.fillRect(w / 2 - 30, (int) (h * 0.3), 60, (int) (h * 0.28));
                g.setColor(new Color(0xd9534f));
                g.fillRect(w / 2 - 30, (int) (h * 0.38), 60, 40);
                g.fillRect(w / 2 - 30, (int) (h * 0.48), 60, 40);
                g.setColor(new Color(0x333333));
                g.fillRect(w / 2 - 40, (int) (h * 0.27), 80, 30);
            }
            case 1 -> {
                g.setPaint(new GradientPaint(0, 0, new Color(0xff9a8b), 0, h * 0.55f, new Color(0xffd3a5)));
                g.fillRect(0, 0, w, h);
                g.setPaint(new GradientPaint(0, h * 0.55f, new Color(0x7f8cc4), 0, h, new Color(0x2c3e70)));
                g.fillRect(0, (int) (h * 0.55), w, h);
                g.setColor(new Color(255, 255, 255, 120));
                for (int i = 0; i < 6; i++) {
                    g.fillRoundRect(80 + i * 150, (int) (h * 0.2) + (i % 3) * 60, 260, 50, 50, 50);
                }
            }
            default -> {
                g.setPaint(new GradientPaint(0, 0, new Color(0xff7e5f), 0, h * 0.7f, new Color(0xfeb47b)));
                g.fillRect(0, 0, w, h);
                g.setColor(new Color(0xfff3b0));
                g.fillOval(w / 2 - 130, (int) (h * 0.42), 260, 260);
                g.setColor(new Color(0x6a3d7a));
                g.fill(hill(w, h, 0.6, 0.2));
                g.setColor(new Color(0x3e2352));
                g.fill(hill(w, h, 0.75, 0.1));
            }
        }
        g.dispose();
        Path file = build.resolve("tmp").resolve("scene-" + index + ".jpg");
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "jpg", file.toFile());
        return file;
    }

    private static Path2D hill(int w, int h, double top, double amplitude) {
        Path2D p = new Path2D.Double();
        p.moveTo(0, h);
        for (int x = 0; x <= w; x += 20) {
            p.lineTo(x, h * (top + amplitude * Math.sin(x / (double) w * Math.PI * 3) * 0.5));
        }
        p.lineTo(w, h);
        p.closePath();
        return p;
    }
}
