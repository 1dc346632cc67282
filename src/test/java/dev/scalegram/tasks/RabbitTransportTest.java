package dev.scalegram.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.scalegram.config.Topology;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.json.Json;
import dev.scalegram.testing.TestStack;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The outbox through a real RabbitMQ: confirms before deletes, retries and dead letters, and broker outages. */
class RabbitTransportTest {

    /**
     * Few relay attempts with a tiny backoff on purpose: if an outage spent attempts, tasks would reach dead_tasks
     * within a fraction of a second. The visibility timeout stays long so a slow confirm is never a relay timeout.
     */
    private static final Topology.TasksConfig RELAY = new Topology.TasksConfig(3, 200, 30_000, 20, 64, 0);
    private static final int SHARDS = 4;

    private String prefix;

    @BeforeEach
    void uniqueQueues() {
        prefix = RabbitBroker.uniquePrefix();
    }

    @AfterEach
    void deleteQueues() throws Exception {
        RabbitBroker.deleteQueues(prefix);
    }

    private RabbitTransport transport(int maxAttempts, Duration backoff) {
        return new RabbitTransport(new RabbitTransport.Options(RabbitBroker.URI, 16, maxAttempts, backoff, prefix));
    }

    @Test
    void followsWrittenThroughTheGraphArriveThroughRabbitMq() throws Exception {
        RabbitTransport rabbit = transport(5, Duration.ofMillis(50));
        try (var s = new TestStack(SHARDS, RELAY, rabbit)) {
            Set<Long> handled = ConcurrentHashMap.newKeySet();
            rabbit.consume(Map.of(Graph.inverseTaskKind(), t -> {
                s.graph.applyInverse(t);
                handled.add(t.id());
            }));
            s.startRelay();
            long star = account(s, 0);
            List<Long> fans = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                fans.add(account(s, i % SHARDS));
            }
            for (long fan : fans) {
                s.graph.write(ScalegramId.shard(fan), tx -> tx.assocAdd(fan, Relation.FOLLOWS, star));
            }

            eventually(() -> s.graph.assocCount(star, Relation.FOLLOWED_BY) == 200, "200 inverses", 60);
            eventually(() -> rows(s, "outbox") == 0, "an empty outbox", 30);
            for (long fan : fans) {
                assertTrue(s.graph.assocExists(star, Relation.FOLLOWED_BY, fan), "inverse of " + fan);
            }
            assertEquals(200, handled.size(), "one task per follow");
            assertEquals(200, s.graph.assocCount(star, Relation.FOLLOWED_BY));
            assertEquals(0, rows(s, "dead_tasks"));
            assertEquals(0, RabbitBroker.ready(prefix + ".dead"), "nothing dead-lettered by the consumer");
        }
    }

    @Test
    void anOutboxRowIsDeletedOnlyAfterTheBrokerConfirmedIt() throws Exception {
        String kind = "test.confirm";
        RabbitTransport rabbit = transport(5, Duration.ofMillis(50));
        try (var s = new TestStack(SHARDS, RELAY, rabbit)) {
            Set<Long> handled = ConcurrentHashMap.newKeySet();
            rabbit.consume(Map.of(kind, t -> handled.add(t.id())));
            s.startRelay();
            // One task end to end first: the queue is declared and the publisher's channel is open before the alarm.
            enqueue(s, 0, kind, Map.of("n", 0));
            eventually(() -> handled.size() == 1 && rows(s, "outbox") == 0, "the warm-up task", 30);

            int n = 20;
            String watermark = RabbitBroker.ctl("eval", "vm_memory_monitor:get_vm_memory_high_watermark().").strip();
            // A memory alarm makes the broker stop reading from publishing connections: publishes go out, and no
            // confirm comes back until the alarm clears.
            RabbitBroker.ctl("set_vm_memory_high_watermark", "0");
            try {
                eventually(() -> alarmed(), "the memory alarm", 30);
                // One transaction, so the relay claims all of them in one batch and has them in flight together.
                s.shards.transaction(1, (c, sql) -> {
                    for (int i = 1; i <= n; i++) {
                        Outbox.enqueue(c, sql, kind, Map.of("n", i));
                    }
                    return null;
                });
                eventually(() -> rabbit.unconfirmedTaskIds().size() == n, "all published, none confirmed", 8);
                Set<Long> unconfirmed = rabbit.unconfirmedTaskIds();
                Set<Long> inOutbox = outboxIds(s);
                Set<Long> stillUnconfirmed = rabbit.unconfirmedTaskIds();
                unconfirmed.retainAll(stillUnconfirmed);
                assertEquals(n, unconfirmed.size());
                assertTrue(inOutbox.containsAll(unconfirmed), "unconfirmed tasks " + unconfirmed
                        + " must still be in the outbox " + inOutbox);
                assertEquals(1, handled.size(), "nothing new reached a handler without reaching the broker");
            } finally {
                RabbitBroker.ctl("set_vm_memory_high_watermark", watermark.isEmpty() ? "0.4" : watermark);
            }
            eventually(() -> rows(s, "outbox") == 0, "the outbox emptied by the confirms", 30);
            eventually(() -> handled.size() == n + 1, "every task handled", 30);
            assertTrue(rabbit.unconfirmedTaskIds().isEmpty());
            assertEquals(0, rows(s, "dead_tasks"));
        }
    }

    @Test
    void aFailingTaskIsRetriedWithBackoffUntilItSucceeds() throws Exception {
        String kind = "test.flaky";
        RabbitTransport rabbit = transport(5, Duration.ofMillis(100));
        try (var s = new TestStack(SHARDS, RELAY, rabbit)) {
            Map<Long, List<Integer>> attemptsSeen = new ConcurrentHashMap<>();
            Set<Long> succeeded = ConcurrentHashMap.newKeySet();
            rabbit.consume(Map.of(kind, t -> {
                List<Integer> seen = attemptsSeen.computeIfAbsent(t.id(), id -> new CopyOnWriteArrayList<>());
                seen.add(t.attempts());
                if (seen.size() <= 2) {
                    throw new IllegalStateException("injected failure " + seen.size());
                }
                succeeded.add(t.id());
            }));
            s.startRelay();
            for (int i = 0; i < 10; i++) {
                enqueue(s, i % SHARDS, kind, Map.of("n", i));
            }
            eventually(() -> succeeded.size() == 10, "all ten succeeded on their third attempt", 60);
            for (List<Integer> seen : attemptsSeen.values()) {
                assertEquals(List.of(1, 2, 3), seen, "two failures, then the success");
            }
            assertEquals(10, attemptsSeen.size());
            assertEquals(0, rows(s, "outbox"));
            assertEquals(0, rows(s, "dead_tasks"));
            assertEquals(0, RabbitBroker.ready(prefix + ".dead"));
            assertEquals(0, RabbitBroker.ready(prefix + "." + kind));
        }
    }

    @Test
    void aTaskThatAlwaysFailsEndsInTheDeadLetterQueueAfterMaxAttempts() throws Exception {
        String kind = "test.broken";
        int maxAttempts = 3;
        RabbitTransport rabbit = transport(maxAttempts, Duration.ofMillis(50));
        try (var s = new TestStack(SHARDS, RELAY, rabbit)) {
            AtomicInteger runs = new AtomicInteger();
            rabbit.consume(Map.of(kind, t -> {
                runs.incrementAndGet();
                throw new IllegalStateException("always broken");
            }));
            s.startRelay();
            enqueue(s, 2, kind, Map.of("n", 1));
            eventually(() -> rows(s, "outbox") == 0, "the broker took the task", 30);

            GetResponse dead = null;
            try (Connection c = RabbitBroker.connect()) {
                Channel ch = c.createChannel();
                long deadline = System.currentTimeMillis() + 60_000;
                while (dead == null && System.currentTimeMillis() < deadline) {
                    try {
                        dead = ch.basicGet(prefix + ".dead", true);
                    } catch (java.io.IOException notDeclaredYet) {
                        ch = c.createChannel();
                    }
                    if (dead == null) {
                        Thread.sleep(50);
                    }
                }
            }
            assertNotNull(dead, "a message in the dead-letter queue");
            long taskId = Long.parseLong(dead.getProps().getMessageId());
            assertEquals(maxAttempts, ((Number) dead.getProps().getHeaders().get("x-attempts")).intValue());
            assertTrue(String.valueOf(dead.getProps().getHeaders().get("x-error")).contains("always broken"));
            assertEquals(kind, dead.getProps().getType());
            Task task = Json.read(dead.getBody(), Task.class);
            assertEquals(taskId, task.id());
            assertEquals(1, task.payload().get("n").asInt());
            assertEquals(maxAttempts, runs.get(), "one run per attempt, none after the dead letter");
            assertEquals(0, RabbitBroker.ready(prefix + ".dead"), "exactly one dead letter");
            assertEquals(0, rows(s, "dead_tasks"), "the relay's side succeeded: the broker confirmed it");
        }
    }

    private static final Duration OUTAGE = Duration.ofSeconds(30);

    @Test
    void writesSucceedWhileTheBrokerIsDownAndTheirTasksFlowWhenItReturns() throws Exception {
        RabbitTransport rabbit = transport(5, Duration.ofMillis(50));
        try (var s = new TestStack(SHARDS, RELAY, rabbit)) {
            Set<Long> handled = ConcurrentHashMap.newKeySet();
            rabbit.consume(Map.of(Graph.inverseTaskKind(), t -> {
                s.graph.applyInverse(t);
                handled.add(t.id());
            }));
            s.startRelay();
            long star = account(s, 1);
            List<Long> fans = new ArrayList<>();
            for (int i = 0; i < 51; i++) {
                fans.add(account(s, i % SHARDS));
            }
            // The pipeline works before the outage.
            long first = fans.removeFirst();
            s.graph.write(ScalegramId.shard(first), tx -> tx.assocAdd(first, Relation.FOLLOWS, star));
            eventually(() -> s.graph.assocExists(star, Relation.FOLLOWED_BY, first), "the first inverse", 30);
            eventually(() -> rows(s, "outbox") == 0, "an empty outbox", 30);

            try {
                RabbitBroker.stopApp();
                Instant down = Instant.now();
                // The outage: 30 s with the writes spread over all of it and the relay trying all along.
                long spacing = OUTAGE.toMillis() / fans.size();
                for (long fan : fans) {
                    s.graph.write(ScalegramId.shard(fan), tx -> tx.assocAdd(fan, Relation.FOLLOWS, star));
                    Thread.sleep(spacing);
                }
                Thread.sleep(Math.max(0, OUTAGE.toMillis() - Duration.between(down, Instant.now()).toMillis()));
                assertEquals(fans.size(), rows(s, "outbox"), "every task waits in the outbox");
                assertEquals(0, rows(s, "dead_tasks"), "the outage dead-lettered nothing");
                assertTrue(unavailable(s) >= fans.size(), "the relay tried during the outage");
                assertEquals(1, s.graph.assocCount(star, Relation.FOLLOWED_BY));
            } finally {
                RabbitBroker.startApp();
            }

            eventually(() -> s.graph.assocCount(star, Relation.FOLLOWED_BY) == fans.size() + 1, "all inverses", 90);
            eventually(() -> rows(s, "outbox") == 0, "an empty outbox", 30);
            for (long fan : fans) {
                assertTrue(s.graph.assocExists(star, Relation.FOLLOWED_BY, fan), "inverse of " + fan);
            }
            assertEquals(fans.size() + 1, s.graph.assocCount(star, Relation.FOLLOWED_BY), "none doubled");
            assertEquals(fans.size() + 1, handled.size());
            assertEquals(0, rows(s, "dead_tasks"));
            assertEquals(0, RabbitBroker.ready(prefix + ".dead"));
        }
    }

    @Test
    void aTransportBuiltWhileTheBrokerIsDownConnectsWhenItComesUp() throws Exception {
        RabbitTransport rabbit;
        TestStack stack = null;
        Set<Long> handled = ConcurrentHashMap.newKeySet();
        List<Long> fans = new ArrayList<>();
        long star;
        try {
            RabbitBroker.stopApp();
            rabbit = transport(5, Duration.ofMillis(50));
            stack = new TestStack(SHARDS, RELAY, rabbit);
            TestStack s = stack;
            rabbit.consume(Map.of(Graph.inverseTaskKind(), t -> {
                s.graph.applyInverse(t);
                handled.add(t.id());
            }));
            s.startRelay();
            star = account(s, 3);
            for (int i = 0; i < 20; i++) {
                long fan = account(s, i % SHARDS);
                fans.add(fan);
                s.graph.write(ScalegramId.shard(fan), tx -> tx.assocAdd(fan, Relation.FOLLOWS, star));
            }
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> rabbit.deliver(new Task(1, 0, "test.none", Json.object(), 1, Instant.now()))
                            .get(10, TimeUnit.SECONDS));
            assertInstanceOf(TransportUnavailableException.class, refused.getCause());
            assertFalse(rabbit.awaitConnected(0));
            assertEquals(20, rows(s, "outbox"));
        } catch (Throwable t) {
            if (stack != null) {
                stack.close();
            }
            throw t;
        } finally {
            RabbitBroker.startApp();
        }
        try (TestStack s = stack) {
            eventually(() -> s.graph.assocCount(star, Relation.FOLLOWED_BY) == 20, "all inverses", 90);
            eventually(() -> rows(s, "outbox") == 0, "an empty outbox", 30);
            assertEquals(20, handled.size());
            assertEquals(0, rows(s, "dead_tasks"));
        }
    }

    private static boolean alarmed() {
        try {
            return RabbitBroker.ctl("eval", "rabbit_alarm:get_alarms().").contains("memory");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double unavailable(TestStack s) {
        return s.registry.find("scalegram.tasks.unavailable").counter().count();
    }

    static long account(TestStack s, int shard) {
        return s.graph.write(shard, tx -> tx.objAdd(ObjectType.ACCOUNT, Map.of()));
    }

    static void enqueue(TestStack s, int shard, String kind, Object payload) {
        s.shards.transaction(shard, (c, sql) -> {
            Outbox.enqueue(c, sql, kind, payload);
            return null;
        });
    }

    static long rows(TestStack s, String table) {
        long total = 0;
        for (int shard = 0; shard < SHARDS; shard++) {
            total += s.shards.read(shard, (c, sql) -> {
                try (var st = c.createStatement();
                     ResultSet rs = st.executeQuery(sql.of("SELECT count(*) FROM {s}." + table))) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
        }
        return total;
    }

    static Set<Long> outboxIds(TestStack s) {
        Set<Long> ids = new HashSet<>();
        for (int shard = 0; shard < SHARDS; shard++) {
            s.shards.read(shard, (c, sql) -> {
                try (var st = c.createStatement();
                     ResultSet rs = st.executeQuery(sql.of("SELECT id FROM {s}.outbox"))) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
                return null;
            });
        }
        return ids;
    }

    static void eventually(BooleanSupplier condition, String what, int seconds) throws InterruptedException {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }
}
