package dev.scalegram.tasks;

import java.util.concurrent.CompletableFuture;

/**
 * Carries a claimed task to whoever runs it. The relay deletes the outbox row only when the returned future completes
 * normally: for the in-process transport that is when the handler succeeded; for a broker it is the publisher
 * confirm, after which the broker owns the task.
 */
public interface TaskTransport extends AutoCloseable {

    CompletableFuture<Void> deliver(Task task);

    @Override
    default void close() {}
}
