package dev.scalegram.config;

import dev.scalegram.ids.ScalegramId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a topology YAML file into a {@link Topology}. Every section is optional: what is missing keeps the embedded
 * default. Unknown keys, wrong types and out-of-range values are errors that name the line and the field;
 * cross-references (shard map servers, the local region) are checked too. docs/topology.sample.yaml is the
 * commented reference.
 */
public final class TopologyFile {

    private static final Set<String> CONSISTENCY = Set.of("ANY", "ONE", "TWO", "THREE", "QUORUM", "ALL",
            "LOCAL_QUORUM", "EACH_QUORUM", "LOCAL_ONE");

    private TopologyFile() {}

    public static Topology load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new TopologyException("cannot read topology " + file + ": " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    public static Topology parse(String name, String text) {
        YamlNode root = YamlNode.parse(name, text);
        Topology d = Topology.embedded();
        if (!root.present()) {
            return d;
        }
        root.only(Set.of("region", "logical_shards", "postgres", "cache", "feed", "limits", "admission", "tasks",
                "regions", "media"));
        String region = root.get("region").string(d.region());
        int shards = root.get("logical_shards").integer(d.logicalShards(), 1, ScalegramId.MAX_SHARDS);

        Topology.PostgresConfig pg = d.postgres();
        YamlNode pgNode = root.get("postgres");
        if (pgNode.present()) {
            pgNode.only(Set.of("servers", "shard_map"));
            List<Topology.PgServer> servers = new ArrayList<>();
            Set<String> names = new HashSet<>();
            for (YamlNode s : pgNode.get("servers").list()) {
                s.only(Set.of("name", "region", "url", "user", "password", "pool_size", "embedded"));
                String serverName = s.get("name").requiredString();
                if (!names.add(serverName)) {
                    throw s.get("name").error("server name '" + serverName + "' is used twice");
                }
                boolean embedded = s.get("embedded").bool(false);
                String url = embedded ? null : s.get("url").requiredString();
                if (url != null && !url.startsWith("jdbc:postgresql://")) {
                    throw s.get("url").error("expected a jdbc:postgresql:// URL, got '" + url + "'");
                }
                servers.add(new Topology.PgServer(serverName, s.get("region").string(region), url,
                        s.get("user").string("postgres"), s.get("password").string(""),
                        s.get("pool_size").integer(24, 1, 1000), embedded));
            }
            if (servers.isEmpty()) {
                throw pgNode.get("servers").error("must list at least one server");
            }
            List<Topology.ShardRange> ranges = new ArrayList<>();
            for (YamlNode r : pgNode.get("shard_map").list()) {
                r.only(Set.of("shards", "server"));
                String span = r.get("shards").requiredString();
                String[] parts = span.split("-");
                int from;
                int to;
                try {
                    from = Integer.parseInt(parts[0].trim());
                    to = parts.length > 1 ? Integer.parseInt(parts[1].trim()) : from;
                } catch (NumberFormatException e) {
                    throw r.get("shards").error("expected a range like 0-2047, got '" + span + "'");
                }
                if (from < 0 || to >= shards || from > to || parts.length > 2) {
                    throw r.get("shards").error("range " + span + " is outside 0-" + (shards - 1));
                }
                String server = r.get("server").requiredString();
                if (!names.contains(server)) {
                    throw r.get("server").error("no server named '" + server + "' in postgres.servers");
                }
                ranges.add(new Topology.ShardRange(from, to, server));
            }
            pg = new Topology.PostgresConfig(servers, ranges);
        }

        YamlNode c = root.get("cache").only(Set.of("leases", "ttl_seconds", "lease_ttl_millis", "stale_ttl_seconds",
                "max_wait_millis", "max_entries"));
        Topology.CacheConfig dc = d.cache();
        Topology.CacheConfig cache = new Topology.CacheConfig(c.get("leases").bool(dc.leases()),
                c.get("ttl_seconds").integer(dc.ttlSeconds(), 1, 30 * 86_400),
                c.get("lease_ttl_millis").integer(dc.leaseTtlMillis(), 1, 600_000),
                c.get("stale_ttl_seconds").integer(dc.staleTtlSeconds(), 1, 86_400),
                c.get("max_wait_millis").integer(dc.maxWaitMillis(), 0, 60_000),
                c.get("max_entries").integer(dc.maxEntries(), 1, Integer.MAX_VALUE));

        YamlNode f = root.get("feed").only(Set.of("fanout_threshold", "cap", "fanout_batch"));
        Topology.FeedConfig df = d.feed();
        Topology.FeedConfig feed = new Topology.FeedConfig(
                f.get("fanout_threshold").integer(df.fanoutThreshold(), 0, Integer.MAX_VALUE),
                f.get("cap").integer(df.cap(), 1, 100_000), f.get("fanout_batch").integer(df.fanoutBatch(), 1, 100_000));

        YamlNode l = root.get("limits").only(Set.of("max_status_chars", "max_media_bytes", "max_media_per_status",
                "max_page_size", "requests_per_5min"));
        Topology.LimitsConfig dl = d.limits();
        Topology.LimitsConfig limits = new Topology.LimitsConfig(
                l.get("max_status_chars").integer(dl.maxStatusChars(), 1, 100_000),
                l.get("max_media_bytes").longValue(dl.maxMediaBytes(), 1, 1L << 31),
                l.get("max_media_per_status").integer(dl.maxMediaPerStatus(), 0, 100),
                l.get("max_page_size").integer(dl.maxPageSize(), 1, 1000),
                l.get("requests_per_5min").integer(dl.requestsPer5Min(), 0, Integer.MAX_VALUE));

        YamlNode tk = root.get("tasks").only(Set.of("max_attempts", "poll_millis", "visibility_millis",
                "base_backoff_millis", "concurrency", "repair_interval_seconds"));
        Topology.TasksConfig dt = d.tasks();
        Topology.TasksConfig tasks = new Topology.TasksConfig(tk.get("max_attempts").integer(dt.maxAttempts(), 1, 1000),
                tk.get("poll_millis").integer(dt.pollMillis(), 10, 3_600_000),
                tk.get("visibility_millis").integer(dt.visibilityMillis(), 100, 3_600_000),
                tk.get("base_backoff_millis").integer(dt.baseBackoffMillis(), 1, 3_600_000),
                tk.get("concurrency").integer(dt.concurrency(), 1, 10_000),
                tk.get("repair_interval_seconds").integer(dt.repairIntervalSeconds(), 0, 30 * 86_400));

        YamlNode md = root.get("media").only(Set.of("max_pixels", "task_above_pixels", "processor", "cdn_base_url"));
        Topology.MediaConfig dm = d.media();
        String processor = md.get("processor").string(dm.processor());
        if (!Set.of("auto", "vips", "java").contains(processor)) {
            throw md.get("processor").error("expected auto, vips or java, got '" + processor + "'");
        }
        String cdn = md.get("cdn_base_url").string(dm.cdnBaseUrl());
        if (cdn != null && !cdn.matches("https?://[^\\s/]+(/\\S*)?")) {
            throw md.get("cdn_base_url").error("expected an http(s) URL like https://cdn.example.com, got '" + cdn + "'");
        }
        Topology.MediaConfig media = new Topology.MediaConfig(
                md.get("max_pixels").longValue(dm.maxPixels(), 1, 1L << 40),
                md.get("task_above_pixels").longValue(dm.taskAbovePixels(), 0, 1L << 40), processor,
                cdn == null ? null : cdn.replaceAll("/+$", ""));

        YamlNode ad = root.get("admission").only(Set.of("max_in_flight", "queue_timeout_ms", "congested_timeout_ms"));
        Topology.AdmissionConfig da = d.admission();
        Topology.AdmissionConfig admission = new Topology.AdmissionConfig(
                ad.get("max_in_flight").integer(da.maxInFlight(), 0, 1_000_000),
                ad.get("queue_timeout_ms").integer(da.queueTimeoutMillis(), 0, 60_000),
                ad.get("congested_timeout_ms").integer(da.congestedTimeoutMillis(), 0, 60_000));

        List<Topology.RegionConfig> regions = new ArrayList<>();
        for (var e : root.get("regions").map().entrySet()) {
            regions.add(region(e.getKey(), e.getValue()));
        }
        if (!regions.isEmpty() && regions.stream().noneMatch(r -> r.name().equals(region))) {
            throw root.get("region").error("region '" + region + "' is not one of the regions listed under regions:");
        }
        return new Topology(region, shards, pg, cache, feed, limits, tasks, regions, media, admission);
    }

    private static Topology.RegionConfig region(String name, YamlNode r) {
        r.only(Set.of("app_ports", "memcached", "rabbitmq", "cassandra"));
        List<Integer> ports = new ArrayList<>();
        for (YamlNode p : r.get("app_ports").list()) {
            ports.add(p.integer(0, 1, 65535));
        }
        Topology.MemcachedConfig memcached = null;
        YamlNode mc = r.get("memcached");
        if (mc.present()) {
            mc.only(Set.of("servers", "gutter"));
            List<Topology.HostPort> servers = mc.get("servers").list().stream().map(YamlNode::hostPort).toList();
            if (servers.isEmpty()) {
                throw mc.get("servers").error("must list at least one host:port");
            }
            memcached = new Topology.MemcachedConfig(servers,
                    mc.get("gutter").list().stream().map(YamlNode::hostPort).toList());
        }
        String rabbit = null;
        YamlNode mq = r.get("rabbitmq");
        if (mq.present()) {
            rabbit = mq.requiredString();
            if (!rabbit.startsWith("amqp://") && !rabbit.startsWith("amqps://")) {
                throw mq.error("expected an amqp:// URI, got '" + rabbit + "'");
            }
        }
        Topology.CassandraConfig cassandra = null;
        YamlNode cs = r.get("cassandra");
        if (cs.present()) {
            cs.only(Set.of("contact_points", "local_dc", "keyspace", "replication_factor", "write_consistency",
                    "read_consistency"));
            List<Topology.HostPort> points = cs.get("contact_points").list().stream().map(YamlNode::hostPort).toList();
            if (points.isEmpty()) {
                throw cs.get("contact_points").error("must list at least one host:port");
            }
            cassandra = new Topology.CassandraConfig(points, cs.get("local_dc").string(name),
                    cs.get("keyspace").string("scalegram"), cs.get("replication_factor").integer(1, 1, 9),
                    consistency(cs.get("write_consistency"), "LOCAL_QUORUM"),
                    consistency(cs.get("read_consistency"), "LOCAL_ONE"));
        }
        return new Topology.RegionConfig(name, ports, memcached, rabbit, cassandra);
    }

    private static String consistency(YamlNode n, String orElse) {
        String v = n.string(orElse).toUpperCase(java.util.Locale.ROOT);
        if (!CONSISTENCY.contains(v)) {
            throw n.error("unknown consistency level '" + v + "' (expected one of " + new java.util.TreeSet<>(CONSISTENCY) + ")");
        }
        return v;
    }
}
