package dev.scalegram.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads a topology YAML file into a {@link Topology}. Every section is optional; what is missing keeps the embedded
 * default. Errors name the file and the field.
 */
public final class TopologyFile {

    private TopologyFile() {}

    public static Topology load(Path file) {
        JsonNode root;
        try {
            root = YAMLMapper.builder().build().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read topology " + file + ": " + e.getMessage(), e);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("topology " + file + " is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Topology.embedded();
        }
        Topology d = Topology.embedded();
        String region = root.path("region").asString(d.region());
        int shards = root.path("logical_shards").asInt(d.logicalShards());

        Topology.PostgresConfig pg = d.postgres();
        JsonNode pgNode = root.path("postgres");
        if (!pgNode.isMissingNode()) {
            List<Topology.PgServer> servers = new ArrayList<>();
            int i = 0;
            for (JsonNode s : pgNode.path("servers")) {
                String where = "postgres.servers[" + i++ + "]";
                String name = required(file, s, "name", where);
                boolean embedded = s.path("embedded").asBoolean(false);
                String url = embedded ? null : required(file, s, "url", where);
                servers.add(new Topology.PgServer(name, s.path("region").asString(region), url,
                        s.path("user").asString("postgres"), s.path("password").asString(""),
                        s.path("pool_size").asInt(24), embedded));
            }
            List<Topology.ShardRange> ranges = new ArrayList<>();
            i = 0;
            for (JsonNode r : pgNode.path("shard_map")) {
                String where = "postgres.shard_map[" + i++ + "]";
                String span = required(file, r, "shards", where);
                String[] parts = span.split("-");
                try {
                    int from = Integer.parseInt(parts[0].trim());
                    int to = parts.length > 1 ? Integer.parseInt(parts[1].trim()) : from;
                    ranges.add(new Topology.ShardRange(from, to, required(file, r, "server", where)));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(file + ": " + where + ".shards must look like 0-2047, got " + span);
                }
            }
            if (servers.isEmpty()) {
                throw new IllegalArgumentException(file + ": postgres.servers must list at least one server");
            }
            pg = new Topology.PostgresConfig(servers, ranges);
        }
        JsonNode c = root.path("cache");
        Topology.CacheConfig dc = d.cache();
        Topology.CacheConfig cache = new Topology.CacheConfig(c.path("leases").asBoolean(dc.leases()),
                c.path("ttl_seconds").asInt(dc.ttlSeconds()), c.path("lease_ttl_millis").asInt(dc.leaseTtlMillis()),
                c.path("stale_ttl_seconds").asInt(dc.staleTtlSeconds()), c.path("max_wait_millis").asInt(dc.maxWaitMillis()),
                c.path("max_entries").asInt(dc.maxEntries()));
        JsonNode f = root.path("feed");
        Topology.FeedConfig df = d.feed();
        Topology.FeedConfig feed = new Topology.FeedConfig(f.path("fanout_threshold").asInt(df.fanoutThreshold()),
                f.path("cap").asInt(df.cap()), f.path("fanout_batch").asInt(df.fanoutBatch()));
        JsonNode l = root.path("limits");
        Topology.LimitsConfig dl = d.limits();
        Topology.LimitsConfig limits = new Topology.LimitsConfig(l.path("max_status_chars").asInt(dl.maxStatusChars()),
                l.path("max_media_bytes").asLong(dl.maxMediaBytes()), l.path("max_media_per_status").asInt(dl.maxMediaPerStatus()),
                l.path("max_page_size").asInt(dl.maxPageSize()), l.path("requests_per_5min").asInt(dl.requestsPer5Min()));
        JsonNode tk = root.path("tasks");
        Topology.TasksConfig dt = d.tasks();
        Topology.TasksConfig tasks = new Topology.TasksConfig(tk.path("max_attempts").asInt(dt.maxAttempts()),
                tk.path("poll_millis").asInt(dt.pollMillis()), tk.path("visibility_millis").asInt(dt.visibilityMillis()),
                tk.path("base_backoff_millis").asInt(dt.baseBackoffMillis()), tk.path("concurrency").asInt(dt.concurrency()),
                tk.path("repair_interval_seconds").asInt(dt.repairIntervalSeconds()));
        if (limits.maxStatusChars() < 1) {
            throw new IllegalArgumentException(file + ": limits.max_status_chars must be positive");
        }
        return new Topology(region, shards, pg, cache, feed, limits, tasks);
    }

    private static String required(Path file, JsonNode n, String field, String where) {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull() || v.asString("").isBlank()) {
            throw new IllegalArgumentException(file + ": " + where + "." + field + " is required");
        }
        return v.asString();
    }
}
