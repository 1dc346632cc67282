package dev.scalegram.testing;

import dev.scalegram.server.cluster.CassandraNode;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One real Cassandra 5 node for the whole test JVM, started on first use through {@link CassandraNode} (JDK 17, the
 * cassandra-all jars that {@code ./scalegram test} copies into {@code target/cassandra/lib}), with its data under the
 * build directory. It listens on fixed ports, so a node left running by an interrupted earlier run is reused instead
 * of started again; a node this JVM started is stopped when the JVM exits. Without the jars the tests fail with a
 * message saying how to get them: a missing engine never passes as a skipped suite.
 */
public final class TestCassandra {

    public static final String DC = "dc1";
    public static final int NATIVE_PORT = 19042;
    public static final int STORAGE_PORT = 19070;
    public static final int JMX_PORT = 19199;

    private static CassandraNode node;

    private TestCassandra() {}

    /** The node's CQL address, starting the node if this JVM has not yet. */
    public static synchronized InetSocketAddress address() {
        if (node == null) {
            Path repo = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
            Path lib = repo.resolve("target/cassandra/lib");
            Path build = Path.of(System.getProperty("scalegram.test.dir", "target")).toAbsolutePath();
            CassandraNode.Options options = CassandraNode.Options.of(lib, build.resolve("test-cassandra"))
                    .withPorts(NATIVE_PORT, STORAGE_PORT, JMX_PORT).withDc(DC);
            try {
                node = CassandraNode.start(options, System.out::println);
            } catch (IllegalStateException e) {
                throw new AssertionError("Cassandra for the tests did not start: " + e.getMessage()
                        + "\n(./scalegram test provisions the jars and a JDK 17 is needed under /usr/lib/jvm)", e);
            }
            if (!node.reused()) {
                // Within surefire's 30 s wait for the JVM to exit (a clean stop takes about 5 s), else a killed JVM
                // leaves the node running, and the next run reuses it.
                CassandraNode started = node;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> started.stop(Duration.ofSeconds(20))));
            }
        }
        return node.nativeAddress();
    }

    /** The node this JVM uses (started or reused); starts it if needed. */
    public static synchronized CassandraNode node() {
        address();
        return node;
    }
}
