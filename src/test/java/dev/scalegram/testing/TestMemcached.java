package dev.scalegram.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real memcached (Debian's 1.6, {@code /usr/bin/memcached}) on a free port of 127.0.0.1, started by a test and
 * stopped by it: {@code memcached -l 127.0.0.1 -p PORT -m 64 -U 0 -t 2} (plus {@code -u root} when run as root,
 * which memcached otherwise refuses). The binary is installed by {@code ./scalegram test}; without it the test fails
 * with a message saying so rather than skipping, so a missing engine is never mistaken for a passing suite.
 */
public final class TestMemcached implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/memcached");
    private static final long START_TIMEOUT_MILLIS = 10_000;

    private final int port;
    private final Path log;
    private volatile Process process;
    private volatile boolean paused;

    private TestMemcached(int port, Path log) {
        this.port = port;
        this.log = log;
        // Kills the server if the test JVM dies before the test stops it.
        Runtime.getRuntime().addShutdownHook(new Thread(this::kill));
    }

    /** A new memcached on a free port, ready for connections. */
    public static TestMemcached start() {
        requireBinary();
        IllegalStateException last = null;
        // The free port is found by binding and releasing it, so another process may take it in between: retry.
        for (int attempt = 0; attempt < 5; attempt++) {
            TestMemcached m = new TestMemcached(freePort(), logFile());
            try {
                m.launch();
                return m;
            } catch (IllegalStateException e) {
                m.stop();
                last = e;
            }
        }
        throw last;
    }

    public int port() {
        return port;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** Stops the server (SIGTERM, then SIGKILL after 5 s); {@link #restart()} brings it back on the same port. */
    public void stop() {
        Process p = process;
        process = null;
        if (p == null) {
            return;
        }
        if (paused) {
            signal(p, "CONT"); // a stopped process cannot act on SIGTERM
            paused = false;
        }
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Kills the server with SIGKILL, as a crash would: no chance to close its connections cleanly. {@link #restart()}
     * brings an empty one back on the same port.
     */
    public void kill9() {
        Process p = process;
        process = null;
        paused = false;
        if (p == null) {
            return;
        }
        p.destroyForcibly(); // SIGKILL on Linux
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("memcached on port " + port + " survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Freezes the server with SIGSTOP: it keeps its data and its port, and the kernel still accepts connections, but
     * nothing is answered, like a host behind a partition. {@link #resume()} lets it go on.
     */
    public void pause() {
        Process p = process;
        if (p == null) {
            throw new IllegalStateException("memcached on port " + port + " is not running");
        }
        signal(p, "STOP");
        paused = true;
    }

    /** Undoes {@link #pause()}. */
    public void resume() {
        Process p = process;
        if (p == null) {
            throw new IllegalStateException("memcached on port " + port + " is not running");
        }
        signal(p, "CONT");
        paused = false;
    }

    /** Stops the server and starts an empty one on the same port. */
    public void restart() {
        stop();
        launch();
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    /** The server's {@code stats} as name to value (e.g. {@code cmd_get}, {@code curr_connections}). */
    public Map<String, String> stats() {
        try (Socket s = new Socket()) {
            s.connect(address(), 1_000);
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            out.write("stats\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            Map<String, String> stats = new LinkedHashMap<>();
            for (String line = in.readLine(); line != null && !line.equals("END"); line = in.readLine()) {
                String[] parts = line.split(" ", 3);
                if (parts.length == 3 && parts[0].equals("STAT")) {
                    stats.put(parts[1], parts[2]);
                }
            }
            return stats;
        } catch (IOException e) {
            throw new UncheckedIOException("stats from memcached on port " + port, e);
        }
    }

    /** One counter of {@link #stats()}. */
    public long stat(String name) {
        String v = stats().get(name);
        if (v == null) {
            throw new IllegalArgumentException("memcached has no stat " + name);
        }
        return Long.parseLong(v);
    }

    @Override
    public void close() {
        stop();
    }

    private static void requireBinary() {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError("memcached is not installed (" + BINARY + " is missing): run ./scalegram test,"
                    + " which installs it (or: apt-get install -y memcached)");
        }
    }

    private void launch() {
        ProcessBuilder pb = new ProcessBuilder(BINARY.toString(), "-l", "127.0.0.1", "-p", Integer.toString(port),
                "-m", "64", "-U", "0", "-t", "2");
        if ("root".equals(System.getProperty("user.name"))) {
            pb.command().add("-u");
            pb.command().add("root");
        }
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("starting " + pb.command(), e);
        }
        Process started = process;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (true) {
            if (!started.isAlive()) {
                throw new IllegalStateException("memcached exited at start (" + pb.command() + "): " + logText());
            }
            try (Socket s = new Socket()) {
                s.connect(address(), 200);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() - deadline > 0) {
                    stop();
                    throw new IllegalStateException("memcached did not listen on port " + port + " within "
                            + START_TIMEOUT_MILLIS + " ms: " + logText());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private static void signal(Process p, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + p.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void kill() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    private String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path logFile() {
        try {
            Path dir = Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(dir);
            return Files.createTempFile(dir, "memcached-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
