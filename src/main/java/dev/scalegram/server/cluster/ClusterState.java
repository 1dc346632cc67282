package dev.scalegram.server.cluster;

import dev.scalegram.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code cluster up} runs, kept in {@code <data-dir>/cluster-state.json} so that {@code status} and {@code down}
 * (later, separate processes) know every part: its kind, name, address, pid, and whether {@code up} started it. It is
 * written after every change, so a failed or interrupted {@code up} still leaves a record of what it started.
 *
 * @param topology the topology file the app servers were given
 * @param parts in start order; {@code down} stops them in reverse
 */
public record ClusterState(String topology, List<Part> parts) {

    static final String FILE = "cluster-state.json";

    public ClusterState {
        parts = parts == null ? new ArrayList<>() : new ArrayList<>(parts);
    }

    /** The kinds of parts, in the order {@code up} starts them. */
    public enum Kind {
        POSTGRES, MEMCACHED, CASSANDRA, RABBITMQ, EPMD, APP;

        /** As printed: lower case. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One running part.
     *
     * @param address host:port where it listens
     * @param pid its process id; -1 when it was found running and its pid is unknown
     * @param startedByUs false for a part that was already running (a reused broker): {@code down} leaves it alone
     * @param marker a string its command line contains: a recycled pid running something else is never signalled
     * @param log where its output goes (null when unknown)
     */
    public record Part(Kind kind, String name, String address, long pid, boolean startedByUs, String marker,
                       String log) {

        public String host() {
            return address.substring(0, address.lastIndexOf(':'));
        }

        public int port() {
            return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        }
    }

    static ClusterState empty() {
        return new ClusterState(null, List.of());
    }

    /** The recorded state under {@code dataDir}, or an empty one. */
    public static ClusterState load(Path dataDir) {
        Path f = dataDir.resolve(FILE);
        if (!Files.exists(f)) {
            return empty();
        }
        try {
            return Json.read(Files.readString(f), ClusterState.class);
        } catch (IOException | RuntimeException e) {
            throw new ClusterException("cannot read " + f + ": " + e.getMessage()
                    + " (fix or delete it; it lists the processes `cluster down` stops)");
        }
    }

    Optional<Part> find(Kind kind, String name) {
        return parts.stream().filter(p -> p.kind() == kind && p.name().equals(name)).findFirst();
    }

    ClusterState withTopology(String t) {
        return new ClusterState(t, parts);
    }

    /** Records {@code part}, replacing an earlier record of the same kind and name. */
    void put(Part part) {
        parts.removeIf(p -> p.kind() == part.kind() && p.name().equals(part.name()));
        parts.add(part);
    }

    void remove(Part part) {
        parts.removeIf(p -> p.kind() == part.kind() && p.name().equals(part.name()));
    }

    /** Writes the state (atomically: a reader never sees half a file); deletes the file once nothing is recorded. */
    void save(Path dataDir) {
        Path f = dataDir.resolve(FILE);
        try {
            if (parts.isEmpty()) {
                Files.deleteIfExists(f);
                return;
            }
            Files.createDirectories(dataDir);
            Path tmp = dataDir.resolve(FILE + ".tmp");
            Files.writeString(tmp, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(this) + "\n");
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + f, e);
        }
    }
}
