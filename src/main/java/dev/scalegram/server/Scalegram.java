package dev.scalegram.server;

import dev.scalegram.api.AdmissionControl;
import dev.scalegram.api.ApiError;
import dev.scalegram.api.InstanceApi;
import dev.scalegram.api.MastodonApi;
import dev.scalegram.api.OAuthApi;
import dev.scalegram.api.OAuthStore;
import dev.scalegram.cache.CacheMetrics;
import dev.scalegram.cache.CacheSettings;
import dev.scalegram.cache.InProcessLeaseCache;
import dev.scalegram.cache.LeaseCache;
import dev.scalegram.cache.MemcachedPool;
import dev.scalegram.cache.ReadThrough;
import dev.scalegram.config.Topology;
import dev.scalegram.feed.ActivityStore;
import dev.scalegram.feed.CassandraActivityStore;
import dev.scalegram.feed.CassandraFeedConfig;
import dev.scalegram.feed.CassandraFeedStore;
import dev.scalegram.feed.CassandraSession;
import dev.scalegram.feed.FanOut;
import dev.scalegram.feed.FeedStore;
import dev.scalegram.feed.HomeFeed;
import dev.scalegram.feed.PgActivityStore;
import dev.scalegram.feed.PgFeedStore;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.InverseRepair;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.json.Json;
import dev.scalegram.media.BlobStore;
import dev.scalegram.media.ImageProcessor;
import dev.scalegram.media.MediaUrls;
import dev.scalegram.media.MediaWorker;
import dev.scalegram.media.UploadMedia;
import dev.scalegram.shards.EmbeddedPostgresServer;
import dev.scalegram.shards.ShardException;
import dev.scalegram.shards.ShardMap;
import dev.scalegram.shards.ShardMigrations;
import dev.scalegram.shards.Shards;
import dev.scalegram.social.Account;
import dev.scalegram.social.Authenticate;
import dev.scalegram.social.BookmarkStatus;
import dev.scalegram.social.DeleteStatus;
import dev.scalegram.social.FavouriteStatus;
import dev.scalegram.social.FollowAccount;
import dev.scalegram.social.FollowWorker;
import dev.scalegram.social.Hydrator;
import dev.scalegram.social.NotifyWorker;
import dev.scalegram.social.PostStatus;
import dev.scalegram.social.PublicTimeline;
import dev.scalegram.social.Problem;
import dev.scalegram.social.ReadNotifications;
import dev.scalegram.social.ReadTimelines;
import dev.scalegram.social.RegisterAccount;
import dev.scalegram.social.TagWorker;
import dev.scalegram.social.Tasks;
import dev.scalegram.social.UseCases;
import dev.scalegram.tasks.InProcessTransport;
import dev.scalegram.tasks.RabbitTaskConsumer;
import dev.scalegram.tasks.RabbitTransport;
import dev.scalegram.tasks.TaskHandler;
import dev.scalegram.tasks.TaskTransport;
import dev.scalegram.tasks.TaskRelay;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One Scalegram process, wired by hand in dependency order: PostgreSQL servers (embedded ones started here), shards
 * and their migrations, the lease cache, the graph, feeds, use cases, the task relay, and the HTTP server. Closing it
 * stops them in reverse order.
 */
