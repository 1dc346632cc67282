/**
 * Home feeds and activity. {@link dev.scalegram.feed.FeedStore} and {@link dev.scalegram.feed.ActivityStore} are the
 * storage contracts (PostgreSQL on the reader's shard in embedded mode; Cassandra on clusters).
 * {@link dev.scalegram.feed.FanOut} pushes a new post into followers' feeds through tasks, except for accounts above
 * the follower threshold, whose posts {@link dev.scalegram.feed.HomeFeed} pulls in at read time.
 */
package dev.scalegram.feed;
