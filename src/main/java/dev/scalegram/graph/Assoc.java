package dev.scalegram.graph;

/**
 * An association {@code id1 -[relation]-> id2}. {@code pos} is a time-ordered id fixed when the edge was first
 * written (the same on both ends); ranges are newest first by pos and paginate by it. For POSTED, TAGGED and
 * COMMENT_ON, pos is the status id itself, so those lists paginate by status id as Mastodon clients expect; for the
 * others (follows, likes, bookmarks) it is the time of the edge, so they list by when it happened.
 */
public record Assoc(long id1, Relation relation, long id2, long pos, String data) {}