public final class Scalegram implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Scalegram.class.getName());

    private final List<AutoCloseable> closeInReverse = new ArrayList<>();
    private WebServer web;
    private TaskRelay relay;
    private InProcessTransport transport;
    private RabbitTaskConsumer consumer;
    private Graph graph;
    private Shards shards;
    private FeedStore feeds;
    private Topology topology;
    private PrometheusMeterRegistry registry;

    private Scalegram() {}

    public static Scalegram start(ServeOptions options) {
        Scalegram s = new Scalegram();
        try {
            s.boot(options);
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void boot(ServeOptions o) {
        Topology t = o.topology();
        topology = t;
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        dev.scalegram.ops.OpsEndpoints.registerProcessMemory(registry);

        List<Topology.PgServer> servers = new ArrayList<>();
        for (Topology.PgServer pg : t.postgres().servers()) {
            if (pg.embedded()) {
                EmbeddedPostgresServer embedded = EmbeddedPostgresServer.start(o.dataDir().resolve("pg").resolve(pg.name()));
                closeInReverse.add(embedded);
                servers.add(pg.withUrl(embedded.jdbcUrl()));
            } else {
                servers.add(pg);
            }
        }
        shards = new Shards(ShardMap.from(t.withPostgres(new Topology.PostgresConfig(servers, t.postgres().shardMap()))),
                servers, registry);
        closeInReverse.add(shards);
        long m0 = System.nanoTime();
        int migrated = ShardMigrations.migrateAll(shards);
        if (migrated > 0) {
            LOG.info("migrated " + migrated + " logical shards in " + (System.nanoTime() - m0) / 1_000_000 + " ms");
        }

        Topology.CacheConfig cc = t.cache();
        Topology.RegionConfig region = t.localRegion().orElse(null);
        LeaseCache cache;
        if (region != null && region.memcached() != null) {
            cache = new MemcachedPool(region.memcached().servers().stream().map(Topology.HostPort::address).toList(),
                    region.memcached().gutter().stream().map(Topology.HostPort::address).toList(),
                    MemcachedPool.Options.defaults(), registry);
            LOG.info("lease cache: memcached " + region.memcached().servers() + ", gutter " + region.memcached().gutter());
        } else {
            cache = new InProcessLeaseCache(cc.maxEntries());
        }
        closeInReverse.add(cache);
        ReadThrough readThrough = new ReadThrough(cache, new CacheSettings(cc.leases(), Duration.ofSeconds(cc.ttlSeconds()),
                Duration.ofMillis(cc.leaseTtlMillis()), Duration.ofSeconds(cc.staleTtlSeconds()),
                Duration.ofMillis(cc.maxWaitMillis())), new CacheMetrics(registry));
        graph = new Graph(shards, readThrough);

        ActivityStore activity;
        if (region != null && region.cassandra() != null) {
            CassandraSession cassandra = CassandraSession.open(CassandraFeedConfig.from(region.cassandra()));
            closeInReverse.add(cassandra);
            feeds = new CassandraFeedStore(cassandra, t.feed().cap());
            activity = new CassandraActivityStore(cassandra);
            LOG.info("home feeds and activity: Cassandra " + region.cassandra().contactPoints() + " (local DC "
                    + region.cassandra().localDc() + ")");
        } else {
            feeds = new PgFeedStore(shards, t.feed().cap());
            activity = new PgActivityStore(shards);
        }
        Hydrator hydrator = new Hydrator(graph);
        BlobStore blobs = new BlobStore(o.dataDir().resolve("media"));
        String processor = t.media().processor();
        ImageProcessor images = ImageProcessor.forSetting(processor);
        // auto falls back quietly; say so, since libvips is about twice as fast per upload.
        boolean fellBack = processor.equals("auto") && !images.name().startsWith("libvips");
        LOG.info("photos: " + images.name() + " (media.processor " + processor
                + (fellBack ? "; libvips.so.42 did not load: apt-get install libvips42 for the faster path" : "")
                + "), up to " + t.media().maxPixels() + " pixels; media URLs "
                + (t.media().cdnBaseUrl() == null ? "on this server" : "on " + t.media().cdnBaseUrl()));
        Authenticate authenticate = new Authenticate(graph);
        PublicTimeline publicTimeline = new PublicTimeline(graph, feeds);
        UseCases useCases = new UseCases(new RegisterAccount(graph), authenticate, new FollowAccount(graph),
                new PostStatus(graph, t.limits()), new DeleteStatus(graph), new FavouriteStatus(graph),
                new BookmarkStatus(graph), new UploadMedia(graph, blobs, images, t.limits().maxMediaBytes(),
                        t.media().maxPixels(), t.media().taskAbovePixels()),
                new ReadTimelines(graph, new HomeFeed(graph, feeds), hydrator, publicTimeline),
                new ReadNotifications(activity, hydrator),
                hydrator, activity, graph);

        FanOut fanOut = new FanOut(graph, feeds, t.feed(), author -> graph.objGet(author)
                .filter(a -> a.type() == ObjectType.ACCOUNT).map(a -> a.as(Account.class).pulled()).orElse(false));
        FollowWorker follows = new FollowWorker(graph, feeds, activity, t.feed());
        Map<String, TaskHandler> handlers = new LinkedHashMap<>();
        handlers.put(Graph.inverseTaskKind(), graph::applyInverse);
        handlers.put(FanOut.FANOUT, fanOut::fanOut);
        handlers.put(FanOut.UNFANOUT, fanOut::unFanOut);
        handlers.put(FanOut.PULL_MIGRATE, fanOut::migrateToPull);
        handlers.put(Tasks.AFTER_FOLLOW, follows::afterFollow);
        handlers.put(Tasks.AFTER_UNFOLLOW, follows::afterUnfollow);
        handlers.put(Tasks.NOTIFY, new NotifyWorker(activity)::notify);
        handlers.put(Tasks.TAG, new TagWorker(graph)::tag);
        handlers.put(Tasks.PUBLISH, publicTimeline::publish);
        handlers.put(MediaWorker.PROCESS, new MediaWorker(graph, blobs, images)::process);
        TaskTransport taskTransport;
        String rabbitUri = region == null ? null : region.rabbitmqUri();
        if (rabbitUri != null) {
            // The relay publishes with confirms; this process also consumes (every app server is a worker too).
            RabbitTransport rabbit = new RabbitTransport(new RabbitTransport.Options(rabbitUri, 64,
                    t.tasks().maxAttempts(), Duration.ofMillis(t.tasks().baseBackoffMillis())));
            closeInReverse.add(rabbit);
            consumer = rabbit.consume(handlers);
            closeInReverse.add(consumer);
            taskTransport = rabbit;
            LOG.info("tasks go through RabbitMQ at " + rabbitUri.replaceAll("//[^@/]*@", "//"));
        } else {
            transport = new InProcessTransport();
            handlers.forEach(transport::register);
            closeInReverse.add(transport);
            taskTransport = transport;
        }
        relay = new TaskRelay(shards, taskTransport, t.tasks(), registry).start();
        closeInReverse.add(relay);
        if (t.tasks().repairIntervalSeconds() > 0) {
            InverseRepair repair = new InverseRepair(graph);
            var scheduler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("inverse-repair").factory());
            scheduler.scheduleWithFixedDelay(() -> {
                try {
                    repair.repairAll();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "inverse repair pass failed: " + e.getMessage(), e);
                }
            }, t.tasks().repairIntervalSeconds(), t.tasks().repairIntervalSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            closeInReverse.add(scheduler::shutdownNow);
        }

        OAuthStore oauth = new OAuthStore(graph);
        HttpRouting.Builder routing = HttpRouting.builder();
        new dev.scalegram.ops.OpsEndpoints(registry, this::ready, Map.of("photos", images.name())).routes(routing);
        routing.addFilter(admission(t.admission(), registry));
        routing.addFilter(new dev.scalegram.api.RateLimiter(t.limits().requestsPer5Min()));
        new OAuthApi(oauth, authenticate, t.limits()).routes(routing);
        new InstanceApi(t.limits(), oauth).routes(routing);
        MediaUrls mediaUrls = new MediaUrls(t.media().cdnBaseUrl());
        new MastodonApi(useCases, oauth, t.limits(), mediaUrls).routes(routing);
        new dev.scalegram.web.StaticAssets().routes(routing);
        new dev.scalegram.web.WebUi(useCases, oauth, t.limits(), mediaUrls).routes(routing);
        routing.get("/media/{name}", (req, res) -> {
            String name = req.path().pathParameters().first("name").orElse("");
            var file = blobs.get(name);
            if (file.isEmpty()) {
                error(res, 404, "Record not found");
                return;
            }
            String etag = "\"" + name.substring(0, 32) + "\"";
            res.header(HeaderNames.ETAG, etag);
            res.header(HeaderNames.CACHE_CONTROL, "public, max-age=31536000, immutable");
            if (req.headers().first(HeaderNames.IF_NONE_MATCH).map(etag::equals).orElse(false)) {
                res.status(304).send();
                return;
            }
            res.header(HeaderNames.CONTENT_TYPE, contentType(name));
            try {
                res.send(Files.readAllBytes(file.get()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        routing.error(ApiError.class, (req, res, e) -> {
            if (e.oauthCode() != null) {
                res.status(e.status());
                res.header(HeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
                res.send(Json.bytes(Map.of("error", e.oauthCode(), "error_description", e.getMessage())));
            } else {
                error(res, e.status(), e.getMessage());
            }
        });
        routing.error(Problem.class, (req, res, e) -> error(res, e.httpStatus(), e.getMessage()));
        routing.error(ShardException.class, (req, res, e) -> {
            LOG.log(Level.WARNING, "database error on " + req.path().rawPath(), e);
            error(res, 503, "Service temporarily unavailable");
        });
        routing.error(Exception.class, (req, res, e) -> {
            LOG.log(Level.SEVERE, "unexpected error on " + req.path().rawPath(), e);
            error(res, 500, "Internal server error");
        });
        routing.any((req, res) -> error(res, 404, "Not found"));

        web = WebServer.builder()
                .port(o.port())
                // Helidon leaves Nagle on and writes a response in buffer-sized pieces: a response of a few pieces
                // then waits for the client's delayed ACK, about 40 ms on Linux, on every kept-alive connection.
                .connectionOptions(c -> c.tcpNoDelay(true))
                // Bodies are bounded per request by the API (413 with a JSON error), not here, where the answer has no body.
                .maxPayloadSize(-1)
                .routing(routing)
                .build()
                .start();
        if (!web.isRunning() || web.port() < 0) {
            throw new IllegalStateException("cannot listen on port " + o.port() + " (is it in use?)");
        }
        LOG.info("Scalegram listening on http://localhost:" + web.port() + " (region " + t.region() + ", "
                + t.logicalShards() + " logical shards on " + servers.size() + " PostgreSQL server(s))");
    }

    private static String contentType(String name) {
        if (name.endsWith(".png")) {
            return "image/png";
        }
        if (name.endsWith(".webp")) {
            return "image/webp";
        }
        return "image/jpeg";
    }

    /** Load shedding, first of the request filters after timing, with its queue and what it turned away on /metrics. */
    private static AdmissionControl admission(Topology.AdmissionConfig c, MeterRegistry registry) {
        var admission = new AdmissionControl(c.maxInFlight(), c.queueTimeoutMillis(), c.congestedTimeoutMillis());
        Gauge.builder("scalegram.http.admission.running", admission::running)
                .description("API and web requests running (at most admission.max_in_flight)").register(registry);
        Gauge.builder("scalegram.http.admission.queued", admission::queued)
                .description("requests waiting for a slot").register(registry);
        FunctionCounter.builder("scalegram.http.admission.shed", admission,
                        AdmissionControl::shedTimedOut).tag("reason", "waited_too_long")
                .description("requests answered 503 before running").register(registry);
        FunctionCounter.builder("scalegram.http.admission.shed", admission,
                        AdmissionControl::shedQueueFull).tag("reason", "queue_full")
                .description("requests answered 503 before running").register(registry);
        return admission;
    }

    private static void error(ServerResponse res, int status, String message) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        res.send(Json.bytes(Map.of("error", message)));
    }

    private boolean ready() {
        try {
            for (int shard : new int[] {0, shards.logicalShards() - 1}) {
                shards.read(shard, (c, sql) -> c.isValid(2));
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public int port() {
        return web.port();
    }

    public Graph graph() {
        return graph;
    }

    /** The home feed store this server writes and reads (PostgreSQL or Cassandra, per the topology). */
    public FeedStore feeds() {
        return feeds;
    }

    /** The topology this server was started with. */
    public Topology topology() {
        return topology;
    }

    public InProcessTransport transport() {
        return transport;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Waits until every queued asynchronous task (fan-out, inverses, notifications) has run. */
    public boolean awaitTasks(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        if (consumer == null) {
            return relay.awaitIdle(timeoutMillis);
        }
        // With a broker, "done" means published (relay idle) and consumed (queues empty, no handler running), twice
        // in a row: a message between the broker and our handler shows in neither count for a moment.
        int quiet = 0;
        while (System.currentTimeMillis() < deadline) {
            if (relay.awaitIdle(Math.max(1, deadline - System.currentTimeMillis())) && consumer.idle()) {
                if (++quiet == 3) {
                    return true;
                }
            } else {
                quiet = 0;
            }
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    @Override
    public void close() {
        if (web != null) {
            web.stop();
            web = null;
        }
        for (int i = closeInReverse.size() - 1; i >= 0; i--) {
            try {
                closeInReverse.get(i).close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "error while stopping " + closeInReverse.get(i).getClass().getSimpleName(), e);
            }
        }
        closeInReverse.clear();
    }
}
