package dev.scalegram.web;

import dev.scalegram.api.ApiError;
import dev.scalegram.api.Params;
import dev.scalegram.config.Topology.LimitsConfig;
import dev.scalegram.feed.Activity;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.ids.Page;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.media.Media;
import dev.scalegram.media.MediaUrls;
import dev.scalegram.media.UploadMedia;
import dev.scalegram.social.Account;
import dev.scalegram.shards.ShardException;
import dev.scalegram.social.AccountView;
import dev.scalegram.social.Problem;
import dev.scalegram.social.ReadNotifications;
import dev.scalegram.social.ReadTimelines;
import dev.scalegram.social.RegisterAccount;
import dev.scalegram.social.StatusView;
import dev.scalegram.social.UseCases;
import dev.scalegram.web.Model.Card;
import dev.scalegram.web.Model.Chrome;
import dev.scalegram.web.Model.Form;
import dev.scalegram.web.Model.Listing;
import dev.scalegram.web.Model.Note;
import dev.scalegram.web.Model.Photo;
import dev.scalegram.web.Model.Segment;
import dev.scalegram.web.Sessions.Session;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The server-rendered web UI. Every page is a jte template (compiled to Java at build time) filled from the same use
 * cases the API calls; reading needs no JavaScript. htmx only makes things smoother where it is present: the home
 * feed loads its next page when the "Older" link scrolls into view, and like and save buttons swap in place; without
 * it the link is a link and the buttons are forms that post and redirect back.
 */
public final class WebUi {

    static final int CARDS_PER_PAGE = 10;
    /** The most a form without files may send; photo posts get room for their photos. */
    static final long FORM_BYTES = 64 * 1024;
    static final int TILES_PER_PAGE = 24;
    /** How long a post waits for photos made into sizes by a task (large uploads) before giving up. */
    static final Duration PROCESSING_WAIT = Duration.ofSeconds(60);
    private static final Pattern LINKS = Pattern.compile("(?<![\\p{L}\\p{N}_/#@])([#@])([\\p{L}\\p{N}_]{1,64})");

    private static final Logger LOG = Logger.getLogger(WebUi.class.getName());

