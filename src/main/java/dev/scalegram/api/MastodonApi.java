package dev.scalegram.api;

import dev.scalegram.config.Topology.LimitsConfig;
import dev.scalegram.feed.Activity;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.media.Media;
import dev.scalegram.media.MediaUrls;
import dev.scalegram.media.UploadMedia;
import dev.scalegram.social.AccountView;
import dev.scalegram.social.ReadNotifications;
import dev.scalegram.social.ReadTimelines;
import dev.scalegram.social.RegisterAccount;
import dev.scalegram.social.StatusView;
import dev.scalegram.social.UseCases;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** The Mastodon REST endpoints: accounts, statuses, timelines, notifications, media. */
public final class MastodonApi {

    private final UseCases u;
    private final OAuthStore oauth;
    private final LimitsConfig limits;
    private final Graph graph;
    private final MediaUrls mediaUrls;

    public MastodonApi(UseCases useCases, OAuthStore oauth, LimitsConfig limits, MediaUrls mediaUrls) {
        this.u = useCases;
        this.mediaUrls = mediaUrls;
        this.oauth = oauth;
        this.limits = limits;
        this.graph = useCases.graph();
    }

    private Entities entities(Exchange x) {
        return new Entities(x.baseUrl(), mediaUrls);
    }

    private io.helidon.webserver.http.Handler h(Consumer<Exchange> body) {
        return (ServerRequest req, ServerResponse res) -> body.accept(new Exchange(req, res, oauth, limits));
    }

