package dev.scalegram.tasks;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.RecoveryDelayHandler;
import com.rabbitmq.client.ReturnListener;
import com.rabbitmq.client.ShutdownListener;
import com.rabbitmq.client.ShutdownSignalException;
import dev.scalegram.json.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * Hands tasks to RabbitMQ: a durable queue per task kind ({@code <prefix>.<kind>}), persistent messages, and a
 * delivery future that completes only on the broker's publisher confirm, so the relay deletes an outbox row only once
 * the broker owns the task. Confirms are asynchronous: outstanding publishes wait in a map keyed by sequence number.
 *
 * <p>The transport can be built while the broker is down and connects when it can; amqp-client's automatic recovery
 * takes over after that. Whenever there is no usable connection, or one is lost before its confirms arrived, delivery
 * fails with {@link TransportUnavailableException}: the relay keeps the rows and retries without spending attempts.
 * The consumer side is {@link #consume}.
 */
public final class RabbitTransport implements TaskTransport {

    /**
     * @param uri the broker, {@code amqp://user:password@host:port/vhost}
     * @param prefetch unacknowledged deliveries per queue consumer (one consumer per task kind)
     * @param maxAttempts handler runs before a task goes to the dead-letter queue
     * @param baseBackoff the consumer's first retry delay; each further retry doubles it
     * @param queuePrefix the queue names' prefix (tests use a unique one per run)
     */
    public record Options(String uri, int prefetch, int maxAttempts, Duration baseBackoff, String queuePrefix) {

        public static final String DEFAULT_URI = "amqp://guest:guest@127.0.0.1:5672/%2F";
        public static final String DEFAULT_PREFIX = "scalegram.tasks";

        public Options {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(baseBackoff, "baseBackoff");
            Objects.requireNonNull(queuePrefix, "queuePrefix");
            if (prefetch < 1 || prefetch > 65_535 || maxAttempts < 1 || baseBackoff.isNegative()) {
                throw new IllegalArgumentException(
                        "prefetch must be in 1..65535, maxAttempts positive, baseBackoff not negative");
            }
        }

        public Options(String uri, int prefetch, int maxAttempts, Duration baseBackoff) {
            this(uri, prefetch, maxAttempts, baseBackoff, DEFAULT_PREFIX);
        }

        public static Options defaults() {
            return new Options(DEFAULT_URI, 64, 8, Duration.ofSeconds(1));
        }

        public Options withQueuePrefix(String prefix) {
            return new Options(uri, prefetch, maxAttempts, baseBackoff, prefix);
        }
    }

    /** A queue and the arguments it is declared with (a redeclaration with other arguments is a channel error). */
    record QueueSpec(String name, Map<String, Object> arguments) {}

    /**
     * No confirm within this long fails the delivery as unavailable, well inside the relay's default visibility
     * timeout (30 s): a stalled broker then costs the task no attempt, and the outstanding map cannot grow forever.
     */
    static final long CONFIRM_TIMEOUT_MILLIS = 10_000;

    private final Options options;
    private final ConnectionFactory factory;
    private final RabbitConnector connector;
    private final ScheduledExecutorService sweeper;
    private final List<RabbitTaskConsumer> consumers = new CopyOnWriteArrayList<>();
    // Publishing is serialised: a sequence number must belong to exactly the publish that follows it.
    private final ReentrantLock lock = new ReentrantLock();
    // Replaced under the lock; read without it by the confirm-timeout sweep.
    private volatile Lane lane;
    private volatile boolean closed;

    public RabbitTransport(Options options) {
        this.options = options;
        this.factory = factory(options.uri());
        this.connector = new RabbitConnector(factory, "scalegram-tasks-publisher", c -> {});
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("rabbit-confirm-timeouts").factory());
        sweeper.scheduleWithFixedDelay(this::expireConfirms, 1, 1, TimeUnit.SECONDS);
    }

    private static ConnectionFactory factory(String uri) {
        ConnectionFactory f = new ConnectionFactory();
        try {
            f.setUri(uri);
        } catch (Exception e) {
            // Neither the URI nor the cause's message: both would put the password in a log.
            throw new IllegalArgumentException("bad RabbitMQ URI (" + e.getClass().getSimpleName() + ")");
        }
        f.setAutomaticRecoveryEnabled(true);
        f.setTopologyRecoveryEnabled(true);
        // Short first retries (a broker restart takes seconds), then every 5 s for as long as the outage lasts.
        f.setRecoveryDelayHandler(new RecoveryDelayHandler.ExponentialBackoffDelayHandler(
                List.of(250L, 500L, 1_000L, 2_000L, 5_000L)));
        f.setRequestedHeartbeat(10);
        f.setConnectionTimeout(5_000);
        // The default is 10 minutes: a relay thread must not hang that long on a declaration to a stalled broker.
        f.setChannelRpcTimeout(15_000);
        return f;
    }

    /**
     * Starts consuming the queues of the given task kinds on a connection of its own (so publisher flow control never
     * stalls acknowledgements). Closing the transport closes its consumers.
     */
    public RabbitTaskConsumer consume(Map<String, TaskHandler> handlers) {
        if (closed) {
            throw new IllegalStateException("transport closed");
        }
        RabbitTaskConsumer consumer = new RabbitTaskConsumer(this, Map.copyOf(handlers));
        consumers.add(consumer);
        return consumer;
    }

    @Override
    public CompletableFuture<Void> deliver(Task task) {
        byte[] body;
        try {
            body = Json.bytes(task);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType("application/json")
                .deliveryMode(2)
                .messageId(Long.toString(task.id()))
                .type(task.kind())
                .timestamp(new Date())
                .build();
        return publish(workQueue(task.kind()), props, body);
    }

    /** Publishes to a queue (declared on first use), completing on the broker's confirm. Never throws. */
    CompletableFuture<Void> publish(QueueSpec queue, AMQP.BasicProperties props, byte[] body) {
        try {
            // Bounded: a publish blocked in a socket write (broker flow control) must not hold every caller forever.
            if (!lock.tryLock(CONFIRM_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                return CompletableFuture.failedFuture(
                        new TransportUnavailableException("RabbitMQ publishing is stalled"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(new TransportUnavailableException("interrupted", e));
        }
        try {
            Lane l = usableLane();
            try {
                l.declare(queue);
                return l.publish(queue.name(), props, body);
            } catch (IOException | RuntimeException e) {
                // Whatever went wrong, this channel's state is suspect: the next publish starts a fresh one.
                l.abandon(new TransportUnavailableException("RabbitMQ channel failed: " + e, e));
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(classify(e));
        } finally {
            lock.unlock();
        }
    }

    /**
     * A channel error caused by our own declaration or publish (the broker refused it) will not go away by waiting,
     * so it counts as a failed attempt and ends in dead_tasks where someone looks; anything else means the broker
     * could not be reached.
     */
    private static RuntimeException classify(Exception e) {
        if (e instanceof TransportUnavailableException u) {
            return u;
        }
        ShutdownSignalException s = e instanceof ShutdownSignalException direct ? direct
                : e.getCause() instanceof ShutdownSignalException wrapped ? wrapped : null;
        if (s != null && !s.isHardError() && !s.isInitiatedByApplication()) {
            return new IllegalStateException("RabbitMQ refused: " + s.getMessage(), e);
        }
        return new TransportUnavailableException("RabbitMQ unavailable: " + e, e);
    }

    private Lane usableLane() throws IOException {
        if (closed) {
            throw new TransportUnavailableException("RabbitMQ transport closed");
        }
        if (lane != null && lane.usable()) {
            return lane;
        }
        if (lane != null) {
            lane.abandon(new TransportUnavailableException("RabbitMQ channel closed"));
            lane = null;
        }
        Connection c = connector.connection();
        if (c == null) {
            throw new TransportUnavailableException("not connected to RabbitMQ yet");
        }
        if (!c.isOpen()) {
            throw new TransportUnavailableException("RabbitMQ connection lost; reconnecting");
        }
        Channel ch = c.createChannel();
        if (ch == null) {
            throw new TransportUnavailableException("RabbitMQ has no free channel");
        }
        try {
            lane = new Lane(ch);
        } catch (IOException | RuntimeException e) {
            abortQuietly(ch);
            throw e;
        }
        return lane;
    }

    private void expireConfirms() {
        Lane l = lane;
        if (l != null) {
            l.expire(System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(CONFIRM_TIMEOUT_MILLIS));
        }
    }

    QueueSpec workQueue(String kind) {
        return new QueueSpec(options.queuePrefix() + "." + kind, Map.of());
    }

    QueueSpec deadQueue() {
        return new QueueSpec(options.queuePrefix() + ".dead", Map.of());
    }

    /**
     * A per-kind, per-delay holding queue: every message in it has the same TTL (so the head always expires first,
     * which per-message TTLs in one queue would not guarantee), and an expired message dead-letters back to the work
     * queue through the default exchange. The delay is in the name, so changing the backoff never conflicts with the
     * arguments of a queue already declared.
     */
    QueueSpec retryQueue(String kind, long delayMillis) {
        String work = workQueue(kind).name();
        return new QueueSpec(work + ".retry." + delayMillis, Map.of(
                "x-message-ttl", delayMillis,
                "x-dead-letter-exchange", "",
                "x-dead-letter-routing-key", work));
    }

    Options options() {
        return options;
    }

    RabbitConnector connector(String name, RabbitConnector.Setup setup) {
        return new RabbitConnector(factory, name, setup);
    }

    /** Waits for the first connection; for tests and startup logs (delivery works without it, failing until then). */
    boolean awaitConnected(long timeoutMillis) throws InterruptedException {
        return connector.awaitConnected(timeoutMillis);
    }

    /** Message ids (task ids) published and not yet confirmed; for tests. */
    Set<Long> unconfirmedTaskIds() {
        Lane l = lane;
        if (l == null) {
            return Set.of();
        }
        return l.outstanding.values().stream().map(p -> p.messageId).filter(id -> id != null && id.matches("-?\\d+"))
                .map(Long::parseLong).collect(Collectors.toSet());
    }

    @Override
    public void close() {
        closed = true;
        for (RabbitTaskConsumer c : consumers) {
            c.close();
        }
        sweeper.shutdownNow();
        lock.lock();
        try {
            if (lane != null) {
                lane.abandon(new TransportUnavailableException("RabbitMQ transport closed"));
                lane = null;
            }
        } finally {
            lock.unlock();
        }
        connector.close();
    }

    static void abortQuietly(Channel ch) {
        try {
            ch.abort();
        } catch (IOException | RuntimeException ignored) {
            // already closed
        }
    }

    /** A publish waiting for its confirm. {@code returned}: the broker could not route it (its queue is gone). */
    private static final class Pending {
        final CompletableFuture<Void> future = new CompletableFuture<>();
        final String messageId;
        final String queue;
        final long publishedNanos = System.nanoTime();
        volatile boolean returned;

        Pending(String messageId, String queue) {
            this.messageId = messageId;
            this.queue = queue;
        }
    }

    /**
     * One confirm-mode channel and its outstanding publishes. A lane is never reused after its channel shut down, even
     * if automatic recovery reopens the channel: a recovered channel numbers its publishes from 1 again, and confirms
     * for the new numbers must never settle the old lane's futures.
     */
    private static final class Lane implements ConfirmListener, ReturnListener, ShutdownListener {
        final Channel channel;
        final ConcurrentSkipListMap<Long, Pending> outstanding = new ConcurrentSkipListMap<>();
        final Set<String> declared = ConcurrentHashMap.newKeySet();
        volatile boolean closed;

        Lane(Channel channel) throws IOException {
            this.channel = channel;
            channel.addShutdownListener(this);
            channel.addConfirmListener(this);
            channel.addReturnListener(this);
            channel.confirmSelect();
        }

        boolean usable() {
            return !closed && channel.isOpen();
        }

        void declare(QueueSpec queue) throws IOException {
            if (!declared.contains(queue.name())) {
                channel.queueDeclare(queue.name(), true, false, false, queue.arguments());
                declared.add(queue.name());
            }
        }

        CompletableFuture<Void> publish(String queue, AMQP.BasicProperties props, byte[] body) throws IOException {
            long seq = channel.getNextPublishSeqNo();
            Pending p = new Pending(props.getMessageId(), queue);
            outstanding.put(seq, p);
            try {
                // Mandatory: if the queue was deleted behind our back the broker returns the message instead of
                // confirming a publish that went nowhere.
                channel.basicPublish("", queue, true, props, body);
            } catch (IOException | RuntimeException e) {
                outstanding.remove(seq, p);
                throw e;
            }
            if (closed) {
                // The channel shut down while we published; its listener may have run before our entry existed.
                failAll(new TransportUnavailableException("RabbitMQ channel closed before the confirm"));
            }
            return p.future;
        }

        @Override
        public void handleAck(long seq, boolean multiple) {
            settle(seq, multiple, null);
        }

        @Override
        public void handleNack(long seq, boolean multiple) {
            settle(seq, multiple, new TransportUnavailableException("RabbitMQ nacked the publish"));
        }

        private void settle(long seq, boolean multiple, RuntimeException error) {
            if (!multiple) {
                Pending p = outstanding.remove(seq);
                if (p != null) {
                    complete(p, error);
                }
                return;
            }
            for (Map.Entry<Long, Pending> e = outstanding.firstEntry(); e != null && e.getKey() <= seq;
                    e = outstanding.firstEntry()) {
                if (outstanding.remove(e.getKey(), e.getValue())) {
                    complete(e.getValue(), error);
                }
            }
        }

        private static void complete(Pending p, RuntimeException error) {
            if (error != null) {
                p.future.completeExceptionally(error);
            } else if (p.returned) {
                p.future.completeExceptionally(
                        new TransportUnavailableException("RabbitMQ could not route to " + p.queue));
            } else {
                p.future.complete(null);
            }
        }

        @Override
        public void handleReturn(int code, String text, String exchange, String routingKey,
                AMQP.BasicProperties props, byte[] body) {
            // The broker sends the return before the confirm of the same publish, on the same thread.
            declared.remove(routingKey);
            for (Pending p : outstanding.values()) {
                if (!p.returned && p.queue.equals(routingKey) && Objects.equals(p.messageId, props.getMessageId())) {
                    p.returned = true;
                    return;
                }
            }
        }

        @Override
        public void shutdownCompleted(ShutdownSignalException cause) {
            closed = true;
            failAll(new TransportUnavailableException("RabbitMQ channel closed: " + cause.getMessage(), cause));
        }

        void expire(long publishedBeforeNanos) {
            for (Map.Entry<Long, Pending> e = outstanding.firstEntry();
                    e != null && e.getValue().publishedNanos - publishedBeforeNanos < 0; e = outstanding.firstEntry()) {
                if (outstanding.remove(e.getKey(), e.getValue())) {
                    e.getValue().future.completeExceptionally(new TransportUnavailableException(
                            "no RabbitMQ confirm within " + CONFIRM_TIMEOUT_MILLIS + " ms"));
                }
            }
        }

        void failAll(RuntimeException error) {
            Map.Entry<Long, Pending> e;
            while ((e = outstanding.pollFirstEntry()) != null) {
                e.getValue().future.completeExceptionally(error);
            }
        }

        /** Fails what is outstanding and closes the channel; aborting also keeps recovery from reopening it. */
        void abandon(RuntimeException error) {
            closed = true;
            failAll(error);
            abortQuietly(channel);
        }
    }
}
