package dev.scalegram.config;

import java.util.List;

/**
 * Everything a Scalegram process needs to know about where things are and how they behave.
 *
 * @param region this process's region; every pool, cache and route is named by region even while there is one
 * @param logicalShards L: the number of logical shards (schemas), fixed for the life of a deployment
 * @param postgres physical PostgreSQL servers and the map of logical shards onto them
 * @param cache the lease cache
 * @param feed fan-out and feed limits
 * @param limits input limits the API enforces
 * @param tasks the outbox relay
 * @param regions the engines each region runs (memcached, RabbitMQ, Cassandra, app ports); empty in embedded mode,
 *     where the cache, the task transport and the feeds are in-process or in PostgreSQL
 * @param media the photo pipeline
 * @param admission load shedding: how many requests run at once and how long others may wait
 */
public record Topology(
        String region,
        int logicalShards,
        PostgresConfig postgres,
        CacheConfig cache,
        FeedConfig feed,
        LimitsConfig limits,
        TasksConfig tasks,
        List<RegionConfig> regions,
        MediaConfig media,
        AdmissionConfig admission) {

    public Topology {
        regions = regions == null ? List.of() : List.copyOf(regions);
        media = media == null ? MediaConfig.defaults() : media;
        admission = admission == null ? AdmissionConfig.defaults() : admission;
    }

    public Topology(String region, int logicalShards, PostgresConfig postgres, CacheConfig cache, FeedConfig feed,
            LimitsConfig limits, TasksConfig tasks, List<RegionConfig> regions) {
        this(region, logicalShards, postgres, cache, feed, limits, tasks, regions, MediaConfig.defaults(),
                AdmissionConfig.defaults());
    }

    /** The engines of this process's region, if the topology names any. */
    public java.util.Optional<RegionConfig> localRegion() {
        return regions.stream().filter(r -> r.name().equals(region)).findFirst();
    }

    public static final String EMBEDDED_REGION = "local";

    /** One embedded PostgreSQL holding 64 logical shards and the in-process lease cache. */
    public static Topology embedded() {
        return new Topology(EMBEDDED_REGION, 64, PostgresConfig.embedded(EMBEDDED_REGION), CacheConfig.defaults(),
                FeedConfig.defaults(), LimitsConfig.defaults(), TasksConfig.defaults(), List.of());
    }

    public Topology withPostgres(PostgresConfig pg) {
        return new Topology(region, logicalShards, pg, cache, feed, limits, tasks, regions, media, admission);
    }

    public Topology withCache(CacheConfig c) {
        return new Topology(region, logicalShards, postgres, c, feed, limits, tasks, regions, media, admission);
    }

    public Topology withFeed(FeedConfig f) {
        return new Topology(region, logicalShards, postgres, cache, f, limits, tasks, regions, media, admission);
    }

    public Topology withLimits(LimitsConfig l) {
        return new Topology(region, logicalShards, postgres, cache, feed, l, tasks, regions, media, admission);
    }

    public Topology withTasks(TasksConfig t) {
        return new Topology(region, logicalShards, postgres, cache, feed, limits, t, regions, media, admission);
    }

    public Topology withRegions(List<RegionConfig> r) {
        return new Topology(region, logicalShards, postgres, cache, feed, limits, tasks, r, media, admission);
    }

    public Topology withMedia(MediaConfig m) {
        return new Topology(region, logicalShards, postgres, cache, feed, limits, tasks, regions, m, admission);
    }

    public Topology withAdmission(AdmissionConfig a) {
        return new Topology(region, logicalShards, postgres, cache, feed, limits, tasks, regions, media, a);
    }

    public Topology withLogicalShards(int l) {
        return new Topology(region, l, postgres, cache, feed, limits, tasks, regions, media, admission);
    }

    /**
     * Physical PostgreSQL servers and which logical shards each holds.
     *
     * @param servers the servers; an entry with {@code embedded: true} is started in-process from zonky's binaries
     * @param shardMap ranges of logical shards per server; empty means "spread evenly over the servers in order"
     */
    public record PostgresConfig(List<PgServer> servers, List<ShardRange> shardMap) {
        public static PostgresConfig embedded(String region) {
            return new PostgresConfig(List.of(new PgServer("pg0", region, null, "postgres", "", 24, true)), List.of());
        }
    }

    /**
     * @param name the server's name in the shard map, metrics and logs
     * @param region the region whose primary this is
     * @param url a JDBC URL; null for an embedded server, whose URL is known only once it runs
     * @param poolSize HikariCP's maximum pool size for this server
     */
    public record PgServer(String name, String region, String url, String user, String password, int poolSize,
                           boolean embedded) {
        public PgServer withUrl(String u) {
            return new PgServer(name, region, u, user, password, poolSize, embedded);
        }
    }

    /** Logical shards {@code from..to} (inclusive) live on {@code server}. */
    public record ShardRange(int from, int to, String server) {}

    /**
     * @param leases the lease protocol; off only to show the thundering herd it prevents
     * @param ttlSeconds how long a filled value lives
     * @param maxEntries the in-process cache's bound
     */
    public record CacheConfig(boolean leases, int ttlSeconds, int leaseTtlMillis, int staleTtlSeconds,
                              int maxWaitMillis, int maxEntries) {
        public static CacheConfig defaults() {
            return new CacheConfig(true, 3600, 2000, 30, 50, 1_000_000);
        }
    }

    /**
     * @param fanoutThreshold accounts with more followers than this are not fanned out; readers pull their posts
     * @param cap the newest items kept per home feed
     * @param fanoutBatch followers written per batch during fan-out
     */
    public record FeedConfig(int fanoutThreshold, int cap, int fanoutBatch) {
        public static FeedConfig defaults() {
            return new FeedConfig(10_000, 800, 1000);
        }
    }

    /**
     * @param requestsPer5Min requests one token (or, without a token, one IP address) may make per 5-minute window
     *     before getting 429, as Mastodon limits; 0 turns the limit off
     */
    public record LimitsConfig(int maxStatusChars, long maxMediaBytes, int maxMediaPerStatus, int maxPageSize,
                               int requestsPer5Min) {
        public LimitsConfig(int maxStatusChars, long maxMediaBytes, int maxMediaPerStatus, int maxPageSize) {
            this(maxStatusChars, maxMediaBytes, maxMediaPerStatus, maxPageSize, defaults().requestsPer5Min());
        }

        public static LimitsConfig defaults() {
            return new LimitsConfig(500, 15L * 1024 * 1024, 10, 40, 7500);
        }
    }

    /**
     * Load shedding for API and web requests (see {@code dev.scalegram.api.AdmissionControl}).
     *
     * @param maxInFlight requests one app server runs at once; the rest wait in a queue; 0 = no limit
     * @param queueTimeoutMillis how long a request may wait for a slot while the queue still drains now and then
     * @param congestedTimeoutMillis how long it may wait once the queue has stood longer than that (then 503)
     */
    public record AdmissionConfig(int maxInFlight, int queueTimeoutMillis, int congestedTimeoutMillis) {
        public static AdmissionConfig defaults() {
            return new AdmissionConfig(64, 100, 5);
        }
    }

    /**
     * The photo pipeline.
     *
     * @param maxPixels the most pixels an upload may declare (checked from its header, before anything is decoded)
     * @param taskAbovePixels uploads with more pixels than this are made into sizes by a task: the upload answers 202
     *     and the client polls GET /api/v1/media/:id (206 until ready), as with Mastodon; 0 sends every upload there
     * @param processor {@code auto} (libvips when libvips42 is installed, else ImageIO), {@code vips} or {@code java}
     * @param cdnBaseUrl where media URLs point, e.g. {@code https://cdn.example.com}; null for this server itself
     */
    public record MediaConfig(long maxPixels, long taskAbovePixels, String processor, String cdnBaseUrl) {
        public static MediaConfig defaults() {
            return new MediaConfig(50_000_000L, 4_000_000L, "auto", null);
        }
    }

    /**
     * @param maxAttempts attempts before a task is dead-lettered
     * @param pollMillis how often the relay scans every shard for due tasks that neither a notification nor its own
     *     retry timers announced (rows claimed by a relay that died; notifications missed while reconnecting)
     * @param visibilityMillis how long a claimed task is hidden from other relays; a relay that died mid-task loses
     *     its claim after this long
     * @param baseBackoffMillis the first retry delay; doubles per attempt
     * @param concurrency tasks in flight per relay
     * @param repairIntervalSeconds how often the scan for hanging inverse associations runs; 0 turns it off
     */
    public record TasksConfig(int maxAttempts, int pollMillis, int visibilityMillis, int baseBackoffMillis,
                              int concurrency, int repairIntervalSeconds) {
        public static TasksConfig defaults() {
            return new TasksConfig(8, 5000, 30_000, 200, 64, 3600);
        }
    }

    /** A host and port, as {@code host:port} in the file. */
    public record HostPort(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }

        public java.net.InetSocketAddress address() {
            return new java.net.InetSocketAddress(host, port);
        }
    }

    /**
     * What one region runs besides PostgreSQL.
     *
     * @param appPorts the HTTP ports of this region's app servers ({@code cluster up} starts one per port)
     * @param memcached the region's cache pool and its gutter; null for the in-process cache
     * @param rabbitmqUri the broker the outbox relay publishes to; null for in-process task handlers
     * @param cassandra where home feeds and activity live; null to keep them in PostgreSQL
     */
    public record RegionConfig(String name, List<Integer> appPorts, MemcachedConfig memcached, String rabbitmqUri,
                               CassandraConfig cassandra) {}

    /** A pool of memcached servers (keys spread by rendezvous hashing) and the gutter that takes a lost server's keys. */
    public record MemcachedConfig(List<HostPort> servers, List<HostPort> gutter) {}

    /**
     * @param localDc the data center this region's reads and writes stay in (LOCAL_* consistency)
     * @param writeConsistency e.g. LOCAL_QUORUM, or TWO for the talk's "write 2, read 1"
     */
    public record CassandraConfig(List<HostPort> contactPoints, String localDc, String keyspace, int replicationFactor,
                                  String writeConsistency, String readConsistency) {}
}