    private final UseCases u;
    private final Sessions sessions;
    private final LimitsConfig limits;
    private final MediaUrls mediaUrls;
    private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);

    public WebUi(UseCases useCases, dev.scalegram.api.OAuthStore oauth, LimitsConfig limits, MediaUrls mediaUrls) {
        this.u = useCases;
        this.sessions = new Sessions(oauth);
        this.limits = limits;
        this.mediaUrls = mediaUrls;
    }

    /** One request with its session looked up once. */
    private record Req(ServerRequest req, ServerResponse res, Session session) {
        long me() {
            return session == null ? 0 : session.accountId();
        }

        boolean htmx() {
            return req.headers().first(HeaderNames.create("HX-Request")).map("true"::equals).orElse(false);
        }

        String query(String name) {
            return req.query().first(name).orElse(null);
        }
    }

    @FunctionalInterface
    private interface PageHandler {
        void handle(Req r) throws Exception;
    }

    private io.helidon.webserver.http.Handler page(PageHandler body) {
        return (req, res) -> {
            Req r = new Req(req, res, sessions.current(req).orElse(null));
            res.header(HeaderNames.CACHE_CONTROL, "no-store");
            try {
                body.handle(r);
            } catch (Problem e) {
                error(r, e.httpStatus(), e.getMessage());
            } catch (ApiError e) {
                error(r, e.status(), e.getMessage());
            } catch (ShardException e) {
                LOG.log(Level.WARNING, "database error on " + req.path().rawPath(), e);
                error(r, 503, "Scalegram can't reach some of its data right now. Try again in a moment.");
            }
        };
    }

    /** A POST: the form is read (bounded) and its token checked before anything else happens. */
    private io.helidon.webserver.http.Handler form(long maxBody, FormHandler body) {
        return page(r -> {
            Params p = params(r.req(), maxBody);
            if (!sessions.csrfValid(r.req(), r.session(), p.string("csrf"))) {
                error(r, 403, "This form has expired or did not come from this site. Go back, reload the page and try"
                        + " again.");
                return;
            }
            body.handle(r, p);
        });
    }

    @FunctionalInterface
    private interface FormHandler {
        void handle(Req r, Params p) throws Exception;
    }

    public void routes(HttpRouting.Builder r) {
        r.get("/", page(this::root));
        r.get("/login", page(x -> render(x, 200, "login.jte", "Log in", "", Map.of("form", Form.empty()))));
        r.post("/login", form(FORM_BYTES, this::login));
        r.get("/signup", page(x -> render(x, 200, "signup.jte", "Sign up", "", Map.of("form", Form.empty()))));
        r.post("/signup", form(FORM_BYTES, this::signup));
        r.post("/logout", form(FORM_BYTES, (x, p) -> {
            if (x.session() != null) {
                sessions.end(x.req(), x.res(), x.session());
            }
            redirect(x, "/");
        }));
        r.get("/explore", page(x -> listing(x, "Explore", "explore", "Recent posts from everyone", true,
                page -> u.timelines().recent(x.me(), page), "Nothing has been posted yet.")));
        r.get("/tags/{name}", page(x -> {
            String tag = x.req().path().pathParameters().first("name").orElse("");
            listing(x, "#" + tag, "", "Posts tagged #" + tag, true, page -> u.timelines().tag(tag, x.me(), page),
                    "No posts are tagged #" + tag + " yet.");
        }));
        r.get("/saved", page(x -> {
            if (signInFirst(x)) {
                return;
            }
            listing(x, "Saved", "saved", "Only you can see what you've saved", true,
                    page -> u.timelines().bookmarks(x.me(), page), "Save posts to see them again here.");
        }));
        r.get("/notifications", page(this::notifications));
        r.get("/new", page(x -> {
            if (!signInFirst(x)) {
                newPost(x, 200, Form.empty());
            }
        }));
        r.post("/new", form(limits.maxMediaPerStatus() * limits.maxMediaBytes() + 256 * 1024, this::post));
        r.get("/p/{id}", page(x -> postPage(x, 200, statusId(x), null, "")));
        r.post("/p/{id}/like", form(FORM_BYTES, (x, p) -> toggle(x, p, true, true)));
        r.post("/p/{id}/unlike", form(FORM_BYTES, (x, p) -> toggle(x, p, true, false)));
        r.post("/p/{id}/save", form(FORM_BYTES, (x, p) -> toggle(x, p, false, true)));
        r.post("/p/{id}/unsave", form(FORM_BYTES, (x, p) -> toggle(x, p, false, false)));
        r.post("/p/{id}/comments", form(FORM_BYTES, this::comment));
        r.get("/@{username}", page(this::profile));
        r.post("/@{username}/follow", form(FORM_BYTES, (x, p) -> follow(x, true)));
        r.post("/@{username}/unfollow", form(FORM_BYTES, (x, p) -> follow(x, false)));
    }

    // ---- pages

    private void root(Req x) throws Exception {
        if (x.session() == null) {
            render(x, 200, "login.jte", "Log in", "", Map.of("form", Form.empty()));
            return;
        }
        listing(x, "Home", "home", null, false, page -> u.timelines().home(x.me(), page),
                "Your feed is empty. Follow people from Explore to see their posts here.");
    }

    @FunctionalInterface
    private interface Read {
        ReadTimelines.Result<StatusView> page(Page page);
    }

    /** A feed or grid page; asked by htmx (the "Older" link scrolled into view), only the next items. */
    private void listing(Req x, String title, String section, String intro, boolean grid, Read read, String empty)
            throws Exception {
        int size = grid ? TILES_PER_PAGE : CARDS_PER_PAGE;
        ReadTimelines.Result<StatusView> result = read.page(new Page(cursor(x), 0, 0, size));
        List<Card> cards = result.items().stream().map(this::card).toList();
        // A short page is the last one (deleted posts can shorten a page too: then the feed simply ends early).
        String older = result.items().size() < size || result.oldest() == 0 ? null
                : x.req().path().rawPath() + "?max_id=" + result.oldest();
        Listing listing = new Listing(title, intro, grid, cards, older, empty);
        if (x.htmx() && x.query("max_id") != null) {
            render(x, 200, "items.jte", title, section, Map.of("listing", listing));
        } else {
            render(x, 200, "listing.jte", title, section, Map.of("listing", listing));
        }
    }

    private void profile(Req x) throws Exception {
        String username = x.req().path().pathParameters().first("username").orElse("");
        long id = accountId(username);
        AccountView a = u.hydrator().account(id);
        ReadTimelines.Result<StatusView> posts = u.timelines().accountStatuses(id, x.me(),
                new Page(cursor(x), 0, 0, TILES_PER_PAGE));
        String older = posts.items().size() < TILES_PER_PAGE ? null
                : "/@" + a.account().username() + "?max_id=" + posts.oldest();
        Listing grid = new Listing(null, null, true, posts.items().stream().map(this::card).toList(), older,
                x.me() == id ? "Share your first photo." : "No posts yet.");
        if (x.htmx() && x.query("max_id") != null) {
            render(x, 200, "items.jte", "@" + a.account().username(), "", Map.of("listing", grid));
            return;
        }
        boolean followed = x.me() != 0 && x.me() != id
                && u.graph().assocExists(x.me(), dev.scalegram.graph.Relation.FOLLOWS, id);
        Model.Profile profile = new Model.Profile(a.account().username(), a.account().displayName(),
                a.account().note(), a.statuses(), a.followers(), a.following(), x.me() == id, followed, grid);
        render(x, 200, "profile.jte", a.account().displayName() + " (@" + a.account().username() + ")",
                x.me() == id ? "profile" : "", Map.of("profile", profile));
    }

    private void postPage(Req x, int status, long id, String error, String draft) throws Exception {
        StatusView s = u.hydrator().status(id, x.me());
        if (s.status().isComment()) {
            redirect(x, "/p/" + s.status().inReplyToId());
            return;
        }
        ReadTimelines.Context thread = u.timelines().context(id, x.me());
        List<StatusView> comments = new ArrayList<>(thread.descendants());
        // A comment reaches its post's thread by a task (the HAS_COMMENT inverse); the redirect after commenting
        // names it, so its author sees it at once even before that task has run.
        long just = ScalegramId.parse(x.query("c") == null ? "" : x.query("c")).orElse(0);
        if (just != 0 && comments.stream().noneMatch(c -> c.id() == just)) {
            u.hydrator().statuses(List.of(just), x.me()).stream()
                    .filter(c -> c.status().inReplyToId() == id && c.author().id() == x.me()).forEach(comments::add);
        }
        Card post = card(s);
        if (post.comments() < comments.size()) {
            post = post.withComments(comments.size());
        }
        Model.PostPage page = new Model.PostPage(post, comments.stream().map(this::card).toList(), error, draft);
        String caption = s.status().text().isBlank() ? "Photo" : abbreviate(s.status().text(), 60);
        render(x, status, "post.jte", "@" + s.author().account().username() + ": " + caption, "",
                Map.of("page", page));
    }

    private void notifications(Req x) throws Exception {
        if (signInFirst(x)) {
            return;
        }
        ReadTimelines.Result<ReadNotifications.Item> page = u.notifications().page(x.me(),
                new Page(cursor(x), 0, 0, 30), EnumSet.noneOf(Activity.Type.class));
        List<Note> notes = new ArrayList<>();
        for (ReadNotifications.Item i : page.items()) {
            String actor = i.actor().account().username();
            String ago = ago(i.activity().id());
            StatusView s = i.status();
            switch (i.activity().type()) {
                case FOLLOW -> notes.add(new Note(actor, "started following you.", null, null, null, ago));
                case FAVOURITE -> notes.add(new Note(actor, "liked your post.", null, "/p/" + s.id(),
                        s.media().isEmpty() ? null : thumb(s, s.media().getFirst()), ago));
                case MENTION -> {
                    long post = s.status().isComment() ? s.status().inReplyToId() : s.id();
                    notes.add(new Note(actor, s.status().isComment() ? "commented:" : "mentioned you:",
                            abbreviate(s.status().text(), 140), "/p/" + post, null, ago));
                }
            }
        }
        String older = page.items().size() < 30 ? null : "/notifications?max_id=" + page.oldest();
        render(x, 200, "notifications.jte", "Notifications", "notifications",
                Map.of("notes", notes, "older", older == null ? "" : older));
    }

    private void newPost(Req x, int status, Form form) throws Exception {
        render(x, status, "new.jte", "New post", "new", Map.of("form", form, "slots",
                Math.min(10, limits.maxMediaPerStatus()), "maxChars", limits.maxStatusChars()));
    }

    // ---- forms

    private void login(Req x, Params p) throws Exception {
        String name = p.string("username");
        OptionalLong id = u.authenticate().check(name, p.string("password"));
        if (id.isEmpty()) {
            render(x, 401, "login.jte", "Log in", "", Map.of("form", new Form(
                    "That username or email and password don't match an account.", values("username", name))));
            return;
        }
        sessions.start(x.req(), x.res(), id.getAsLong());
        redirect(x, "/");
    }

    private void signup(Req x, Params p) throws Exception {
        String username = p.string("username");
        String email = p.string("email");
        try {
            long id = u.register().register(username == null ? null : username.trim(),
                    email == null ? null : email.trim(), p.string("password"));
            sessions.start(x.req(), x.res(), id);
            redirect(x, "/explore");
        } catch (Problem e) {
            render(x, 422, "signup.jte", "Sign up", "", Map.of("form", new Form(plain(e.getMessage()),
                    values("username", username, "email", email))));
        }
    }

    private void post(Req x, Params p) throws Exception {
        if (signInFirst(x)) {
            return;
        }
        String caption = p.string("caption") == null ? "" : p.string("caption");
        Map<String, String> typed = new LinkedHashMap<>(values("caption", caption));
        List<Params.Upload> files = new ArrayList<>();
        List<String> alts = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            Params.Upload f = p.file("photo" + i);
            String alt = p.string("alt" + i);
            typed.put("alt" + i, alt == null ? "" : alt);
            if (f != null && f.bytes().length > 0) {
                files.add(f);
                alts.add(alt == null || alt.isBlank() ? null : alt.trim());
            }
        }
        // Checked before any upload, so a refused post leaves nothing behind.
        String refusal = files.isEmpty() ? "Choose at least one photo."
                : files.size() > limits.maxMediaPerStatus()
                        ? "A post has at most " + limits.maxMediaPerStatus() + " photos."
                : caption.codePointCount(0, caption.length()) > limits.maxStatusChars()
                        ? "The caption is longer than " + limits.maxStatusChars() + " characters." : null;
        if (refusal != null) {
            newPost(x, 422, new Form(refusal, typed));
            return;
        }
        List<Long> mediaIds = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            try {
                mediaIds.add(u.upload().upload(x.me(), files.get(i).bytes(), alts.get(i)).id());
            } catch (UploadMedia.Rejected e) {
                String name = files.get(i).filename() == null || files.get(i).filename().isBlank() ? "Photo " + (i + 1)
                        : files.get(i).filename();
                newPost(x, 422, new Form(name + ": " + plain(e.getMessage()), typed));
                return;
            }
        }
        if (!awaitProcessed(mediaIds)) {
            newPost(x, 503, new Form("Your photos are taking long to process. Try posting again in a minute.", typed));
            return;
        }
        long id = u.post().post(x.me(), caption, mediaIds, 0);
        redirect(x, "/p/" + id);
    }

    /**
     * Large photos are made into sizes by a task and cannot be posted until it is done: the post simply waits (the
     * web has no client to poll), watching the MEDIA objects, which the task updates when it finishes.
     */
    private boolean awaitProcessed(List<Long> mediaIds) throws InterruptedException {
        long deadline = System.nanoTime() + PROCESSING_WAIT.toNanos();
        long pause = 50;
        while (true) {
            boolean done = u.graph().objGetMany(mediaIds).values().stream()
                    .filter(o -> o.type() == ObjectType.MEDIA).noneMatch(o -> o.as(Media.class).processing());
            if (done) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(pause);
            pause = Math.min(500, pause * 2);
        }
    }

    private void comment(Req x, Params p) throws Exception {
        if (signInFirst(x)) {
            return;
        }
        long id = statusId(x);
        String text = p.string("text") == null ? "" : p.string("text");
        long comment;
        try {
            comment = u.post().post(x.me(), text, List.of(), id);
        } catch (Problem e) {
            if (e.kind() != Problem.Kind.UNPROCESSABLE) {
                throw e;
            }
            String message = text.isBlank() ? "Write something to comment." : plain(e.getMessage());
            postPage(x, 422, id, message, text);
            return;
        }
        redirect(x, "/p/" + id + "?c=" + comment + "#comment-" + comment);
    }

    private void toggle(Req x, Params p, boolean like, boolean on) throws Exception {
        if (signInFirst(x)) {
            return;
        }
        long id = statusId(x);
        long me = x.me();
        if (like) {
            if (on) {
                u.favourite().favourite(me, id);
            } else {
                u.favourite().unfavourite(me, id);
            }
        } else if (on) {
            u.bookmark().bookmark(me, id);
        } else {
            u.bookmark().unbookmark(me, id);
        }
        if (x.htmx()) {
            // Just the button (and the count next to it), swapped in place.
            Card c = card(u.hydrator().status(id, me));
            render(x, 200, like ? "like.jte" : "save.jte", "", "", Map.of("card", c));
            return;
        }
        String back = back(p, "/p/" + id);
        // Back to the same post on a feed page, not to the top of it.
        redirect(x, back.contains("#") || back.startsWith("/p/") ? back : back + "#post-" + id);
    }

    private void follow(Req x, boolean on) throws Exception {
        if (signInFirst(x)) {
            return;
        }
        String username = x.req().path().pathParameters().first("username").orElse("");
        long id = accountId(username);
        if (on) {
            u.follow().follow(x.me(), id);
        } else {
            u.follow().unfollow(x.me(), id);
        }
        redirect(x, "/@" + username);
    }

    // ---- building views

    private Card card(StatusView s) {
        String author = s.author().account().username();
        List<Photo> photos = new ArrayList<>();
        Photo thumb = null;
        for (StatusView.MediaItem m : s.media()) {
            if (m.media().processing()) {
                continue;
            }
            photos.add(photo(s, m.media(), "large"));
            if (thumb == null) {
                thumb = thumb(s, m);
            }
        }
        return new Card(Long.toString(s.id()), author, photos, thumb, segments(s.status().text()), s.favourites(),
                s.replies(), s.favourited(), s.bookmarked(), ago(s.id()), ScalegramId.createdAt(s.id()).toString());
    }

    private Photo thumb(StatusView s, StatusView.MediaItem m) {
        return photo(s, m.media(), "small");
    }

    /** One stored size of a photo (the stored file itself for photos from before sizes), with its alt text. */
    private Photo photo(StatusView s, Media media, String size) {
        String alt = media.description() == null || media.description().isBlank()
                ? "Photo by @" + s.author().account().username() : media.description();
        return media.variant(size).map(v -> new Photo(url(v.blob()), v.width(), v.height(), alt))
                .orElse(new Photo(url(media.blob()), media.width(), media.height(), alt));
    }

    private String url(String blob) {
        // Relative when served here: the page works under whatever host name the browser used.
        return mediaUrls.url("", blob);
    }

    /** A caption as text with its hashtags and mentions linked (escaping is the template's job). */
    static List<Segment> segments(String text) {
        List<Segment> out = new ArrayList<>();
        Matcher m = LINKS.matcher(text);
        int at = 0;
        while (m.find()) {
            if (m.start() > at) {
                out.add(new Segment(text.substring(at, m.start()), null));
            }
            String name = m.group(2);
            String href = m.group(1).equals("#")
                    ? "/tags/" + URLEncoder.encode(name.toLowerCase(Locale.ROOT), StandardCharsets.UTF_8)
                    : "/@" + name;
            out.add(new Segment(m.group(), href));
            at = m.end();
        }
        if (at < text.length()) {
            out.add(new Segment(text.substring(at), null));
        }
        return out;
    }

    static String ago(long id) {
        long s = Math.max(0, Duration.between(ScalegramId.createdAt(id), Instant.now()).toSeconds());
        if (s < 60) {
            return "just now";
        }
        if (s < 3600) {
            return s / 60 + "m";
        }
        if (s < 86400) {
            return s / 3600 + "h";
        }
        if (s < 7 * 86400) {
            return s / 86400 + "d";
        }
        return s / (7 * 86400) + "w";
    }

    // ---- plumbing

    private void render(Req x, int status, String template, String title, String section, Map<String, Object> params) {
        Map<String, Object> all = new LinkedHashMap<>(params);
        // The top bar needs only the name: one cached object read, not the counters a full account view adds.
        String me = x.session() == null ? null : u.graph().objGet(x.me())
                .filter(o -> o.type() == ObjectType.ACCOUNT).map(o -> o.as(Account.class).username()).orElse(null);
        String path = x.req().path().rawPath() + x.req().query().rawValue().transform(q -> q.isEmpty() ? "" : "?" + q);
        all.put("c", new Chrome(title, me, sessions.csrf(x.req(), x.res(), x.session()), section, path));
        StringOutput out = new StringOutput();
        templates.render(template, all, out);
        x.res().status(status);
        x.res().header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        x.res().send(out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void error(Req x, int status, String message) {
        if (x.htmx()) {
            x.res().status(status);
            x.res().header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            x.res().send(message);
            return;
        }
        String title = switch (status) {
            case 404 -> "Not found";
            case 403 -> "Not allowed";
            default -> "Something is wrong";
        };
        render(x, status, "error.jte", title, "", Map.of("message", status == 404
                ? "This page isn't here. The link may be broken, or the post or account may have been removed."
                : plain(message)));
    }

    /** Pages for signed-in people send others to the log-in page; true when it did. */
    private boolean signInFirst(Req x) {
        if (x.session() != null) {
            return false;
        }
        if (x.htmx()) {
            // A redirect would be followed inside the request and the log-in page swapped in for a button.
            x.res().header(HeaderNames.create("HX-Redirect"), "/login");
            x.res().status(204).send();
            return true;
        }
        redirect(x, "/login");
        return true;
    }

    private static void redirect(Req x, String location) {
        x.res().status(303);
        x.res().header(HeaderNames.LOCATION, location);
        x.res().send();
    }

    /** Where a form asked to return to, if it is a path on this site (never another host: no open redirect). */
    private static String back(Params p, String orElse) {
        String next = p.string("next");
        if (next == null || !next.startsWith("/") || next.startsWith("//") || next.contains("\\")
                || next.chars().anyMatch(ch -> ch < 0x20)) {
            return orElse;
        }
        return next;
    }

    private long statusId(Req x) {
        return ScalegramId.parse(x.req().path().pathParameters().first("id").orElse(""))
                .orElseThrow(() -> Problem.notFound("Record not found"));
    }

    private long accountId(String username) {
        if (username.isEmpty() || username.length() > 30) {
            throw Problem.notFound("Record not found");
        }
        return u.graph().nameLookup(RegisterAccount.USERNAMES, username.toLowerCase(Locale.ROOT))
                .orElseThrow(() -> Problem.notFound("Record not found"));
    }

    private static long cursor(Req x) {
        String v = x.query("max_id");
        if (v == null || v.isEmpty()) {
            return 0;
        }
        return ScalegramId.parse(v).orElseThrow(() -> Problem.invalid("That page link is broken."));
    }

    private static Params params(ServerRequest req, long limit) {
        String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
        if (!req.content().hasEntity()) {
            return Params.parse(Map.of(), type, new byte[0]);
        }
        var declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            throw new ApiError(413, "That is too much to send at once (at most " + limit / (1024 * 1024) + " MB).");
        }
        try (var in = req.content().inputStream()) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) {
                throw new ApiError(413, "That is too much to send at once (at most " + limit / (1024 * 1024) + " MB).");
            }
            return Params.parse(Map.of(), type, bytes);
        } catch (java.io.IOException e) {
            throw ApiError.badRequest("The form could not be read.");
        }
    }

    private static Map<String, String> values(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1] == null ? "" : kv[i + 1]);
        }
        return m;
    }

    /** Use-case messages speak API ("Validation failed: ..."): people get the part after it. */
    private static String plain(String message) {
        return message == null ? "" : message.replaceFirst("^Validation failed: ", "");
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
