package dev.scalegram.tasks;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * A unit of asynchronous work, as claimed from a shard's outbox.
 *
 * @param id the outbox row id (a Scalegram id on {@code shard}): a natural idempotency key
 * @param attempts how many times it has been tried, this time included: claims by the relay, or handler runs when it
 *     came through RabbitMQ (whose consumer retries on its own)
 */
public record Task(long id, int shard, String kind, JsonNode payload, int attempts, Instant createdAt) {}
