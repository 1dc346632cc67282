/**
 * The product, one class per use case, Mastodon-services style: read the file list to see what Scalegram does.
 * Use cases speak the graph API ({@link dev.scalegram.graph.Graph}), the feed stores and the outbox; they never write
 * SQL or cache keys. Their asynchronous halves are the {@code *Worker} task handlers.
 */
package dev.scalegram.social;