    public void routes(HttpRouting.Builder r) {
        // accounts
        r.post("/api/v1/accounts", h(this::register));
        r.get("/api/v1/accounts/verify_credentials", h(x -> x.json(account(x, u.hydrator().account(x.user("read:accounts"))))));
        r.get("/api/v1/accounts/relationships", h(this::relationships));
        r.get("/api/v1/accounts/lookup", h(this::lookup));
        r.get("/api/v1/accounts/{id}", h(x -> {
            x.viewer("read:accounts");
            x.json(account(x, u.hydrator().account(x.pathId("id"))));
        }));
        r.post("/api/v1/accounts/{id}/follow", h(x -> {
            long me = x.user("write:follows");
            long target = x.pathId("id");
            u.follow().follow(me, target);
            x.json(relationship(me, target));
        }));
        r.post("/api/v1/accounts/{id}/unfollow", h(x -> {
            long me = x.user("write:follows");
            long target = x.pathId("id");
            u.follow().unfollow(me, target);
            x.json(relationship(me, target));
        }));
        r.get("/api/v1/accounts/{id}/followers", h(x -> {
            x.viewer("read:accounts");
            accounts(x, u.timelines().followers(x.pathId("id"), x.page()));
        }));
        r.get("/api/v1/accounts/{id}/following", h(x -> {
            x.viewer("read:accounts");
            accounts(x, u.timelines().following(x.pathId("id"), x.page()));
        }));
        r.get("/api/v1/accounts/{id}/statuses", h(x -> {
            long viewer = x.viewer("read:statuses");
            statuses(x, u.timelines().accountStatuses(x.pathId("id"), viewer, x.page()));
        }));

        // statuses
        r.post("/api/v1/statuses", h(this::postStatus));
        r.get("/api/v1/statuses/{id}", h(x -> x.json(status(x, u.hydrator().status(x.pathId("id"), x.viewer("read:statuses"))))));
        r.delete("/api/v1/statuses/{id}", h(x -> {
            long me = x.user("write:statuses");
            long id = x.pathId("id");
            StatusView before = u.hydrator().status(id, me);
            u.delete().delete(me, id);
            x.json(status(x, before));
        }));
        r.get("/api/v1/statuses/{id}/context", h(x -> {
            ReadTimelines.Context c = u.timelines().context(x.pathId("id"), x.viewer("read:statuses"));
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("ancestors", c.ancestors().stream().map(s -> status(x, s)).toList());
            n.put("descendants", c.descendants().stream().map(s -> status(x, s)).toList());
            x.json(n);
        }));
        r.post("/api/v1/statuses/{id}/favourite", h(x -> statusAction(x, "write:favourites", (me, id) -> u.favourite().favourite(me, id))));
        r.post("/api/v1/statuses/{id}/unfavourite", h(x -> statusAction(x, "write:favourites", (me, id) -> u.favourite().unfavourite(me, id))));
        r.post("/api/v1/statuses/{id}/bookmark", h(x -> statusAction(x, "write:bookmarks", (me, id) -> u.bookmark().bookmark(me, id))));
        r.post("/api/v1/statuses/{id}/unbookmark", h(x -> statusAction(x, "write:bookmarks", (me, id) -> u.bookmark().unbookmark(me, id))));
        r.get("/api/v1/statuses/{id}/favourited_by", h(x -> {
            x.viewer("read:accounts");
            accounts(x, u.timelines().favouritedBy(x.pathId("id"), x.page()));
        }));
        r.get("/api/v1/bookmarks", h(x -> {
            long me = x.user("read:bookmarks");
            statuses(x, u.timelines().bookmarks(me, x.page()));
        }));

        // timelines
        r.get("/api/v1/timelines/home", h(x -> {
            long me = x.user("read:statuses");
            statuses(x, u.timelines().home(me, x.page()));
        }));
        r.get("/api/v1/timelines/public", h(x -> {
            long viewer = x.viewer("read:statuses");
            // Every account is local and every post public, so Mastodon's local and remote filters change nothing.
            statuses(x, u.timelines().recent(viewer, x.page()));
        }));
        r.get("/api/v1/timelines/tag/{hashtag}", h(x -> {
            long viewer = x.viewer("read:statuses");
            statuses(x, u.timelines().tag(x.path("hashtag"), viewer, x.page()));
        }));

        // notifications
        r.get("/api/v1/notifications", h(this::notifications));
        r.get("/api/v1/notifications/{id}", h(x -> {
            long me = x.user("read:notifications");
            x.json(notification(x, u.notifications().one(me, x.pathId("id"))));
        }));
        r.post("/api/v1/notifications/clear", h(x -> {
            u.activity().clear(x.user("write:notifications"));
            x.json(Map.of());
        }));
        r.post("/api/v1/notifications/{id}/dismiss", h(x -> {
            long me = x.user("write:notifications");
            if (!u.activity().dismiss(me, x.pathId("id"))) {
                throw ApiError.notFound();
            }
            x.json(Map.of());
        }));

        // media
        r.post("/api/v2/media", h(this::upload));
        r.post("/api/v1/media", h(this::upload));
        r.put("/api/v1/media/{id}", h(x -> {
            long me = x.user("write:media");
            long id = x.pathId("id");
            try {
                Media m = u.upload().describe(me, id, x.params().string("description"))
                        .orElseThrow(ApiError::notFound);
                x.json(m.processing() ? 206 : 200, entities(x).media(id, m));
            } catch (UploadMedia.Rejected e) {
                throw ApiError.unprocessable(e.getMessage());
            }
        }));
        r.get("/api/v1/media/{id}", h(x -> {
            long me = x.user("write:media");
            long id = x.pathId("id");
            var o = graph.objGet(id).filter(m -> m.type() == ObjectType.MEDIA).orElseThrow(ApiError::notFound);
            Media m = o.as(Media.class);
            if (m.ownerId() != me) {
                throw ApiError.notFound();
            }
            // Mastodon: 206 Partial Content while the sizes are being made, 200 once they are.
            x.json(m.processing() ? 206 : 200, entities(x).media(id, m));
        }));
    }

    private void register(Exchange x) {
        Caller c = x.caller();
        if (c == Caller.ANONYMOUS) {
            throw ApiError.unauthorized("The access token is invalid");
        }
        if (!c.allows("write:accounts")) {
            throw ApiError.forbidden("This action is outside the authorized scopes");
        }
        Params p = x.params();
        String username = p.required("username");
        String email = p.required("email");
        String password = p.required("password");
        if (!p.bool("agreement", false)) {
            throw ApiError.unprocessable("Validation failed: Agreement must be accepted");
        }
        long id = u.register().register(username, email, password);
        Set<String> scopes = c.scopes().isEmpty() ? Set.of("read", "write", "follow") : c.scopes();
        String token = oauth.issueToken(c.appId(), id, scopes);
        x.json(OAuthApi.tokenJson(token, scopes));
    }

    private void lookup(Exchange x) {
        x.viewer("read:accounts");
        String acct = x.params().required("acct");
        String name = acct.startsWith("@") ? acct.substring(1) : acct;
        int at = name.indexOf('@');
        if (at >= 0) {
            name = name.substring(0, at); // a local domain suffix; there are no remote accounts
        }
        long id = graph.nameLookup(RegisterAccount.USERNAMES, name.toLowerCase(Locale.ROOT)).orElseThrow(ApiError::notFound);
        x.json(account(x, u.hydrator().account(id)));
    }

