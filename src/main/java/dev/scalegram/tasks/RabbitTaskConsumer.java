package dev.scalegram.tasks;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.scalegram.json.Json;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs tasks from RabbitMQ's work queues, one virtual thread per delivery, with manual acks and a bounded prefetch.
 * A handler that succeeds gets its delivery acked. One that fails has the message republished, with {@code x-attempts}
 * incremented, to a holding queue whose TTL dead-letters it back to the work queue after the backoff; after the last
 * allowed attempt it goes to {@code <prefix>.dead} with the error in {@code x-error}. The original is acked only once
 * the broker confirmed the copy, so a crash in between duplicates a task and never loses it.
 *
 * <p>Why holding queues and not a sleep before republishing: a sleeping delivery would hold a prefetch slot (many
 * failing tasks would stall the queue) and its retry would live only in this process's memory; a holding queue is
 * durable and costs the consumer nothing while it waits.
 */
public final class RabbitTaskConsumer implements AutoCloseable {

    static final String ATTEMPTS = "x-attempts";
    static final String ERROR = "x-error";

    private static final Logger LOG = Logger.getLogger(RabbitTaskConsumer.class.getName());
    private static final int RECENT_IDS = 8_192;
    private static final long REPUBLISH_WAIT_MILLIS = 30_000;
    private static final long MAX_RETRY_DELAY_MILLIS = 3_600_000;

