package dev.scalegram.graph;

import dev.scalegram.json.Json;

/** An object as stored: its id (which names its shard), its type, its JSON payload and a version bumped per update. */
public record GraphObject(long id, ObjectType type, byte[] data, int version) {

    public <T> T as(Class<T> type) {
        return Json.read(data, type);
    }
}
