package dev.scalegram.social;

import dev.scalegram.feed.Activity;
import dev.scalegram.feed.ActivityStore;
import dev.scalegram.ids.Page;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A page of someone's notifications with the accounts and statuses they mention, hydrated together. */
public final class ReadNotifications {

    /** A notification ready to render; {@code status} is null for follows. */
    public record Item(Activity activity, AccountView actor, StatusView status) {}

    private final ActivityStore activity;
    private final Hydrator hydrator;

    public ReadNotifications(ActivityStore activity, Hydrator hydrator) {
        this.activity = activity;
        this.hydrator = hydrator;
    }

    public ReadTimelines.Result<Item> page(long userId, Page page, Set<Activity.Type> types) {
        List<Activity> acts = activity.page(userId, page, types);
        if (acts.isEmpty()) {
            return new ReadTimelines.Result<>(List.of(), 0, 0);
        }
        Set<Long> actors = new LinkedHashSet<>();
        List<Long> statusIds = new ArrayList<>();
        for (Activity a : acts) {
            actors.add(a.actorId());
            if (a.statusId() != 0) {
                statusIds.add(a.statusId());
            }
        }
        Map<Long, AccountView> accounts = hydrator.accounts(actors);
        Map<Long, StatusView> statuses = new java.util.HashMap<>();
        hydrator.statuses(statusIds, userId).forEach(s -> statuses.put(s.id(), s));
        List<Item> items = new ArrayList<>();
        for (Activity a : acts) {
            AccountView actor = accounts.get(a.actorId());
            StatusView s = a.statusId() == 0 ? null : statuses.get(a.statusId());
            // A notification about a deleted status or account is dropped, not shown half-empty.
            if (actor != null && (a.statusId() == 0 || s != null)) {
                items.add(new Item(a, actor, s));
            }
        }
        return new ReadTimelines.Result<>(items, acts.getFirst().id(), acts.getLast().id());
    }

    public Item one(long userId, long id) {
        Activity a = activity.get(userId, id).orElseThrow(() -> Problem.notFound("Record not found"));
        AccountView actor = hydrator.accounts(List.of(a.actorId())).get(a.actorId());
        StatusView s = a.statusId() == 0 ? null
                : hydrator.statuses(List.of(a.statusId()), userId).stream().findFirst().orElse(null);
        if (actor == null || (a.statusId() != 0 && s == null)) {
            throw Problem.notFound("Record not found");
        }
        return new Item(a, actor, s);
    }
}
