/**
 * Asynchronous work through a transactional outbox. A task row is inserted in the same transaction as the write that
 * causes it ({@link dev.scalegram.tasks.Outbox}), so a task exists if and only if its write committed; the
 * {@link dev.scalegram.tasks.TaskRelay} claims due rows and hands them to a {@link dev.scalegram.tasks.TaskTransport}
 * (in-process here, RabbitMQ on clusters), deleting a row only after its handler succeeded. Delivery is at least once,
 * so every handler is idempotent; failures back off exponentially and end in a dead-letter table.
 */
package dev.scalegram.tasks;
