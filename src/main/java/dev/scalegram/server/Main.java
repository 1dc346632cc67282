package dev.scalegram.server;

import dev.scalegram.bench.BenchCommand;
import dev.scalegram.bench.LoadgenCommand;
import dev.scalegram.config.Topology;
import dev.scalegram.config.TopologyFile;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code scalegram} command line. */
@Command(name = "scalegram", mixinStandardHelpOptions = true, version = "Scalegram 0.1.0",
        description = "Instagram's backend infrastructure behind a Mastodon-compatible API.",
        subcommands = {Main.Serve.class, ShardsCommand.class, ClusterCommand.class, BenchCommand.class,
                LoadgenCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        configureLogging();
        System.exit(new CommandLine(new Main()).execute(args));
    }

    private static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        try (var in = Main.class.getResourceAsStream("/logging.properties")) {
            if (in != null) {
                java.util.logging.LogManager.getLogManager().readConfiguration(in);
            }
        } catch (java.io.IOException e) {
            System.err.println("scalegram: cannot read logging.properties: " + e.getMessage());
        }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Start the server. With no --config it runs embedded: a real PostgreSQL 18 under the data "
                    + "dir and an in-process lease cache.")
    static final class Serve implements java.util.concurrent.Callable<Integer> {

        @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default: ${DEFAULT-VALUE})")
        int port;

        @Option(names = "--data-dir", defaultValue = "./data", description = "where data is kept (default: ${DEFAULT-VALUE})")
        Path dataDir;

        @Option(names = "--config", description = "a topology YAML file (see docs/topology.sample.yaml)")
        Path config;

        @Override
        public Integer call() throws Exception {
            Topology topology = config == null ? Topology.embedded() : TopologyFile.load(config);
            long t0 = System.nanoTime();
            Scalegram app = Scalegram.start(new ServeOptions(topology, dataDir.toAbsolutePath(), port));
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // JUL resets its handlers in its own shutdown hook, so this path reports on stderr.
                long t = System.nanoTime();
                System.err.println("scalegram: stopping");
                app.close();
                System.err.printf("scalegram: stopped in %d ms%n", (System.nanoTime() - t) / 1_000_000);
                stopped.countDown();
            }, "shutdown"));
            System.err.printf("scalegram: ready on http://localhost:%d in %d ms (Ctrl-C to stop)%n", app.port(),
                    (System.nanoTime() - t0) / 1_000_000);
            stopped.await();
            return 0;
        }
    }
}
