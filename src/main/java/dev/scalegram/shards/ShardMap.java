package dev.scalegram.shards;

import dev.scalegram.config.Topology;
import dev.scalegram.ids.ScalegramId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which physical server holds each logical shard. Immutable: a shard move publishes a new map with a higher
 * {@link #version()}. The map built from a topology is only the initial placement (version 0); the live map is the one
 * {@link ShardDirectory} keeps in PostgreSQL, which {@link Shards} loads and follows.
 */
public final class ShardMap {

    private final long version;
    private final int logicalShards;
    private final List<String> servers;
    private final int[] serverOfShard;

    private ShardMap(long version, int logicalShards, List<String> servers, int[] serverOfShard) {
        this.version = version;
        this.logicalShards = logicalShards;
        this.servers = List.copyOf(servers);
        this.serverOfShard = serverOfShard;
    }

    /** A map read from the directory: {@code serverOf[s]} names shard s's server, one of {@code servers}. */
    static ShardMap of(long version, List<String> servers, String[] serverOf) {
        int[] map = new int[serverOf.length];
        for (int s = 0; s < serverOf.length; s++) {
            map[s] = servers.indexOf(serverOf[s]);
            if (map[s] < 0) {
                throw new IllegalArgumentException("the shard map puts logical shard " + s + " on server '"
                        + serverOf[s] + "', which the topology does not list (servers: " + servers + ")");
            }
        }
        return new ShardMap(version, serverOf.length, servers, map);
    }

    public static ShardMap from(Topology topology) {
        int l = topology.logicalShards();
        if (l < 1 || l > ScalegramId.MAX_SHARDS) {
            throw new IllegalArgumentException("logical_shards must be 1.." + ScalegramId.MAX_SHARDS + ", got " + l);
        }
        List<String> names = new ArrayList<>();
        topology.postgres().servers().forEach(s -> names.add(s.name()));
        if (names.isEmpty()) {
            throw new IllegalArgumentException("postgres.servers is empty");
        }
        int[] map = new int[l];
        List<Topology.ShardRange> ranges = topology.postgres().shardMap();
        if (ranges == null || ranges.isEmpty()) {
            // Even contiguous ranges: shard s on server s * n / l.
            for (int s = 0; s < l; s++) {
                map[s] = (int) ((long) s * names.size() / l);
            }
            return new ShardMap(0, l, names, map);
        }
        Arrays.fill(map, -1);
        for (Topology.ShardRange r : ranges) {
            int server = names.indexOf(r.server());
            if (server < 0) {
                throw new IllegalArgumentException("shard_map names unknown server '" + r.server() + "'");
            }
            if (r.from() < 0 || r.to() >= l || r.from() > r.to()) {
                throw new IllegalArgumentException("shard_map range " + r.from() + "-" + r.to() + " is outside 0-" + (l - 1));
            }
            for (int s = r.from(); s <= r.to(); s++) {
                if (map[s] >= 0) {
                    throw new IllegalArgumentException("logical shard " + s + " is mapped twice");
                }
                map[s] = server;
            }
        }
        for (int s = 0; s < l; s++) {
            if (map[s] < 0) {
                throw new IllegalArgumentException("logical shard " + s + " is not mapped to any server");
            }
        }
        return new ShardMap(0, l, names, map);
    }

    /** 0 for a topology's initial placement; the directory's versions start at 1 and grow by one per move. */
    public long version() {
        return version;
    }

    public int logicalShards() {
        return logicalShards;
    }

    public List<String> servers() {
        return servers;
    }

    public String serverOf(int shard) {
        return servers.get(serverOfShard[shard]);
    }

    /** The logical shards each server holds, servers in configuration order. */
    public Map<String, List<Integer>> shardsByServer() {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        servers.forEach(s -> out.put(s, new ArrayList<>()));
        for (int s = 0; s < logicalShards; s++) {
            out.get(serverOf(s)).add(s);
        }
        return out;
    }

    /** The schema that holds a logical shard. */
    public static String schema(int shard) {
        return "shard_%04d".formatted(shard);
    }

    /**
     * The shard a name (a username, an email, a hashtag, a token digest) lives on. Stable for a given L, which never
     * changes for a deployment.
     */
    public int shardForName(String namespace, String name) {
        int h = 0x811c9dc5;
        for (int i = 0; i < namespace.length(); i++) {
            h = (h ^ namespace.charAt(i)) * 0x01000193;
        }
        h = (h ^ ':') * 0x01000193;
        for (int i = 0; i < name.length(); i++) {
            h = (h ^ name.charAt(i)) * 0x01000193;
        }
        return Math.floorMod(h, logicalShards);
    }
}
