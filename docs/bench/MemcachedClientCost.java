import dev.scalegram.cache.MemcachedLeaseCache;
import dev.scalegram.cache.MemcachedPool;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM's CPU for the server's own memcached client (MemcachedPool over two servers, the lease protocol): one lease
 * get, and one 20-key multi-get spread over both servers, each repeated on one virtual thread. Compare with
 * MemcachedRoundTrip.java, a bare round trip. Run with two memcached listening and the jar built:
 *   java -cp "target/scalegram.jar:target/lib/*" docs/bench/MemcachedClientCost.java HOST:PORT HOST:PORT [N]
 */
public class MemcachedClientCost {

    public static void main(String[] args) throws Exception {
        List<InetSocketAddress> servers = List.of(address(args[0]), address(args[1]));
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        var client = new MemcachedLeaseCache.Options(8, Duration.ofSeconds(1), Duration.ofSeconds(1));
        var options = new MemcachedPool.Options(Duration.ofSeconds(1), 3, Duration.ofSeconds(10), client);
        Duration lease = Duration.ofSeconds(5);
        try (MemcachedPool pool = new MemcachedPool(servers, List.of(), options, new SimpleMeterRegistry())) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String key = "scalegram-cost:c:" + i;
                keys.add(key);
                var lookup = pool.get(key, lease);
                if (lookup.won()) {
                    pool.set(key, "12".getBytes(), lookup.token(), Duration.ofMinutes(5));
                }
            }
            Thread t = Thread.ofVirtual().start(() -> {
                for (int pass = 0; pass < 2; pass++) { // the first pass warms the JIT up
                    long c0 = cpuNanos();
                    for (int i = 0; i < n; i++) {
                        pool.get(keys.get(i % keys.size()), lease);
                    }
                    long c1 = cpuNanos();
                    for (int i = 0; i < n; i++) {
                        pool.getMany(keys, lease);
                    }
                    long c2 = cpuNanos();
                    if (pass == 1) {
                        System.out.printf("lease get: %5.1f us of JVM CPU; 20-key multi-get over 2 servers: %5.1f us"
                                + " (%d each)%n", (c1 - c0) / 1e3 / n, (c2 - c1) / 1e3 / n, n);
                    }
                }
            });
            t.join();
        }
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
