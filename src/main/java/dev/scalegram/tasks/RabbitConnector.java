package dev.scalegram.tasks;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One RabbitMQ connection, made in the background. amqp-client's automatic recovery repairs a connection once it
 * existed, but not a first connect that failed; this class retries that first connect (with a capped backoff) so its
 * owner can be built while the broker is down. {@code setup} runs once on the first connection (queues, consumers);
 * recovery replays what it declared.
 */
final class RabbitConnector implements AutoCloseable {

    /** What to do with a fresh connection before it is handed out; a throw closes it and the connect is retried. */
    @FunctionalInterface
    interface Setup {
        void run(Connection c) throws Exception;
    }

    private static final Logger LOG = Logger.getLogger(RabbitConnector.class.getName());
    private static final long MAX_RETRY_MILLIS = 5_000;

    private final ConnectionFactory factory;
    private final String name;
    private final Setup setup;
    private final CountDownLatch connected = new CountDownLatch(1);
    private final Thread thread;
    private volatile Connection connection;
    private volatile boolean closed;

    RabbitConnector(ConnectionFactory factory, String name, Setup setup) {
        this.factory = factory;
        this.name = name;
        this.setup = setup;
        this.thread = Thread.ofVirtual().name(name + "-connect").start(this::connectLoop);
    }

    private void connectLoop() {
        long wait = 250;
        while (!closed) {
            Connection c = null;
            try {
                c = factory.newConnection(name);
                setup.run(c);
                synchronized (this) {
                    if (closed) {
                        closeQuietly(c);
                        return;
                    }
                    connection = c;
                }
                connected.countDown();
                return;
            } catch (Exception e) {
                closeQuietly(c);
                if (closed) {
                    return;
                }
                // Once loudly, then quietly: an outage at startup should not flood the log.
                LOG.log(wait == 250 ? Level.WARNING : Level.FINE, name + ": cannot reach RabbitMQ yet, retrying: " + e);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ie) {
                    return;
                }
                wait = Math.min(MAX_RETRY_MILLIS, wait * 2);
            }
        }
    }

    /** The connection, or null before the first connect succeeded. It may be recovering (then not open). */
    Connection connection() {
        return connection;
    }

    boolean awaitConnected(long timeoutMillis) throws InterruptedException {
        return connected.await(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        Connection c;
        synchronized (this) {
            closed = true;
            c = connection;
        }
        thread.interrupt();
        closeQuietly(c);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close(2_000);
            } catch (Exception ignored) {
                // closing anyway; a broken connection has nothing left to flush
            }
        }
    }
}
