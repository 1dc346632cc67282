package dev.scalegram.api;

import dev.scalegram.feed.Activity;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.media.Media;
import dev.scalegram.media.MediaUrls;
import dev.scalegram.social.AccountView;
import dev.scalegram.social.StatusView;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JacksonSerializable;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.jsontype.TypeSerializer;

/**
 * Renders views as Mastodon's entities (Account, Status, MediaAttachment, Notification, Relationship …).
 *
 * <p>Each entity writes itself straight to the response's JSON generator when the response is serialized: a home
 * timeline is about 27 KB of JSON, and building it as a Jackson tree first (a map per object) cost as much CPU as
 * writing it, and most of the bytes a request allocated.
 */
public final class Entities {

    /** A rendered entity: serializable by Jackson anywhere (alone, in a list, in a map) by writing itself. */
    public static final class Entity extends JacksonSerializable.Base {

        private final Consumer<JsonGenerator> writer;

        private Entity(Consumer<JsonGenerator> writer) {
            this.writer = writer;
        }

        @Override
        public void serialize(JsonGenerator g, SerializationContext ctxt) {
            writer.accept(g);
        }

        @Override
        public void serializeWithType(JsonGenerator g, SerializationContext ctxt, TypeSerializer typeSer) {
            writer.accept(g);
        }
    }

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

