package dev.scalegram.api;

import dev.scalegram.feed.Activity;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.json.Json;
import dev.scalegram.media.Media;
import dev.scalegram.media.MediaUrls;
import dev.scalegram.social.AccountView;
import dev.scalegram.social.StatusView;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Renders views as Mastodon's entities (Account, Status, MediaAttachment, Notification, Relationship …). */
public final class Entities {

    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final String base;
    private final MediaUrls media;

    /** @param base the public base URL, e.g. {@code http://localhost:8080}; media is served from it too */
    public Entities(String base) {
        this(base, MediaUrls.sameServer());
    }

    /** @param media where photos are fetched from (this server or a CDN) */
    public Entities(String base, MediaUrls media) {
        this.base = base;
        this.media = media;
    }

    static String iso(long epochMillis) {
        return ISO.format(Instant.ofEpochMilli(epochMillis));
    }

    ObjectNode account(AccountView v) {
        ObjectNode n = Json.object();
        String id = Long.toString(v.id());
        n.put("id", id);
        n.put("username", v.account().username());
        n.put("acct", v.account().username());
        n.put("display_name", v.account().displayName());
        n.put("locked", false);
        n.put("bot", false);
        n.put("discoverable", true);
        n.put("group", false);
        n.put("created_at", iso(v.account().createdAt() - v.account().createdAt() % 86_400_000L));
        n.put("note", v.account().note());
        n.put("url", base + "/@" + v.account().username());
        n.put("uri", base + "/users/" + v.account().username());
        n.put("avatar", base + "/static/avatar.png");
        n.put("avatar_static", base + "/static/avatar.png");
        n.put("header", base + "/static/header.png");
        n.put("header_static", base + "/static/header.png");
        n.put("followers_count", v.followers());
        n.put("following_count", v.following());
        n.put("statuses_count", v.statuses());
        n.putNull("last_status_at");
        n.putArray("emojis");
        n.putArray("fields");
        return n;
    }

    public ObjectNode status(StatusView v) {
        ObjectNode n = Json.object();
        String id = Long.toString(v.id());
        n.put("id", id);
        n.put("uri", base + "/users/" + v.author().account().username() + "/statuses/" + id);
        n.put("url", base + "/@" + v.author().account().username() + "/" + id);
        n.put("created_at", iso(ScalegramId.createdAt(v.id()).toEpochMilli()));
        n.set("account", account(v.author()));
        n.put("content", html(v.status().text()));
        n.put("text", v.status().text());
        n.put("visibility", "public");
        n.put("sensitive", false);
        n.put("spoiler_text", "");
        ArrayNode media = n.putArray("media_attachments");
        v.media().forEach(m -> media.add(media(m.id(), m.media())));
        n.putNull("application");
        n.putArray("mentions");
        ArrayNode tags = n.putArray("tags");
        for (String t : v.status().tags()) {
            ObjectNode tag = tags.addObject();
            tag.put("name", t);
            tag.put("url", base + "/tags/" + t);
        }
        n.putArray("emojis");
        n.put("reblogs_count", 0);
        n.put("favourites_count", v.favourites());
        n.put("replies_count", v.replies());
        if (v.status().inReplyToId() != 0) {
            n.put("in_reply_to_id", Long.toString(v.status().inReplyToId()));
            n.put("in_reply_to_account_id", Long.toString(v.status().inReplyToAccountId()));
        } else {
            n.putNull("in_reply_to_id");
            n.putNull("in_reply_to_account_id");
        }
        n.putNull("reblog");
        n.putNull("poll");
        n.putNull("card");
        n.putNull("language");
        n.putNull("edited_at");
        n.put("favourited", v.favourited());
        n.put("reblogged", false);
        n.put("muted", false);
        n.put("bookmarked", v.bookmarked());
        n.put("pinned", false);
        n.putArray("filtered");
        return n;
    }

    /**
     * Mastodon's MediaAttachment: {@code url} is the largest size made (the upload itself is not kept),
     * {@code preview_url} the 320 px one; {@code meta.original} is the upright photo, {@code meta.small} the preview.
     * While the sizes are being made both URLs are null, as Mastodon sends them.
     */
    ObjectNode media(long id, Media m) {
        ObjectNode n = Json.object();
        n.put("id", Long.toString(id));
        n.put("type", "image");
        if (m.processing()) {
            n.putNull("url");
            n.putNull("preview_url");
        } else {
            n.put("url", media.url(base, m.blob()));
            n.put("preview_url", media.url(base, m.variant("small").map(Media.Variant::blob).orElse(m.blob())));
        }
        n.putNull("remote_url");
        n.putNull("text_url");
        ObjectNode meta = n.putObject("meta");
        if (m.width() > 0 && m.height() > 0) {
            dimensions(meta.putObject("original"), m.width(), m.height());
        }
        m.variant("small").ifPresent(v -> dimensions(meta.putObject("small"), v.width(), v.height()));
        if (m.description() == null) {
            n.putNull("description");
        } else {
            n.put("description", m.description());
        }
        if (m.blurhash() == null) {
            n.putNull("blurhash");
        } else {
            n.put("blurhash", m.blurhash());
        }
        return n;
    }

    private static void dimensions(ObjectNode n, int width, int height) {
        n.put("width", width);
        n.put("height", height);
        n.put("size", width + "x" + height);
        n.put("aspect", (double) width / height);
    }

    ObjectNode notification(Activity a, AccountView actor, StatusView status) {
        ObjectNode n = Json.object();
        n.put("id", Long.toString(a.id()));
        n.put("type", a.type().mastodonName());
        n.put("created_at", iso(ScalegramId.createdAt(a.id()).toEpochMilli()));
        n.put("group_key", "ungrouped-" + a.id());
        n.set("account", account(actor));
        if (status != null) {
            n.set("status", status(status));
        }
        return n;
    }

    static ObjectNode relationship(long id, boolean following, boolean followedBy) {
        ObjectNode n = Json.object();
        n.put("id", Long.toString(id));
        n.put("following", following);
        n.put("showing_reblogs", following);
        n.put("notifying", false);
        n.putArray("languages");
        n.put("followed_by", followedBy);
        n.put("blocking", false);
        n.put("blocked_by", false);
        n.put("muting", false);
        n.put("muting_notifications", false);
        n.put("requested", false);
        n.put("requested_by", false);
        n.put("domain_blocking", false);
        n.put("endorsed", false);
        n.put("note", "");
        return n;
    }

    static ArrayNode array(List<ObjectNode> items) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        items.forEach(a::add);
        return a;
    }

    /** Status text as Mastodon's HTML content: escaped, paragraphs and line breaks kept. */
    static String html(String text) {
        StringBuilder b = new StringBuilder("<p>");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                case '\n' -> b.append("<br>");
                default -> b.append(c);
            }
        }
        return b.append("</p>").toString();
    }
}
