package dev.scalegram.graph;

/**
 * An association {@code id1 -[relation]-> id2}. {@code pos} is a time-ordered id fixed when the edge was first
 * written (the same on both ends); ranges are newest first by pos and paginate by it. For relations whose id2 is a
 * status, pos is the status id itself, so status lists paginate by status id as Mastodon clients expect.
 */
public record Assoc(long id1, Relation relation, long id2, long pos, String data) {}
