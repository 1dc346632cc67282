package dev.scalegram.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.config.Topology;
import dev.scalegram.server.Scalegram;
import dev.scalegram.server.ServeOptions;
import dev.scalegram.testing.ApiClient;
import dev.scalegram.testing.TestMemcached;
import dev.scalegram.testing.TestPostgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gutter check through the API: a memcached server is killed during a read load; every request keeps
 * succeeding and the database work per request stays within 2x of what it was before.
 *
 * <p>Per request rather than per second, so that the check does not depend on how fast this shared machine is: the
 * load is a fixed number of requests per phase, and the database work is the server's own statement counter.
 */
class GutterApiTest {

    @TempDir
    static Path dir;

    private static final int STATUSES = 60;
    private static final int REQUESTS_PER_PHASE = 3_000;

    @Test
    void killingAMemcachedServerDoesNotStampedeTheDatabase() throws Exception {
        double[] withGutter = scenario(true, dir.resolve("gutter"));
        double[] withoutGutter = scenario(false, dir.resolve("no-gutter"));
        System.out.printf("db statements per request: with gutter %.3f before, %.3f after the kill; "
                + "without gutter %.3f before, %.3f after%n", withGutter[0], withGutter[1], withoutGutter[0], withoutGutter[1]);
        // The dead server's keys are refilled once, into the gutter; the bound allows for that one refill.
        assertTrue(withGutter[1] <= 2 * withGutter[0] + refillAllowance(),
                "with the gutter: before " + withGutter[0] + ", after " + withGutter[1]);
        // The control: without a gutter every read of a dead key goes to the database, which the bound above
        // would catch.
        assertTrue(withoutGutter[1] > 2 * withoutGutter[0] + refillAllowance(),
                "without the gutter the database should take the dead server's reads: " + withoutGutter[1]);
    }

    /** Statements per request before and after one of two memcached servers is killed. */
    private static double[] scenario(boolean gutter, Path dataDir) throws Exception {
        try (TestMemcached a = TestMemcached.start(); TestMemcached b = TestMemcached.start();
             TestMemcached g = TestMemcached.start()) {
            Topology.RegionConfig region = new Topology.RegionConfig(Topology.EMBEDDED_REGION, List.of(),
                    new Topology.MemcachedConfig(List.of(hostPort(a), hostPort(b)),
                            gutter ? List.of(hostPort(g)) : List.of()), null, null);
            // No request limit: the load is many times Mastodon's 7,500 per 5 minutes.
            Topology t = TestPostgres.topology(8).withRegions(List.of(region))
                    .withLimits(new Topology.LimitsConfig(500, 15L << 20, 10, 40, 0));
            try (Scalegram app = Scalegram.start(new ServeOptions(t, dataDir, 0))) {
                ApiClient api = ApiClient.local(app.port());
                String appToken = api.appToken(api.createApp("gutter"));
                ApiClient.User ann = api.register(appToken, "ann");
                ApiClient.User ben = api.register(appToken, "ben");
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < STATUSES; i++) {
                    ids.add(api.as(ann.token()).postJson("/api/v1/statuses", ApiClient.obj("status", "photo " + i))
                            .expect(200).json().path("id").asString());
                }
                assertTrue(app.awaitTasks(10_000));
                ApiClient reader = api.as(ben.token());
                phase(reader, ids); // warm-up: fills the cache
                double before = statementsPerRequest(app, reader, ids);
                a.kill9();
                double after = statementsPerRequest(app, reader, ids);
                return new double[] {before, after};
            }
        }
    }

    /** Every key of the dead server loaded once more, spread over one phase. */
    private static double refillAllowance() {
        // Each status view touches about 10 keys (status, author, counts, marks); half of them were on the dead
        // server; each is loaded with one statement per shard batch at most.
        return (STATUSES * 10.0) / REQUESTS_PER_PHASE;
    }

    private static Topology.HostPort hostPort(TestMemcached m) {
        return new Topology.HostPort("127.0.0.1", m.port());
    }

    private static double statementsPerRequest(Scalegram app, ApiClient reader, List<String> ids) throws Exception {
        double s0 = statements(app);
        long requests = phase(reader, ids);
        return (statements(app) - s0) / requests;
    }

    private static double statements(Scalegram app) {
        return app.registry().find("scalegram.db.statements").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** A fixed number of status reads from 16 virtual threads; every one must succeed. */
    private static long phase(ApiClient reader, List<String> ids) throws Exception {
        AtomicLong failures = new AtomicLong();
        AtomicLong done = new AtomicLong();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 16; w++) {
                int offset = w;
                workers.add(pool.submit(() -> {
                    for (int i = offset; i < REQUESTS_PER_PHASE; i += 16) {
                        ApiClient.Response r = reader.get("/api/v1/statuses/" + ids.get(i % ids.size()));
                        if (r.status() != 200 && failures.incrementAndGet() == 1) {
                            System.out.println("first failure: " + r);
                        }
                        done.incrementAndGet();
                    }
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        }
        assertEquals(0, failures.get(), "every request succeeded");
        return done.get();
    }
}
