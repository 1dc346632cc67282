package dev.scalegram.server.cluster;

import dev.scalegram.config.Topology;
import dev.scalegram.config.TopologyFile;
import dev.scalegram.server.cluster.ClusterState.Kind;
import dev.scalegram.server.cluster.ClusterState.Part;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything a topology names, run on this machine: PostgreSQL servers, memcached servers and gutters, a Cassandra node
 * per region, RabbitMQ (reused when one answers), then the local region's app servers. {@link #up} returns once every
 * part is healthy and leaves them running; {@link ClusterState} under the data dir records each part so that
 * {@link #status} and {@link #down} (separate processes, later) act on exactly what {@code up} started.
 */
public final class Cluster {

    /** The default topology, written to {@code <data-dir>/topology.yaml} when {@code up} is given none. */
    public static final String DEFAULT_TOPOLOGY = "/cluster/default-topology.yaml";

    private static final Pattern JDBC = Pattern.compile("jdbc:postgresql://([^/:?]+)(?::(\\d+))?/([^?]*).*");

    /**
     * @param dataDir everything of the cluster: state, logs, PostgreSQL and Cassandra data, app media
     * @param topology the topology file; null for the default one
     * @param cassandraLib the cassandra-all jars (fetched there when missing)
     * @param cassandraHeapMb each Cassandra node's heap
     * @param appHeapMb each app server's heap
     * @param startTimeout how long an app server may take to become ready
     */
    public record Options(Path dataDir, Path topology, Path cassandraLib, int cassandraHeapMb, int appHeapMb,
                          Duration startTimeout) {

        public Options {
            dataDir = dataDir.toAbsolutePath().normalize();
            topology = topology == null ? null : topology.toAbsolutePath().normalize();
            cassandraLib = cassandraLib.toAbsolutePath().normalize();
        }

        /** For the command line: jars in target/cassandra/lib, Cassandra's default heap, 1 GB per app server. */
        public static Options of(Path dataDir, Path topology) {
            return new Options(dataDir, topology, Path.of("target/cassandra/lib"), CassandraNode.DEFAULT_HEAP_MB, 1024,
                    Duration.ofMinutes(3));
        }

        public Options withHeaps(int cassandraMb, int appMb) {
            return new Options(dataDir, topology, cassandraLib, cassandraMb, appMb, startTimeout);
        }

        public Options withCassandraLib(Path lib) {
            return new Options(dataDir, topology, lib, cassandraHeapMb, appHeapMb, startTimeout);
        }
    }

    /** One part as {@link #status} sees it now. */
    public record PartStatus(Part part, boolean alive, boolean answers) {
        public String state() {
            if (!part.startedByUs()) {
                return answers ? "not ours (answers)" : "not ours (no answer)";
            }
            if (alive && answers) {
                return "up";
            }
            return alive ? "running, port closed" : "down";
        }

        public boolean up() {
            return answers && (alive || !part.startedByUs());
        }
    }

    /** A part the topology asks for, and how to start it. */
    private record Step(Kind kind, String name, String host, int port, Supplier<List<Part>> start) {
        String address() {
            return host + ":" + port;
        }
    }

    private Cluster() {}

    /**
     * Starts every part the topology names that is not already running, one after the other, printing a line per
     * part. Parts already up (recorded and alive) are left as they are, so {@code up} can be repeated.
     *
     * @return the recorded state, every part healthy
     * @throws ClusterException naming the part that failed, with the tail of its log; what started stays recorded
     */
    public static ClusterState up(Options o, Consumer<String> out) {
        Processes.createDirectories(o.dataDir());
        try (Lock _ = lock(o.dataDir())) {
            Path topologyFile = o.topology() != null ? o.topology() : writeDefaultTopology(o.dataDir());
            Topology t = TopologyFile.load(topologyFile);
            ClusterState loaded = ClusterState.load(o.dataDir());
            if (!loaded.parts().isEmpty() && loaded.topology() != null
                    && !loaded.topology().equals(topologyFile.toString())) {
                throw new ClusterException("a cluster of " + loaded.topology() + " is recorded in " + o.dataDir()
                        + ": run `cluster down` first, or use another --data-dir");
            }
            ClusterState state = loaded.withTopology(topologyFile.toString());
            Engines engines = new Engines(o, out, p -> {
                state.put(p);
                state.save(o.dataDir());
            });
            out.accept("cluster: " + topologyFile + " (data in " + o.dataDir() + ")");
            List<Step> steps = plan(t, topologyFile, engines, out);
            long t0 = System.nanoTime();
            for (Step s : steps) {
                String head = String.format(Locale.ROOT, "%-9s %-9s %-21s ... ", s.kind().label(), s.name(),
                        s.address());
                Optional<Part> recorded = state.find(s.kind(), s.name());
                if (recorded.isPresent()) {
                    Part p = recorded.get();
                    PartStatus now = check(p);
                    if (now.up()) {
                        out.accept(head + (p.startedByUs() ? "already up (pid " + p.pid() + ")" : "reused (not ours)"));
                        continue;
                    }
                    if (now.alive()) {
                        // Starting a second one would only fail on the port, and orphan this one.
                        out.accept(head + "FAILED");
                        throw new ClusterException(p.kind().label() + " " + p.name() + " (pid " + p.pid()
                                + ") is running but does not answer on " + p.address() + "; run `cluster down` first\n"
                                + Processes.tail(p.log() == null ? null : Path.of(p.log()), 20));
                    }
                    state.remove(p); // gone since it was recorded (a reboot, a kill): start it again
                    state.save(o.dataDir());
                }
                long s0 = System.nanoTime();
                List<Part> started;
                try {
                    started = s.start().get();
                } catch (RuntimeException e) {
                    out.accept(head + "FAILED");
                    throw e instanceof ClusterException ce ? ce
                            : new ClusterException(s.kind().label() + " " + s.name() + ": " + e, e);
                }
                Part p = started.getFirst();
                out.accept(head + (p.startedByUs()
                        ? String.format(Locale.ROOT, "started (pid %d) in %.1f s", p.pid(), secondsSince(s0))
                        : "reused (not ours: down leaves it running)"));
                for (Part extra : started.subList(1, started.size())) {
                    out.accept(String.format(Locale.ROOT, "%-9s %-9s %-21s ... started with it (pid %d)",
                            extra.kind().label(), extra.name(), extra.address(), extra.pid()));
                }
            }
            out.accept(String.format(Locale.ROOT, "cluster: up in %.1f s; app servers: %s", secondsSince(t0),
                    String.join(", ", state.parts().stream().filter(p -> p.kind() == Kind.APP)
                            .map(p -> "http://" + p.address()).toList())));
            return state;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every recorded part, checked now: is its process alive, does its port answer. */
    public static List<PartStatus> status(Path dataDir) {
        return ClusterState.load(dataDir.toAbsolutePath().normalize()).parts().stream().map(Cluster::check).toList();
    }

    /**
     * Stops what {@code up} started, in reverse order, waiting for each process to exit (SIGKILL after a timeout), and
     * forgets each part once it is stopped. Parts that were already running when {@code up} came (a reused broker) are
     * only forgotten. Safe to repeat.
     */
    public static void down(Path dataDir, Consumer<String> out) {
        Path dir = dataDir.toAbsolutePath().normalize();
        if (!Files.exists(dir.resolve(ClusterState.FILE))) {
            out.accept("cluster: nothing recorded in " + dir + "; nothing to stop");
            return;
        }
        try (Lock _ = lock(dir)) {
            ClusterState state = ClusterState.load(dir);
            long t0 = System.nanoTime();
            List<Part> reversed = new ArrayList<>(state.parts()).reversed();
            List<String> failed = new ArrayList<>();
            for (Part p : reversed) {
                String head = String.format(Locale.ROOT, "%-9s %-9s %-21s ... ", p.kind().label(), p.name(),
                        p.address());
                if (!p.startedByUs()) {
                    out.accept(head + "left running (not started by cluster up)");
                    state.remove(p);
                    state.save(dir);
                    continue;
                }
                Optional<ProcessHandle> h = Processes.live(p.pid(), p.marker());
                if (h.isEmpty()) {
                    out.accept(head + "already stopped");
                    state.remove(p);
                    state.save(dir);
                    continue;
                }
                long s0 = System.nanoTime();
                String how = "stopped";
                try {
                    switch (p.kind()) {
                        case APP -> Engines.stopApp(h.get());
                        case RABBITMQ -> Engines.stopRabbit(p, h.get());
                        case CASSANDRA -> Engines.stopCassandra(h.get());
                        case MEMCACHED -> Processes.stop(h.get(), "TERM", Duration.ofSeconds(10));
                        case POSTGRES -> Engines.stopPostgres(h.get());
                        case EPMD -> how = Engines.stopEpmd(h.get()) ? "stopped" : "left running (other nodes use it)";
                    }
                } catch (RuntimeException e) {
                    // Go on with the others; this one stays recorded for the next `down`.
                    out.accept(head + "FAILED: " + e.getMessage());
                    failed.add(p.kind().label() + " " + p.name() + " (pid " + p.pid() + ")");
                    continue;
                }
                out.accept(head + String.format(Locale.ROOT, "%s (pid %d) in %.1f s", how, p.pid(), secondsSince(s0)));
                state.remove(p);
                state.save(dir);
            }
            if (!failed.isEmpty()) {
                throw new ClusterException("could not stop " + String.join(", ", failed) + "; they stay recorded in "
                        + dir.resolve(ClusterState.FILE));
            }
            out.accept(String.format(Locale.ROOT, "cluster: down in %.1f s (data kept in %s)", secondsSince(t0), dir));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static PartStatus check(Part p) {
        boolean alive = Processes.live(p.pid(), p.marker()).isPresent();
        return new PartStatus(p, alive, Processes.answers(p.host(), p.port()));
    }

    /**
     * The parts of a topology in start order: PostgreSQL, memcached, Cassandra, RabbitMQ, app servers. Only local
     * addresses are started here; anything on another host is assumed to be run by someone else.
     */
    private static List<Step> plan(Topology t, Path topologyFile, Engines engines, Consumer<String> out) {
        Topology.RegionConfig local = t.localRegion().orElseThrow(() -> new ClusterException(topologyFile
                + ": no regions." + t.region() + " section: cluster up needs the local region's app_ports"));
        if (local.appPorts().isEmpty()) {
            throw new ClusterException(topologyFile + ": regions." + t.region() + ".app_ports is empty: cluster up"
                    + " starts one app server per port");
        }
        List<Step> steps = new ArrayList<>();
        int maxPool = 0;
        for (Topology.PgServer s : t.postgres().servers()) {
            maxPool = Math.max(maxPool, s.poolSize());
        }
        // Each app server holds up to pool_size connections per server, plus the relay's listener and a shard move's.
        int maxConnections = Math.max(200, local.appPorts().size() * (maxPool + 10) + 50);
        for (Topology.PgServer s : t.postgres().servers()) {
            if (s.embedded()) {
                throw new ClusterException(topologyFile + ": postgres server " + s.name() + " is embedded: cluster up"
                        + " runs standalone servers, so give it a url (jdbc:postgresql://127.0.0.1:PORT/DB)");
            }
            Matcher m = JDBC.matcher(s.url());
            if (!m.matches()) {
                throw new ClusterException(topologyFile + ": cannot read host, port and database from " + s.url());
            }
            String host = m.group(1);
            int port = m.group(2) == null ? 5432 : Integer.parseInt(m.group(2));
            String db = m.group(3).isEmpty() ? "postgres" : m.group(3);
            if (external(host, "postgres " + s.name(), out)) {
                continue;
            }
            int max = maxConnections;
            steps.add(new Step(Kind.POSTGRES, s.name(), host, port, () -> List.of(engines.startPostgres(s.name(),
                    host, port, db, s.user(), s.password(), max))));
        }
        boolean several = t.regions().size() > 1;
        Set<String> memcached = new LinkedHashSet<>();
        for (Topology.RegionConfig r : t.regions()) {
            if (r.memcached() == null) {
                continue;
            }
            String prefix = several ? r.name() + "-" : "";
            addMemcached(steps, memcached, r.memcached().servers(), prefix + "cache", engines, out);
            addMemcached(steps, memcached, r.memcached().gutter(), prefix + "gutter", engines, out);
        }
        String seeds = null;
        int index = 0;
        for (Topology.RegionConfig r : t.regions()) {
            if (r.cassandra() == null) {
                continue;
            }
            Topology.HostPort cp = r.cassandra().contactPoints().getFirst();
            if (external(cp.host(), "cassandra " + r.name(), out)) {
                continue;
            }
            // Nodes of further regions join the first one's ring (gossip on the CQL port + 1).
            String seed = seeds != null ? seeds : cp.host() + ":" + (cp.port() + 1);
            seeds = seed;
            int i = index++;
            steps.add(new Step(Kind.CASSANDRA, r.name(), cp.host(), cp.port(), () -> List.of(engines.startCassandra(
                    r.name(), cp.host(), cp.port(), r.cassandra().localDc(), seed, i))));
        }
        Set<String> brokers = new LinkedHashSet<>();
        for (Topology.RegionConfig r : t.regions()) {
            if (r.rabbitmqUri() == null) {
                continue;
            }
            URI uri = URI.create(r.rabbitmqUri());
            String host = uri.getHost();
            int port = uri.getPort() > 0 ? uri.getPort() : uri.getScheme().equals("amqps") ? 5671 : 5672;
            if (!brokers.add(host + ":" + port) || external(host, "rabbitmq", out)) {
                continue;
            }
            String name = brokers.size() == 1 ? "rabbitmq" : "rabbitmq" + brokers.size();
            steps.add(new Step(Kind.RABBITMQ, name, host, port, () -> engines.startRabbit(name, host, port)));
        }
        for (int port : local.appPorts()) {
            steps.add(new Step(Kind.APP, "app-" + port, "127.0.0.1", port,
                    () -> List.of(engines.startApp(port, topologyFile))));
        }
        return steps;
    }

    private static void addMemcached(List<Step> steps, Set<String> seen, List<Topology.HostPort> addresses,
                                     String role, Engines engines, Consumer<String> out) {
        int n = 0;
        for (Topology.HostPort hp : addresses) {
            n++;
            if (!seen.add(hp.toString()) || external(hp.host(), "memcached " + hp, out)) {
                continue;
            }
            String name = role + n;
            steps.add(new Step(Kind.MEMCACHED, name, hp.host(), hp.port(),
                    () -> List.of(engines.startMemcached(name, hp.host(), hp.port()))));
        }
    }

    private static boolean external(String host, String what, Consumer<String> out) {
        boolean local = host.equals("localhost") || host.startsWith("127.");
        if (!local) {
            out.accept(what + " on " + host + " is not on this machine: not started here");
        }
        return !local;
    }

    private static Path writeDefaultTopology(Path dataDir) throws IOException {
        Path f = dataDir.resolve("topology.yaml");
        try (InputStream in = Cluster.class.getResourceAsStream(DEFAULT_TOPOLOGY)) {
            if (in == null) {
                throw new IllegalStateException("resource " + DEFAULT_TOPOLOGY + " is missing from the build");
            }
            // Rewritten on every up without --topology: the default is the default; edit a copy and pass it instead.
            Files.write(f, in.readAllBytes());
        }
        return f;
    }

    /** Held while up or down runs: one at a time per data dir. Closing the channel releases the lock. */
    private record Lock(FileChannel channel) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static Lock lock(Path dataDir) throws IOException {
        FileChannel ch = FileChannel.open(dataDir.resolve("cluster.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = ch.tryLock();
        if (lock == null) {
            ch.close();
            throw new ClusterException("another `cluster up` or `cluster down` is running on " + dataDir);
        }
        return new Lock(ch);
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
