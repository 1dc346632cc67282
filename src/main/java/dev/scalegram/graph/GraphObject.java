package dev.scalegram.graph;

/** An object as stored: its id (which names its shard), its type, its JSON payload and a version bumped per update. */
public record GraphObject(long id, ObjectType type, byte[] data, int version) {

    /**
     * The payload as a record. The result may be shared with other callers that read the same bytes, so the record
     * types read here are immutable (lists copied in their constructors).
     */
    public <T> T as(Class<T> type) {
        return DecodedPayloads.decode(data, type);
    }
}
