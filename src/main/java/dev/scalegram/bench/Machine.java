package dev.scalegram.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The facts about the machine a benchmark ran on that its numbers depend on: cores, memory, CPU model, OS, JVM,
 * hostname, and the load average (other work on the machine skews every number, so a result says how busy it was).
 */
record Machine(String hostname, int cores, long memoryBytes, String cpuModel, String os, String jvm, long maxHeapBytes,
               List<Double> loadAverage) {

    static Machine current() {
        return new Machine(readHostname(), Runtime.getRuntime().availableProcessors(), memTotal(), readCpuModel(), readOs(),
                readJvm(), Runtime.getRuntime().maxMemory(), currentLoadAverage());
    }

    /** The 1, 5 and 15 minute load averages from /proc/loadavg; empty where there is none. */
    static List<Double> currentLoadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return List.of(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hostname", hostname);
        m.put("cores", cores);
        m.put("memory_gib", Math.round(memoryBytes / (1024.0 * 1024 * 1024) * 10) / 10.0);
        m.put("cpu_model", cpuModel);
        m.put("os", os);
        m.put("jvm", jvm);
        m.put("jvm_max_heap_mib", maxHeapBytes / (1024 * 1024));
        m.put("load_average_at_start", loadAverage);
        return m;
    }

    private static String readHostname() {
        try {
            String h = Files.readString(Path.of("/etc/hostname")).trim();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux, or no such file: ask the resolver
        }
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static long memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // fall through
        }
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }

    private static String readCpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // fall through
        }
        return System.getProperty("os.arch");
    }

    private static String readOs() {
        String base = System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch");
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring("PRETTY_NAME=".length()).replace("\"", "") + " (" + base + ")";
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // fall through
        }
        return base;
    }

    private static String readJvm() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
                + System.getProperty("java.vm.vendor") + ")";
    }
}
