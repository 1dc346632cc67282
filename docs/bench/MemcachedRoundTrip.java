import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The JVM's CPU for one memcached round trip over loopback (one meta get of a 5-byte value, one client, one request
 * at a time), on a platform thread and on a virtual thread, twice each: the floor under every cache read the server
 * makes on a cluster (docs/benchmarks.md, timeline). Run with a memcached listening:
 *   java docs/bench/MemcachedRoundTrip.java [HOST:PORT] [ROUND_TRIPS]     (defaults: 127.0.0.1:11211, 20000)
 */
public class MemcachedRoundTrip {

    public static void main(String[] args) throws Exception {
        String[] hostPort = (args.length > 0 ? args[0] : "127.0.0.1:11211").split(":");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        for (int round = 0; round < 2; round++) {
            for (boolean virtual : new boolean[] {false, true}) {
                Thread t = (virtual ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                    try {
                        measure(virtual ? "virtual thread " : "platform thread", hostPort[0],
                                Integer.parseInt(hostPort[1]), n);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                t.join();
            }
        }
    }

    private static void measure(String label, String host, int port, int n) throws IOException {
        try (Socket s = new Socket(host, port)) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            out.write("ms scalegram-rt 5\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII));
            line(in);
            byte[] get = "mg scalegram-rt v\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int pass = 0; pass < 2; pass++) { // the first pass warms the JIT up
                long cpu0 = cpuNanos();
                long wall0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    out.write(get);
                    line(in); // VA 5
                    line(in); // hello
                }
                if (pass == 1) {
                    System.out.printf("%s: %5.1f us of JVM CPU, %5.1f us wall per round trip (%d)%n", label,
                            (cpuNanos() - cpu0) / 1e3 / n, (System.nanoTime() - wall0) / 1e3 / n, n);
                }
            }
        }
    }

    private static void line(InputStream in) throws IOException {
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("memcached closed the connection");
            }
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
