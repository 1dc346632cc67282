package dev.scalegram.server;

import dev.scalegram.config.TopologyException;
import dev.scalegram.server.cluster.Cluster;
import dev.scalegram.server.cluster.ClusterException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scalegram cluster up|status|down}: everything a topology names, run on this machine (see {@link Cluster}).
 * {@code up} returns once all parts are healthy and leaves them running; {@code down} stops exactly what it started.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Run a whole topology on this machine: PostgreSQL, memcached, Cassandra, RabbitMQ, app servers.",
        subcommands = {ClusterCommand.Up.class, ClusterCommand.Status.class, ClusterCommand.Down.class})
public final class ClusterCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Start every part the topology names that is not running yet; return when all are healthy.")
    static final class Up implements Callable<Integer> {
        @Option(names = "--topology", paramLabel = "FILE",
                description = "the topology (default: docs/cluster.default.yaml's: 2 PostgreSQL, 2 memcached + a "
                        + "gutter, Cassandra, RabbitMQ, app servers on 8081 and 8082)")
        Path topology;

        @Option(names = "--data-dir", defaultValue = "./data/cluster", paramLabel = "DIR",
                description = "state, logs and data of the cluster (default: ${DEFAULT-VALUE})")
        Path dataDir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try {
                Cluster.up(Cluster.Options.of(dataDir, topology), line -> {
                    out.println(line);
                    out.flush();
                });
                return 0;
            } catch (ClusterException | TopologyException e) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("scalegram: cluster up failed: " + e.getMessage());
                err.println("scalegram: what did start is still running; `cluster status` shows it, `cluster down`"
                        + " stops it");
                err.flush();
                return 1;
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Each recorded part, where it listens, and whether it is up (process alive, port answers).")
    static final class Status implements Callable<Integer> {
        @Option(names = "--data-dir", defaultValue = "./data/cluster", paramLabel = "DIR",
                description = "the cluster's data dir (default: ${DEFAULT-VALUE})")
        Path dataDir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<Cluster.PartStatus> parts = Cluster.status(dataDir);
            if (parts.isEmpty()) {
                out.println("no cluster is recorded in " + dataDir.toAbsolutePath().normalize());
                out.flush();
                return 1;
            }
            out.printf("%-20s %-21s %-8s %s%n", "part", "address", "pid", "state");
            for (Cluster.PartStatus s : parts) {
                var p = s.part();
                out.printf("%-20s %-21s %-8s %s%n", p.kind().label() + " "
                        + p.name(), p.address(), p.pid() > 0 ? Long.toString(p.pid()) : "-", s.state());
            }
            out.flush();
            return parts.stream().allMatch(Cluster.PartStatus::up) ? 0 : 1;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "Stop exactly what `cluster up` started, in reverse order; data is kept.")
    static final class Down implements Callable<Integer> {
        @Option(names = "--data-dir", defaultValue = "./data/cluster", paramLabel = "DIR",
                description = "the cluster's data dir (default: ${DEFAULT-VALUE})")
        Path dataDir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try {
                Cluster.down(dataDir, line -> {
                    out.println(line);
                    out.flush();
                });
                return 0;
            } catch (ClusterException e) {
                spec.commandLine().getErr().println("scalegram: cluster down failed: " + e.getMessage());
                spec.commandLine().getErr().flush();
                return 1;
            }
        }
    }

    /** For tests and tools: runs the command line with {@code args} and returns its exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        return new CommandLine(new ClusterCommand()).setOut(out).setErr(err).execute(args);
    }
}
