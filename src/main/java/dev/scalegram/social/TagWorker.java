package dev.scalegram.social;

import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.json.Json;
import dev.scalegram.tasks.Task;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Files a status under its hashtags: each hashtag is an object on the shard its name hashes to, with a TAGGED range
 * of statuses. Adding the same status twice changes nothing.
 */
public final class TagWorker {

    public static final String HASHTAGS = "tag";

    private final Graph graph;

    public TagWorker(Graph graph) {
        this.graph = graph;
    }

    public void tag(Task task) {
        Tasks.Tag t = Json.convert(task.payload(), Tasks.Tag.class);
        for (String name : t.tags()) {
            int shard = graph.shardForName(HASHTAGS, name);
            long tagId = t.add() ? ensureTag(shard, name) : graph.nameLookup(HASHTAGS, name).orElse(0);
            if (tagId == 0) {
                continue;
            }
            graph.write(shard, tx -> t.add()
                    ? tx.assocAdd(tagId, Relation.TAGGED, t.statusId(), t.statusId(), null)
                    : tx.assocDelete(tagId, Relation.TAGGED, t.statusId()));
        }
    }

    private long ensureTag(int shard, String name) {
        OptionalLong existing = graph.nameLookup(HASHTAGS, name);
        if (existing.isPresent()) {
            return existing.getAsLong();
        }
        long created = graph.write(shard, tx -> {
            long id = tx.nextId();
            if (!tx.nameClaim(HASHTAGS, name, id)) {
                return 0L; // another task created it first
            }
            tx.objAdd(id, ObjectType.HASHTAG, Map.of("name", name));
            return id;
        });
        return created != 0 ? created : graph.nameLookup(HASHTAGS, name).orElseThrow();
    }
}
