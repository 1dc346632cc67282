package dev.scalegram.tasks;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The real RabbitMQ the tests run against (127.0.0.1:5672, guest/guest; `./scalegram test` provisions it): unique
 * queue prefixes per test, a side connection to inspect queues, and rabbitmqctl to stop and start the broker.
 */
final class RabbitBroker {

    static final String URI = RabbitTransport.Options.DEFAULT_URI;

    private RabbitBroker() {}

    static String uniquePrefix() {
        return "scalegram.test." + Long.toHexString(System.currentTimeMillis()) + "."
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
    }

    /** A plain connection (no recovery) for looking at queues from outside the transport. */
    static Connection connect() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(URI);
        f.setAutomaticRecoveryEnabled(false);
        return f.newConnection("scalegram-test-inspector");
    }

    /** Messages ready in a queue, or -1 if it does not exist. */
    static long ready(String queue) throws Exception {
        try (Connection c = connect()) {
            Channel ch = c.createChannel();
            try {
                return ch.queueDeclarePassive(queue).getMessageCount();
            } catch (IOException notFound) {
                return -1;
            }
        }
    }

    /** Deletes every queue whose name starts with the prefix (work, holding, and dead-letter queues alike). */
    static void deleteQueues(String prefix) throws Exception {
        List<String> names = new ArrayList<>();
        for (String line : ctl("list_queues", "-q", "--no-table-headers", "name").split("\n")) {
            String name = line.strip();
            if (name.startsWith(prefix + ".")) {
                names.add(name);
            }
        }
        if (names.isEmpty()) {
            return;
        }
        try (Connection c = connect()) {
            Channel ch = c.createChannel();
            for (String name : names) {
                ch.queueDelete(name);
            }
        }
    }

    /** Stops the RabbitMQ application (the Erlang node stays up, so start_app can bring it back). */
    static void stopApp() throws Exception {
        ctl("stop_app");
    }

    /** Starts the application and waits until the broker accepts AMQP connections again. */
    static void startApp() throws Exception {
        ctl("start_app");
        ctl("await_startup");
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", 5672), 1_000);
                connect().close();
                return;
            } catch (IOException | java.util.concurrent.TimeoutException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("RabbitMQ did not come back", e);
                }
                Thread.sleep(200);
            }
        }
    }

    /** Runs rabbitmqctl; fails the test if it fails. Returns its standard output. */
    static String ctl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("rabbitmqctl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("rabbitmqctl " + String.join(" ", args) + " hung");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("rabbitmqctl " + String.join(" ", args) + " failed (" + p.exitValue()
                    + "): " + text);
        }
        return text;
    }
}
