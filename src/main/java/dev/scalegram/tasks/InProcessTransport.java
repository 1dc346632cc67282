package dev.scalegram.tasks;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Runs each task's handler on its own virtual thread in this process: the embedded-mode transport. */
public final class InProcessTransport implements TaskTransport {

    private final Map<String, TaskHandler> handlers = new ConcurrentHashMap<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile FaultInjector faults = FaultInjector.NONE;

    public InProcessTransport register(String kind, TaskHandler handler) {
        if (handlers.putIfAbsent(kind, handler) != null) {
            throw new IllegalStateException("two handlers for task kind " + kind);
        }
        return this;
    }

    /** For tests and fault drills: make chosen tasks fail as if their handler had thrown. */
    public void faults(FaultInjector injector) {
        this.faults = injector;
    }

    @Override
    public CompletableFuture<Void> deliver(Task task) {
        TaskHandler h = handlers.get(task.kind());
        if (h == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no handler for task kind " + task.kind()));
        }
        return CompletableFuture.runAsync(() -> {
            try {
                faults.before(task);
                h.handle(task);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, executor);
    }

    @Override
    public void close() {
        executor.close();
    }

    /** Decides, per task, whether to fail it before its handler runs. */
    @FunctionalInterface
    public interface FaultInjector {
        FaultInjector NONE = t -> {};

        void before(Task task) throws Exception;
    }
}
