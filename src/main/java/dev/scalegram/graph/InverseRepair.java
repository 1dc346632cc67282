package dev.scalegram.graph;

import dev.scalegram.ids.ScalegramId;
import dev.scalegram.shards.Shards;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Finds and fixes hanging inverses: an edge whose inverse task failed for good (dead-lettered) or was applied out of
 * order. It walks every edge of a relation that has an inverse, checks the other end in batches (one query per other
 * shard), and trusts the end the product writes first ({@link Relation#writtenFirst()}): a missing inverse is added, an
 * inverse whose first end is gone is removed. Both fixes go through the normal write path (counts and cache too) and
 * are idempotent, so the scan can run at any time, concurrently with traffic.
 */
public final class InverseRepair {

    private static final Logger LOG = Logger.getLogger(InverseRepair.class.getName());
    private static final int BATCH = 1000;

    /** What one pass found and fixed. */
    public record Report(long scanned, long inversesAdded, long orphansRemoved) {
        Report plus(Report o) {
            return new Report(scanned + o.scanned, inversesAdded + o.inversesAdded, orphansRemoved + o.orphansRemoved);
        }
    }

    private record Edge(long id1, Relation relation, long id2, long pos, String data) {}

    private final Graph graph;
    private final Shards shards;

    public InverseRepair(Graph graph) {
        this.graph = graph;
        this.shards = graph.shards();
    }

    public Report repairAll() {
        Report total = new Report(0, 0, 0);
        for (int shard = 0; shard < shards.logicalShards(); shard++) {
            total = total.plus(repairShard(shard));
        }
        if (total.inversesAdded() + total.orphansRemoved() > 0) {
            Report t = total;
            LOG.warning(() -> "inverse repair: scanned " + t.scanned() + " edges, added " + t.inversesAdded()
                    + " missing inverses, removed " + t.orphansRemoved() + " orphans");
        }
        return total;
    }

    public Report repairShard(int shard) {
        List<Short> types = new ArrayList<>();
        for (Relation r : Relation.values()) {
            if (r.inverse() != null) {
                types.add((short) r.code());
            }
        }
        Report report = new Report(0, 0, 0);
        long[] after = {Long.MIN_VALUE, Short.MIN_VALUE, Long.MIN_VALUE};
        while (true) {
            List<Edge> batch = shards.read(shard, (c, sql) -> {
                try (PreparedStatement ps = c.prepareStatement(sql.of("""
                        SELECT id1, type, id2, pos, data::text FROM {s}.assocs
                        WHERE type = ANY(?) AND (id1, type, id2) > (?, ?, ?)
                        ORDER BY id1, type, id2 LIMIT ?"""))) {
                    ps.setArray(1, c.createArrayOf("smallint", types.toArray()));
                    ps.setLong(2, after[0]);
                    ps.setShort(3, (short) after[1]);
                    ps.setLong(4, after[2]);
                    ps.setInt(5, BATCH);
                    List<Edge> out = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(new Edge(rs.getLong(1), Relation.of(rs.getShort(2)), rs.getLong(3), rs.getLong(4),
                                    rs.getString(5)));
                        }
                    }
                    return out;
                }
            });
            if (batch.isEmpty()) {
                return report;
            }
            report = report.plus(check(batch));
            Edge last = batch.getLast();
            after[0] = last.id1();
            after[1] = last.relation().code();
            after[2] = last.id2();
            if (batch.size() < BATCH) {
                return report;
            }
        }
    }

    /** Looks up every edge's other end, grouped by the other end's shard, and fixes what does not match. */
    private Report check(List<Edge> edges) {
        Map<Integer, List<Edge>> byOtherShard = new LinkedHashMap<>();
        for (Edge e : edges) {
            byOtherShard.computeIfAbsent(ScalegramId.shard(e.id2()), k -> new ArrayList<>()).add(e);
        }
        long added = 0;
        long removed = 0;
        for (Map.Entry<Integer, List<Edge>> group : byOtherShard.entrySet()) {
            Set<String> present = otherEnds(group.getKey(), group.getValue());
            for (Edge e : group.getValue()) {
                if (present.contains(key(e.id2(), e.relation().inverse(), e.id1()))) {
                    continue;
                }
                if (e.relation().writtenFirst()) {
                    graph.write(ScalegramId.shard(e.id2()),
                            tx -> tx.insertEdge(e.id2(), e.relation().inverse(), e.id1(), e.pos(), e.data()));
                    added++;
                } else {
                    graph.write(ScalegramId.shard(e.id1()), tx -> tx.deleteEdge(e.id1(), e.relation(), e.id2()));
                    removed++;
                }
            }
        }
        return new Report(edges.size(), added, removed);
    }

    private Set<String> otherEnds(int shard, List<Edge> edges) {
        return shards.read(shard, (c, sql) -> {
            Long[] id1s = new Long[edges.size()];
            Short[] typeCodes = new Short[edges.size()];
            Long[] id2s = new Long[edges.size()];
            for (int i = 0; i < edges.size(); i++) {
                Edge e = edges.get(i);
                id1s[i] = e.id2();
                typeCodes[i] = (short) e.relation().inverse().code();
                id2s[i] = e.id1();
            }
            try (PreparedStatement ps = c.prepareStatement(sql.of("""
                    SELECT a.id1, a.type, a.id2 FROM {s}.assocs a
                    JOIN unnest(?::bigint[], ?::smallint[], ?::bigint[]) AS w(id1, type, id2)
                      ON a.id1 = w.id1 AND a.type = w.type AND a.id2 = w.id2"""))) {
                ps.setArray(1, c.createArrayOf("bigint", id1s));
                ps.setArray(2, c.createArrayOf("smallint", typeCodes));
                ps.setArray(3, c.createArrayOf("bigint", id2s));
                Set<String> out = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(key(rs.getLong(1), Relation.of(rs.getShort(2)), rs.getLong(3)));
                    }
                }
                return out;
            }
        });
    }

    private static String key(long id1, Relation r, long id2) {
        return id1 + ":" + r.code() + ":" + id2;
    }
}
