/**
 * Asynchronous work through a transactional outbox. A task row is inserted in the same transaction as the write that
 * causes it ({@link dev.scalegram.tasks.Outbox}), so a task exists if and only if its write committed; the
 * {@link dev.scalegram.tasks.TaskRelay} claims due rows and hands them to a {@link dev.scalegram.tasks.TaskTransport}
 * ({@link dev.scalegram.tasks.InProcessTransport} embedded, {@link dev.scalegram.tasks.RabbitTransport} on clusters),
 * deleting a row only once the transport has it for sure: the handler succeeded, or the broker confirmed the publish.
 * Delivery is at least once, so every handler is idempotent; failures back off exponentially and end in a dead-letter
 * table (or, through RabbitMQ, a dead-letter queue). A transport that cannot be reached costs a task no attempts.
 */
package dev.scalegram.tasks;