    private void relationships(Exchange x) {
        long me = x.user("read:follows");
        List<Long> ids = new ArrayList<>();
        for (String s : x.params().list("id")) {
            dev.scalegram.ids.ScalegramId.parse(s).ifPresent(ids::add);
        }
        Map<Long, Boolean> following = graph.assocExistsTo(me, Relation.FOLLOWS, ids);
        Map<Long, Boolean> followedBy = graph.assocExistsTo(me, Relation.FOLLOWED_BY, ids);
        List<Entities.Entity> out = new ArrayList<>();
        for (long id : ids) {
            out.add(Entities.relationship(id, following.getOrDefault(id, false), followedBy.getOrDefault(id, false)));
        }
        x.json(out);
    }

    private Entities.Entity relationship(long me, long target) {
        return Entities.relationship(target, graph.assocExists(me, Relation.FOLLOWS, target),
                graph.assocExists(me, Relation.FOLLOWED_BY, target));
    }

    private void postStatus(Exchange x) {
        long me = x.user("write:statuses");
        Params p = x.params();
        long replyTo = p.recordId("in_reply_to_id");
        long id = u.post().post(me, p.string("status"), p.ids("media_ids"), replyTo);
        x.json(status(x, u.hydrator().status(id, me)));
    }

    @FunctionalInterface
    private interface StatusAction {
        void apply(long me, long statusId);
    }

    private void statusAction(Exchange x, String scope, StatusAction action) {
        long me = x.user(scope);
        long id = x.pathId("id");
        action.apply(me, id);
        x.json(status(x, u.hydrator().status(id, me)));
    }

    private void notifications(Exchange x) {
        long me = x.user("read:notifications");
        Params p = x.params();
        Set<Activity.Type> types = EnumSet.noneOf(Activity.Type.class);
        for (String t : p.list("types")) {
            Activity.Type type = Activity.Type.fromMastodonName(t);
            if (type != null) {
                types.add(type);
            }
        }
        if (!p.list("types").isEmpty() && types.isEmpty()) {
            x.json(List.of());
            return;
        }
        for (String t : p.list("exclude_types")) {
            Activity.Type type = Activity.Type.fromMastodonName(t);
            if (type != null) {
                if (types.isEmpty()) {
                    types.addAll(EnumSet.allOf(Activity.Type.class));
                }
                types.remove(type);
            }
        }
        ReadTimelines.Result<ReadNotifications.Item> page = u.notifications().page(me, x.page(), types);
        x.link(page.newest(), page.oldest(), page.items().size());
        x.json(page.items().stream().map(i -> notification(x, i)).toList());
    }

    private void upload(Exchange x) {
        long me = x.user("write:media");
        Params p = x.params();
        Params.Upload file = p.file("file");
        if (file == null) {
            throw ApiError.unprocessable("Validation failed: File can't be blank");
        }
        try {
            UploadMedia.Uploaded up = u.upload().upload(me, file.bytes(), p.string("description"));
            // Mastodon: 202 Accepted when the sizes are made later (poll GET /api/v1/media/:id), else 200.
            x.json(up.processing() ? 202 : 200, entities(x).media(up.id(), up.media()));
        } catch (UploadMedia.Rejected e) {
            throw ApiError.unprocessable(e.getMessage());
        }
    }

    private Entities.Entity account(Exchange x, AccountView v) {
        return entities(x).account(v);
    }

    private Entities.Entity status(Exchange x, StatusView v) {
        return entities(x).status(v);
    }

    private Entities.Entity notification(Exchange x, ReadNotifications.Item i) {
        return entities(x).notification(i.activity(), i.actor(), i.status());
    }

    private void statuses(Exchange x, ReadTimelines.Result<StatusView> page) {
        Entities e = entities(x);
        x.link(page.newest(), page.oldest(), page.items().size());
        x.json(page.items().stream().map(e::status).toList());
    }

    private void accounts(Exchange x, ReadTimelines.Result<AccountView> page) {
        Entities e = entities(x);
        x.link(page.newest(), page.oldest(), page.items().size());
        x.json(page.items().stream().map(e::account).toList());
    }
}
