package dev.scalegram.tasks;

import static dev.scalegram.tasks.RabbitTransportTest.enqueue;
import static dev.scalegram.tasks.RabbitTransportTest.eventually;
import static dev.scalegram.tasks.RabbitTransportTest.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.scalegram.config.Topology;
import dev.scalegram.testing.TestStack;
import java.sql.ResultSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The relay's side of an outage, without a broker: a transport that cannot take tasks costs them no attempts. */
class TaskRelayOutageTest {

    private static final Topology.TasksConfig RELAY = new Topology.TasksConfig(3, 200, 30_000, 20, 64, 0);

    /** Refuses everything as unavailable while {@code down}; otherwise records the task as delivered. */
    private static final class SwitchableTransport implements TaskTransport {
        volatile boolean down = true;
        final Set<Long> delivered = ConcurrentHashMap.newKeySet();

        @Override
        public CompletableFuture<Void> deliver(Task task) {
            if (down) {
                return CompletableFuture.failedFuture(new TransportUnavailableException("broker down (test)"));
            }
            delivered.add(task.id());
            return CompletableFuture.completedFuture(null);
        }
    }

    @Test
    void anOutageLongerThanMaxAttemptsDeadLettersNothingAndSpendsNoAttempts() throws Exception {
        SwitchableTransport transport = new SwitchableTransport();
        try (var s = new TestStack(4, RELAY, transport)) {
            s.startRelay();
            for (int i = 0; i < 10; i++) {
                enqueue(s, i % 4, "test.outage", Map.of("n", i));
            }
            // Well past maxAttempts (3) tries per task.
            eventually(() -> s.registry.find("scalegram.tasks.unavailable").counter().count() >= 10 * 5,
                    "five refused hand-overs per task", 60);
            s.stopRelay();
            assertEquals(10, rows(s, "outbox"));
            assertEquals(0, rows(s, "dead_tasks"));
            assertEquals(0, maxAttempts(s), "every claim's attempt was given back");

            transport.down = false;
            s.startRelay();
            eventually(() -> rows(s, "outbox") == 0, "the backlog delivered once the transport is back", 30);
            assertEquals(10, transport.delivered.size());
            assertEquals(0, rows(s, "dead_tasks"));
        }
    }

    private static long maxAttempts(TestStack s) {
        long max = 0;
        for (int shard = 0; shard < 4; shard++) {
            max = Math.max(max, s.shards.read(shard, (c, sql) -> {
                try (var st = c.createStatement();
                     ResultSet rs = st.executeQuery(sql.of("SELECT coalesce(max(attempts), 0) FROM {s}.outbox"))) {
                    rs.next();
                    return rs.getLong(1);
                }
            }));
        }
        return max;
    }
}
