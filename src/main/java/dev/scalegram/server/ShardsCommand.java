package dev.scalegram.server;

import dev.scalegram.config.Topology;
import dev.scalegram.config.TopologyFile;
import dev.scalegram.shards.ShardMap;
import dev.scalegram.shards.ShardMove;
import dev.scalegram.shards.Shards;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code scalegram shards list|move}: where a running deployment's logical shards are, and moving one to another
 * PostgreSQL server while the deployment runs (see {@link ShardMove}). It connects to the servers the topology names;
 * an embedded server's port is read from the {@code postmaster.pid} under {@code --data-dir}, so the deployment must
 * be running.
 */
@Command(name = "shards", mixinStandardHelpOptions = true,
        description = "Logical shards: where they are, and moving one to another PostgreSQL server online.",
        subcommands = {ShardsCommand.ListShards.class, ShardsCommand.Move.class})
public final class ShardsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The deployment to act on. */
    static final class Deployment {
        @Option(names = "--config", description = "the deployment's topology YAML (default: the embedded one)")
        Path config;

        @Option(names = "--data-dir", defaultValue = "./data",
                description = "the deployment's data dir, for embedded servers (default: ${DEFAULT-VALUE})")
        Path dataDir;

        Shards connect() {
            Topology t = config == null ? Topology.embedded() : TopologyFile.load(config);
            List<Topology.PgServer> servers = resolve(t, dataDir);
            return new Shards(ShardMap.from(t.withPostgres(new Topology.PostgresConfig(servers,
                    t.postgres().shardMap()))), servers, new SimpleMeterRegistry());
        }
    }

    /** The topology's servers with URLs: an embedded one's port comes from its running postmaster's pid file. */
    static List<Topology.PgServer> resolve(Topology t, Path dataDir) {
        List<Topology.PgServer> out = new ArrayList<>();
        for (Topology.PgServer s : t.postgres().servers()) {
            if (!s.embedded()) {
                out.add(s);
                continue;
            }
            Path pid = dataDir.toAbsolutePath().resolve("pg").resolve(s.name()).resolve("postmaster.pid");
            try {
                List<String> lines = Files.readAllLines(pid);
                // postmaster.pid: pid, data dir, start time, port, ...
                int port = Integer.parseInt(lines.get(3).trim());
                out.add(s.withUrl("jdbc:postgresql://127.0.0.1:" + port + "/postgres"));
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("embedded server " + s.name() + " is not running (no readable "
                        + pid + "); start the deployment first", e);
            }
        }
        return out;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Show the live shard map.")
    static final class ListShards implements Callable<Integer> {
        @Mixin
        Deployment deployment;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Shards shards = deployment.connect()) {
                ShardMap map = shards.map();
                out.printf("shard map version %d: %d logical shards on %d servers%n", map.version(),
                        map.logicalShards(), map.servers().size());
                for (Map.Entry<String, List<Integer>> e : map.shardsByServer().entrySet()) {
                    out.printf("%-12s %5d  %s%n", e.getKey(), e.getValue().size(), ranges(e.getValue()));
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "move", mixinStandardHelpOptions = true,
            description = "Move one logical shard to another server: copy, catch up, freeze that shard's writes "
                    + "for a moment, switch the map everywhere, verify. Other shards are not touched.")
    static final class Move implements Callable<Integer> {
        @Mixin
        Deployment deployment;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "SHARD", description = "the logical shard")
        int shard;

        @Option(names = "--to", required = true, paramLabel = "SERVER", description = "the server to move it to")
        String to;

        @Option(names = "--drop-source",
                description = "drop the old copy once verified (default: keep it renamed, as shard_NNNN_moved_<time>)")
        boolean dropSource;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Shards shards = deployment.connect()) {
                ShardMove.Result r = new ShardMove(shards).dropSource(dropSource).progress(line -> {
                    out.println(line);
                    out.flush();
                }).run(shard, to);
                out.printf("moved logical shard %d from %s to %s (map version %d, writes frozen %d ms)%n", r.shard(),
                        r.from(), r.to(), r.mapVersion(), r.freezeMillis());
            } catch (RuntimeException e) {
                spec.commandLine().getErr().println("scalegram: shard move failed: " + e.getMessage());
                return 1;
            } finally {
                out.flush();
            }
            return 0;
        }
    }

    /** 0,1,2,5,7,8 as "0-2, 5, 7-8". */
    static String ranges(List<Integer> shards) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < shards.size(); ) {
            int j = i;
            while (j + 1 < shards.size() && shards.get(j + 1) == shards.get(j) + 1) {
                j++;
            }
            b.append(b.isEmpty() ? "" : ", ").append(shards.get(i));
            if (j > i) {
                b.append('-').append(shards.get(j));
            }
            i = j + 1;
        }
        return b.toString();
    }

    /** For tests and tools: runs the command line with {@code args} and returns its exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        return new CommandLine(new ShardsCommand()).setOut(out).setErr(err).execute(args);
    }
}