    /**
     * {@code yyyy-MM-ddTHH:mm:ss.SSSZ} in UTC, as Mastodon writes times. By hand for years 1000-9999 (every status
     * and account carries two of these, and the formatter was a twentieth of a timeline request's CPU); the formatter
     * for any other year.
     */
    static String iso(long epochMillis) {
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(epochMillis, 86_400_000L));
        if (date.getYear() < 1000 || date.getYear() > 9999) {
            return ISO.format(Instant.ofEpochMilli(epochMillis));
        }
        int ms = (int) Math.floorMod(epochMillis, 86_400_000L);
        byte[] b = new byte[24];
        digits(b, 0, date.getYear(), 4);
        b[4] = '-';
        digits(b, 5, date.getMonthValue(), 2);
        b[7] = '-';
        digits(b, 8, date.getDayOfMonth(), 2);
        b[10] = 'T';
        digits(b, 11, ms / 3_600_000, 2);
        b[13] = ':';
        digits(b, 14, ms / 60_000 % 60, 2);
        b[16] = ':';
        digits(b, 17, ms / 1000 % 60, 2);
        b[19] = '.';
        digits(b, 20, ms % 1000, 3);
        b[23] = 'Z';
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static void digits(byte[] b, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            b[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    public Entity account(AccountView v) {
        return new Entity(g -> writeAccount(g, v));
    }

    public Entity status(StatusView v) {
        return new Entity(g -> writeStatus(g, v));
    }

    /**
     * Mastodon's MediaAttachment: {@code url} is the largest size made (the upload itself is not kept),
     * {@code preview_url} the 320 px one; {@code meta.original} is the upright photo, {@code meta.small} the preview.
     * While the sizes are being made both URLs are null, as Mastodon sends them.
     */
    public Entity media(long id, Media m) {
        return new Entity(g -> writeMedia(g, id, m));
    }

    Entity notification(Activity a, AccountView actor, StatusView status) {
        return new Entity(g -> {
            g.writeStartObject();
            g.writeStringProperty("id", Long.toString(a.id()));
            g.writeStringProperty("type", a.type().mastodonName());
            g.writeStringProperty("created_at", iso(ScalegramId.createdAt(a.id()).toEpochMilli()));
            g.writeStringProperty("group_key", "ungrouped-" + a.id());
            g.writeName("account");
            writeAccount(g, actor);
            if (status != null) {
                g.writeName("status");
                writeStatus(g, status);
            }
            g.writeEndObject();
        });
    }

    static Entity relationship(long id, boolean following, boolean followedBy) {
        return new Entity(g -> {
            g.writeStartObject();
            g.writeStringProperty("id", Long.toString(id));
            g.writeBooleanProperty("following", following);
            g.writeBooleanProperty("showing_reblogs", following);
            g.writeBooleanProperty("notifying", false);
            emptyArray(g, "languages");
            g.writeBooleanProperty("followed_by", followedBy);
            g.writeBooleanProperty("blocking", false);
            g.writeBooleanProperty("blocked_by", false);
            g.writeBooleanProperty("muting", false);
            g.writeBooleanProperty("muting_notifications", false);
            g.writeBooleanProperty("requested", false);
            g.writeBooleanProperty("requested_by", false);
            g.writeBooleanProperty("domain_blocking", false);
            g.writeBooleanProperty("endorsed", false);
            g.writeStringProperty("note", "");
            g.writeEndObject();
        });
    }

    private void writeAccount(JsonGenerator g, AccountView v) {
        String username = v.account().username();
        g.writeStartObject();
        g.writeStringProperty("id", Long.toString(v.id()));
        g.writeStringProperty("username", username);
        g.writeStringProperty("acct", username);
        g.writeStringProperty("display_name", v.account().displayName());
        g.writeBooleanProperty("locked", false);
        g.writeBooleanProperty("bot", false);
        g.writeBooleanProperty("discoverable", true);
        g.writeBooleanProperty("group", false);
        g.writeStringProperty("created_at", iso(v.account().createdAt() - v.account().createdAt() % 86_400_000L));
        g.writeStringProperty("note", v.account().note());
        g.writeStringProperty("url", base + "/@" + username);
        g.writeStringProperty("uri", base + "/users/" + username);
        g.writeStringProperty("avatar", base + "/static/avatar.png");
        g.writeStringProperty("avatar_static", base + "/static/avatar.png");
        g.writeStringProperty("header", base + "/static/header.png");
        g.writeStringProperty("header_static", base + "/static/header.png");
        g.writeNumberProperty("followers_count", v.followers());
        g.writeNumberProperty("following_count", v.following());
        g.writeNumberProperty("statuses_count", v.statuses());
        g.writeNullProperty("last_status_at");
        emptyArray(g, "emojis");
        emptyArray(g, "fields");
        g.writeEndObject();
    }

    private void writeStatus(JsonGenerator g, StatusView v) {
        String id = Long.toString(v.id());
        String username = v.author().account().username();
        g.writeStartObject();
        g.writeStringProperty("id", id);
        g.writeStringProperty("uri", base + "/users/" + username + "/statuses/" + id);
        g.writeStringProperty("url", base + "/@" + username + "/" + id);
        g.writeStringProperty("created_at", iso(ScalegramId.createdAt(v.id()).toEpochMilli()));
        g.writeName("account");
        writeAccount(g, v.author());
        g.writeStringProperty("content", html(v.status().text()));
        g.writeStringProperty("text", v.status().text());
        g.writeStringProperty("visibility", "public");
        g.writeBooleanProperty("sensitive", false);
        g.writeStringProperty("spoiler_text", "");
        g.writeArrayPropertyStart("media_attachments");
        for (StatusView.MediaItem m : v.media()) {
            writeMedia(g, m.id(), m.media());
        }
        g.writeEndArray();
        g.writeNullProperty("application");
        emptyArray(g, "mentions");
        g.writeArrayPropertyStart("tags");
        for (String t : v.status().tags()) {
            g.writeStartObject();
            g.writeStringProperty("name", t);
            g.writeStringProperty("url", base + "/tags/" + t);
            g.writeEndObject();
        }
        g.writeEndArray();
        emptyArray(g, "emojis");
        g.writeNumberProperty("reblogs_count", 0);
        g.writeNumberProperty("favourites_count", v.favourites());
        g.writeNumberProperty("replies_count", v.replies());
        if (v.status().inReplyToId() != 0) {
            g.writeStringProperty("in_reply_to_id", Long.toString(v.status().inReplyToId()));
            g.writeStringProperty("in_reply_to_account_id", Long.toString(v.status().inReplyToAccountId()));
        } else {
            g.writeNullProperty("in_reply_to_id");
            g.writeNullProperty("in_reply_to_account_id");
        }
        g.writeNullProperty("reblog");
        g.writeNullProperty("poll");
        g.writeNullProperty("card");
        g.writeNullProperty("language");
        g.writeNullProperty("edited_at");
        g.writeBooleanProperty("favourited", v.favourited());
        g.writeBooleanProperty("reblogged", false);
        g.writeBooleanProperty("muted", false);
        g.writeBooleanProperty("bookmarked", v.bookmarked());
        g.writeBooleanProperty("pinned", false);
        emptyArray(g, "filtered");
        g.writeEndObject();
    }

    private void writeMedia(JsonGenerator g, long id, Media m) {
        g.writeStartObject();
        g.writeStringProperty("id", Long.toString(id));
        g.writeStringProperty("type", "image");
        if (m.processing()) {
            g.writeNullProperty("url");
            g.writeNullProperty("preview_url");
        } else {
            g.writeStringProperty("url", media.url(base, m.blob()));
            g.writeStringProperty("preview_url",
                    media.url(base, m.variant("small").map(Media.Variant::blob).orElse(m.blob())));
        }
        g.writeNullProperty("remote_url");
        g.writeNullProperty("text_url");
        g.writeObjectPropertyStart("meta");
        if (m.width() > 0 && m.height() > 0) {
            dimensions(g, "original", m.width(), m.height());
        }
        m.variant("small").ifPresent(v -> dimensions(g, "small", v.width(), v.height()));
        g.writeEndObject();
        g.writeStringProperty("description", m.description());
        g.writeStringProperty("blurhash", m.blurhash());
        g.writeEndObject();
    }

    private static void dimensions(JsonGenerator g, String name, int width, int height) {
        g.writeObjectPropertyStart(name);
        g.writeNumberProperty("width", width);
        g.writeNumberProperty("height", height);
        g.writeStringProperty("size", width + "x" + height);
        g.writeNumberProperty("aspect", (double) width / height);
        g.writeEndObject();
    }

    private static void emptyArray(JsonGenerator g, String name) {
        g.writeArrayPropertyStart(name);
        g.writeEndArray();
    }

    /** Status text as Mastodon's HTML content: escaped, paragraphs and line breaks kept. */
    static String html(String text) {
        StringBuilder b = new StringBuilder(text.length() + 16).append("<p>");
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
