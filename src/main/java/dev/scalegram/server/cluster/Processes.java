package dev.scalegram.server.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Small process and port helpers for the cluster launcher. */
final class Processes {

    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private Processes() {}

    /** True when something accepts TCP connections on host:port. */
    static boolean answers(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The process's command line as one space-separated string (empty when it is gone). */
    static String commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * The live process {@code pid} if its command line contains {@code marker}: pids are recycled, and a part's pid
     * that now names another program must never be signalled.
     */
    static Optional<ProcessHandle> live(long pid, String marker) {
        if (pid <= 0) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(Processes::running)
                .filter(h -> marker == null || commandLine(pid).contains(marker));
    }

    /**
     * Alive and not a zombie. A daemon that exited stays a zombie until init reaps it, which on some machines takes
     * a second or two; {@link ProcessHandle#isAlive} counts it as alive, but it is done.
     */
    static boolean running(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            // pid (comm) state ...: comm may contain spaces and parentheses, so read after the last ')'.
            String rest = stat.substring(stat.lastIndexOf(')') + 1).trim();
            return !rest.startsWith("Z") && !rest.startsWith("X");
        } catch (IOException | RuntimeException e) {
            return false; // /proc entry gone: it exited between the two checks
        }
    }

    /** Sends a signal by name (INT, TERM, KILL, ...). */
    static void signal(long pid, String signal) {
        run(List.of("kill", "-s", signal, Long.toString(pid)), Duration.ofSeconds(5));
    }

    /**
     * Stops a process: {@code signal} first, SIGKILL if it is still alive after {@code timeout}.
     *
     * @return true if it had to be killed
     */
    static boolean stop(ProcessHandle h, String signal, Duration timeout) {
        signal(h.pid(), signal);
        if (awaitExit(h, timeout)) {
            return false;
        }
        h.destroyForcibly();
        if (!awaitExit(h, Duration.ofSeconds(10))) {
            throw new ClusterException("pid " + h.pid() + " survived SIGKILL");
        }
        return true;
    }

    static boolean awaitExit(ProcessHandle h, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        // onExit() works only for our own children; others (daemons, earlier runs' processes) are polled.
        while (running(h)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            sleep(100);
        }
        return true;
    }

    /**
     * Starts a process in a session of its own ({@code setsid}, which execs in place, so the pid is the program's):
     * a Ctrl-C in the terminal that ran {@code cluster up} must not reach the servers it leaves running. Input is
     * /dev/null and output is appended to {@code log}, so no pipe ties it to this JVM.
     */
    static Process launchDetached(List<String> command, Path log, Path workDir, Map<String, String> env) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            cmd.add(SETSID.toString());
        }
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        try {
            Files.createDirectories(log.getParent());
            return pb.start();
        } catch (IOException e) {
            throw new ClusterException("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        }
    }

    /** The result of a short command. */
    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    /** Runs a short command to completion, output captured; exit -1 when it timed out. */
    static Result run(List<String> command, Duration timeout) {
        return run(command, timeout, Map.of());
    }

    static Result run(List<String> command, Duration timeout, Map<String, String> env) {
        try {
            Path out = Files.createTempFile("scalegram-cmd-", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(out.toFile());
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    return new Result(-1, Files.readString(out) + "\n(timed out after " + timeout.toSeconds() + " s)");
                }
                return new Result(p.exitValue(), Files.readString(out));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return new Result(-1, "cannot run " + String.join(" ", command) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted while running " + String.join(" ", command), e);
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Installs a Debian package with apt-get (as .ci/provision-and-test does), updating the index once if needed. */
    static void aptInstall(String pkg, Consumer<String> progress) {
        if (!isRoot()) {
            throw new ClusterException(pkg + " is not installed and only root may install it: apt-get install -y " + pkg);
        }
        progress.accept("  installing " + pkg + " (apt-get)...");
        Map<String, String> env = Map.of("DEBIAN_FRONTEND", "noninteractive");
        List<String> install = List.of("apt-get", "install", "-y", "-q", pkg);
        Result r = run(install, Duration.ofMinutes(10), env);
        if (!r.ok()) {
            run(List.of("apt-get", "update", "-q"), Duration.ofMinutes(5), env);
            r = run(install, Duration.ofMinutes(10), env);
        }
        if (!r.ok()) {
            throw new ClusterException("apt-get install " + pkg + " failed:\n" + lastLines(r.output(), 20));
        }
    }

    /** The last lines of a file, for failure messages. */
    static String tail(Path file, int lines) {
        if (file == null || !Files.isRegularFile(file)) {
            return "(no log at " + file + ")";
        }
        try {
            // Decoded leniently: a crash can leave half a character at the end.
            return "--- " + file + " (last lines) ---\n"
                    + lastLines(new String(Files.readAllBytes(file), StandardCharsets.UTF_8), lines);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    static String lastLines(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted", e);
        }
    }

    static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }
}
