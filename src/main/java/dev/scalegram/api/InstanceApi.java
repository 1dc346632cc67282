package dev.scalegram.api;

import dev.scalegram.config.Topology.LimitsConfig;
import dev.scalegram.json.Json;
import io.helidon.webserver.http.HttpRouting;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/** GET /api/v1/instance and /api/v2/instance: what clients read at start (limits, version, registration). */
public final class InstanceApi {

    public static final String VERSION = "4.3.0 (compatible; Scalegram 0.1.0)";
    private static final List<String> MIME = List.of("image/jpeg", "image/png", "image/webp");

    private final LimitsConfig limits;
    private final OAuthStore oauth;

    public InstanceApi(LimitsConfig limits, OAuthStore oauth) {
        this.limits = limits;
        this.oauth = oauth;
    }

    public void routes(HttpRouting.Builder r) {
        r.get("/api/v1/instance", (req, res) -> new Exchange(req, res, oauth, limits).json(v1(new Exchange(req, res, oauth, limits).baseUrl())));
        r.get("/api/v2/instance", (req, res) -> new Exchange(req, res, oauth, limits).json(v2(new Exchange(req, res, oauth, limits).baseUrl())));
        r.get("/api/v1/custom_emojis", (req, res) -> new Exchange(req, res, oauth, limits).json(List.of()));
        r.get("/api/v1/filters", (req, res) -> new Exchange(req, res, oauth, limits).json(List.of()));
        r.get("/api/v2/filters", (req, res) -> new Exchange(req, res, oauth, limits).json(List.of()));
        r.get("/api/v1/lists", (req, res) -> new Exchange(req, res, oauth, limits).json(List.of()));
        r.get("/api/v1/announcements", (req, res) -> new Exchange(req, res, oauth, limits).json(List.of()));
    }

    private ObjectNode v1(String base) {
        String host = base.replaceFirst("^https?://", "");
        ObjectNode n = Json.object();
        n.put("uri", host);
        n.put("title", "Scalegram");
        n.put("short_description", "Instagram's backend infrastructure, rebuilt and measurable.");
        n.put("description", "A photo-sharing network on sharded PostgreSQL, a TAO-style graph and a lease cache.");
        n.put("email", "");
        n.put("version", VERSION);
        n.putObject("urls").put("streaming_api", base.replaceFirst("^http", "ws"));
        ObjectNode stats = n.putObject("stats");
        stats.put("user_count", 0);
        stats.put("status_count", 0);
        stats.put("domain_count", 0);
        n.putNull("thumbnail");
        n.putArray("languages").add("en");
        n.put("registrations", true);
        n.put("approval_required", false);
        n.put("invites_enabled", false);
        n.set("configuration", configuration(base));
        n.putNull("contact_account");
        n.putArray("rules");
        return n;
    }

    private ObjectNode v2(String base) {
        ObjectNode n = Json.object();
        n.put("domain", base.replaceFirst("^https?://", ""));
        n.put("title", "Scalegram");
        n.put("version", VERSION);
        n.put("source_url", "https://github.com/scalegram/scalegram");
        n.put("description", "A photo-sharing network on sharded PostgreSQL, a TAO-style graph and a lease cache.");
        n.putObject("usage").putObject("users").put("active_month", 0);
        n.putObject("thumbnail").put("url", base + "/static/thumbnail.png");
        n.putArray("languages").add("en");
        ObjectNode conf = configuration(base);
        conf.putObject("urls").put("streaming", base.replaceFirst("^http", "ws"));
        conf.putObject("translation").put("enabled", false);
        n.set("configuration", conf);
        ObjectNode reg = n.putObject("registrations");
        reg.put("enabled", true);
        reg.put("approval_required", false);
        reg.putNull("message");
        ObjectNode contact = n.putObject("contact");
        contact.put("email", "");
        contact.putNull("account");
        n.putArray("rules");
        return n;
    }

    private ObjectNode configuration(String base) {
        ObjectNode c = Json.object();
        ObjectNode accounts = c.putObject("accounts");
        accounts.put("max_featured_tags", 0);
        accounts.put("max_pinned_statuses", 0);
        ObjectNode statuses = c.putObject("statuses");
        statuses.put("max_characters", limits.maxStatusChars());
        statuses.put("max_media_attachments", limits.maxMediaPerStatus());
        statuses.put("characters_reserved_per_url", 23);
        ObjectNode media = c.putObject("media_attachments");
        var mime = media.putArray("supported_mime_types");
        MIME.forEach(mime::add);
        media.put("image_size_limit", limits.maxMediaBytes());
        media.put("image_matrix_limit", 50_000_000);
        media.put("video_size_limit", 0);
        media.put("video_frame_rate_limit", 0);
        media.put("video_matrix_limit", 0);
        ObjectNode polls = c.putObject("polls");
        polls.put("max_options", 0);
        polls.put("max_characters_per_option", 0);
        polls.put("min_expiration", 0);
        polls.put("max_expiration", 0);
        return c;
    }
}