    private final RabbitTransport transport;
    private final RabbitTransport.Options options;
    private final Map<String, TaskHandler> handlers;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<String> consumerTags = new CopyOnWriteArrayList<>();
    private final Map<Long, Boolean> recentlyDone = new LinkedHashMap<>(RECENT_IDS * 2) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > RECENT_IDS;
        }
    };
    private final RabbitConnector connector;
    private final java.util.concurrent.atomic.AtomicLong running = new java.util.concurrent.atomic.AtomicLong();
    private volatile Channel channel;

    RabbitTaskConsumer(RabbitTransport transport, Map<String, TaskHandler> handlers) {
        this.transport = transport;
        this.options = transport.options();
        this.handlers = handlers;
        this.connector = transport.connector("scalegram-tasks-consumer", this::subscribe);
    }

    /** Runs on the first connection; automatic recovery re-declares the queues and re-subscribes after that. */
    private void subscribe(Connection c) throws IOException {
        Channel ch = c.createChannel();
        // Set before consuming: deliveries (and their acks) can start as soon as basicConsume returns.
        channel = ch;
        consumerTags.clear();
        ch.basicQos(options.prefetch());
        declare(ch, transport.deadQueue());
        for (Map.Entry<String, TaskHandler> e : handlers.entrySet()) {
            RabbitTransport.QueueSpec queue = transport.workQueue(e.getKey());
            declare(ch, queue);
            TaskHandler handler = e.getValue();
            consumerTags.add(ch.basicConsume(queue.name(), false, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties props, byte[] body) {
                    running.incrementAndGet();
                    try {
                        executor.execute(() -> {
                            try {
                                run(handler, env.getDeliveryTag(), props, body);
                            } finally {
                                running.decrementAndGet();
                            }
                        });
                    } catch (RejectedExecutionException closing) {
                        running.decrementAndGet();
                        // Left unacked: the broker redelivers it when this consumer's connection closes.
                    }
                }

                @Override
                public void handleCancel(String tag) {
                    // The broker cancelled us (the queue was deleted); recovery will not resubscribe on its own.
                    LOG.warning(() -> "RabbitMQ cancelled the consumer of " + queue.name() + "; its tasks wait there");
                }
            }));
        }
    }

    /**
     * True when no handler is running and every work queue is empty (tasks waiting in a retry holding queue do not
     * count, as backed-off rows do not count for the relay). For tests and tools that wait for "everything done".
     */
    public boolean idle() {
        Channel ch = channel;
        if (running.get() != 0 || ch == null || !ch.isOpen()) {
            return running.get() == 0 && ch != null;
        }
        try {
            for (String kind : handlers.keySet()) {
                if (ch.messageCount(transport.workQueue(kind).name()) > 0) {
                    return false;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return running.get() == 0;
    }

    private static void declare(Channel ch, RabbitTransport.QueueSpec q) throws IOException {
        ch.queueDeclare(q.name(), true, false, false, q.arguments());
    }

    private void run(TaskHandler handler, long deliveryTag, AMQP.BasicProperties props, byte[] body) {
        int failedBefore = attempts(props);
        Task task;
        try {
            task = Json.read(body, Task.class);
        } catch (RuntimeException e) {
            // Unreadable now means unreadable forever: straight to the dead-letter queue.
            settle(deliveryTag, deadLetter(props, body, failedBefore, e));
            return;
        }
        if (recentlyDone(task.id())) {
            ack(deliveryTag);
            return;
        }
        int attempt = failedBefore + 1;
        try {
            handler.handle(new Task(task.id(), task.shard(), task.kind(), task.payload(), attempt, task.createdAt()));
        } catch (Exception | Error e) {
            // An Error from a handler (a stack overflow, a missing class) is that task's failure, not the consumer's.
            LOG.log(Level.FINE, e, () -> "task " + task.id() + " (" + task.kind() + ") failed attempt " + attempt);
            settle(deliveryTag, attempt >= options.maxAttempts()
                    ? deadLetter(props, body, attempt, e)
                    : transport.publish(transport.retryQueue(task.kind(), retryDelayMillis(attempt)),
                            withHeaders(props, attempt, null), body));
            return;
        }
        remember(task.id());
        ack(deliveryTag);
    }

    /** base, 2 × base, 4 × base, ... capped at an hour. */
    private long retryDelayMillis(int failedAttempts) {
        long base = Math.max(1, options.baseBackoff().toMillis());
        return Math.min(MAX_RETRY_DELAY_MILLIS, base << Math.min(30, failedAttempts - 1));
    }

    private CompletableFuture<Void> deadLetter(AMQP.BasicProperties props, byte[] body, int attempts, Throwable error) {
        LOG.warning(() -> "task " + props.getMessageId() + " (" + props.getType() + ") dead-lettered after " + attempts
                + " attempts: " + error);
        return transport.publish(transport.deadQueue(), withHeaders(props, attempts, error), body);
    }

    private static AMQP.BasicProperties withHeaders(AMQP.BasicProperties props, int attempts, Throwable error) {
        Map<String, Object> headers = props.getHeaders() == null ? new HashMap<>() : new HashMap<>(props.getHeaders());
        // The broker's own dead-letter history from the holding queues says nothing x-attempts does not.
        headers.remove("x-death");
        headers.remove("x-first-death-exchange");
        headers.remove("x-first-death-queue");
        headers.remove("x-first-death-reason");
        headers.put(ATTEMPTS, attempts);
        if (error != null) {
            String text = String.valueOf(error);
            headers.put(ERROR, text.length() > 2_000 ? text.substring(0, 2_000) : text);
        }
        return props.builder().headers(headers).deliveryMode(2).build();
    }

    static int attempts(AMQP.BasicProperties props) {
        Object v = props.getHeaders() == null ? null : props.getHeaders().get(ATTEMPTS);
        return v instanceof Number n ? n.intValue() : 0;
    }

    /** Acks once the republished copy is confirmed; if it cannot be, hands the original back to the broker. */
    private void settle(long deliveryTag, CompletableFuture<Void> republished) {
        try {
            republished.get(REPUBLISH_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            ack(deliveryTag);
        } catch (Exception e) {
            LOG.warning(() -> "could not republish a failed task, returning it to its queue: " + e);
            try {
                // A pause first, or a broker that takes deliveries but refuses publishes would make this spin.
                Thread.sleep(Math.max(100, options.baseBackoff().toMillis()));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            Channel ch = channel;
            try {
                ch.basicNack(deliveryTag, false, true);
            } catch (IOException | RuntimeException ignored) {
                // The channel is gone; the broker redelivers the message anyway.
            }
        }
    }

    private void ack(long deliveryTag) {
        try {
            // Safe from many threads: a single-frame method goes out under the channel's own lock.
            channel.basicAck(deliveryTag, false);
        } catch (IOException | RuntimeException e) {
            // The channel died under us: the broker redelivers, and the handler (idempotent) runs again.
            LOG.fine(() -> "ack failed, the task will be redelivered: " + e);
        }
    }

    private boolean recentlyDone(long id) {
        synchronized (recentlyDone) {
            return recentlyDone.containsKey(id);
        }
    }

    private void remember(long id) {
        synchronized (recentlyDone) {
            recentlyDone.put(id, Boolean.TRUE);
        }
    }

    /** Stops taking deliveries, lets running handlers finish (up to 10 s), then closes the connection. */
    @Override
    public void close() {
        Channel ch = channel;
        if (ch != null) {
            for (String tag : consumerTags) {
                try {
                    ch.basicCancel(tag);
                } catch (IOException | RuntimeException ignored) {
                    // not consuming anyway
                }
            }
        }
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connector.close();
    }
}
