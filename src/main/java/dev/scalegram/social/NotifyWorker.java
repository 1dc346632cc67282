package dev.scalegram.social;

import dev.scalegram.feed.Activity;
import dev.scalegram.feed.ActivityStore;
import dev.scalegram.json.Json;
import dev.scalegram.tasks.Task;

/** Writes a notification into the recipient's activity. Idempotent: the store keeps one per (type, actor, status). */
public final class NotifyWorker {

    private final ActivityStore activity;

    public NotifyWorker(ActivityStore activity) {
        this.activity = activity;
    }

    public void notify(Task task) {
        Tasks.Notify n = Json.convert(task.payload(), Tasks.Notify.class);
        activity.add(n.userId(), Activity.Type.valueOf(n.type()), n.actorId(), n.statusId());
    }
}
