package dev.scalegram.tasks;

/** Does one kind of task. Must be idempotent: a task can arrive more than once. Throwing means "retry later". */
@FunctionalInterface
public interface TaskHandler {
    void handle(Task task) throws Exception;
}
