package dev.scalegram.feed;

/** One entry of a home feed. */
public record FeedItem(long statusId, long authorId) {}
