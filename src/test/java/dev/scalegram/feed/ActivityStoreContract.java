package dev.scalegram.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.scalegram.feed.Activity.Type;
import dev.scalegram.ids.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The {@link ActivityStore} contract, for every implementation: subclass it and implement {@link #store()}. Every
 * test uses users of its own, so one database or keyspace serves the whole class.
 */
abstract class ActivityStoreContract {

    /** A store over the class's shared database or keyspace. */
    protected abstract ActivityStore store();

    private static long id() {
        return TestIds.next();
    }

    private static List<Activity> all(ActivityStore s, long user) {
        return s.page(user, Page.newest(1000), Set.of());
    }

    @Test
    void pagesAreNewestFirstWithEveryField() {
        ActivityStore s = store();
        long user = id();
        long a1 = id();
        long a2 = id();
        long status = id();
        s.add(user, Type.FOLLOW, a1, 0);
        s.add(user, Type.FAVOURITE, a2, status);
        s.add(user, Type.MENTION, a1, status);
        List<Activity> page = all(s, user);
        assertEquals(3, page.size(), page.toString());
        assertEquals(List.of(Type.MENTION, Type.FAVOURITE, Type.FOLLOW), page.stream().map(Activity::type).toList());
        assertEquals(List.of(a1, a2, a1), page.stream().map(Activity::actorId).toList());
        assertEquals(List.of(status, status, 0L), page.stream().map(Activity::statusId).toList());
        assertTrue(page.stream().allMatch(a -> a.userId() == user));
        assertTrue(page.get(0).id() > page.get(1).id() && page.get(1).id() > page.get(2).id(), page.toString());
        assertEquals(page.subList(0, 2), s.page(user, Page.newest(2), Set.of()));
        assertEquals(List.of(), all(s, id()), "a user with no activity has none");
    }

    @Test
    void addingTheSameActivityAgainKeepsOne() {
        ActivityStore s = store();
        long user = id();
        long other = id();
        long actor = id();
        long actor2 = id();
        long status = id();
        long status2 = id();
        s.add(user, Type.FAVOURITE, actor, status);
        long first = all(s, user).getFirst().id();
        s.add(user, Type.FAVOURITE, actor, status);
        s.add(user, Type.FAVOURITE, actor, status);
        assertEquals(List.of(first), all(s, user).stream().map(Activity::id).toList(), "the repeat kept its id");

        s.add(user, Type.FAVOURITE, actor, status2);
        s.add(user, Type.MENTION, actor, status);
        s.add(user, Type.FAVOURITE, actor2, status);
        s.add(other, Type.FAVOURITE, actor, status);
        assertEquals(4, all(s, user).size(), "a different status, type or actor is another activity");
        assertEquals(1, all(s, other).size());
    }

    @Test
    void concurrentAddsOfTheSameActivityKeepOne() throws Exception {
        ActivityStore s = store();
        long user = id();
        long actor = id();
        long status = id();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> adds = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                adds.add(pool.submit(() -> s.add(user, Type.MENTION, actor, status)));
            }
            for (Future<?> f : adds) {
                f.get();
            }
        }
        assertEquals(1, all(s, user).size(), all(s, user).toString());
    }

    @Test
    void filtersByTypeAcrossManyOthers() {
        ActivityStore s = store();
        long user = id();
        long status = id();
        s.add(user, Type.FAVOURITE, id(), status);
        // More than one round trip's worth of other types above the one favourite.
        List<Long> followers = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            long f = id();
            followers.add(f);
            s.add(user, Type.FOLLOW, f, 0);
        }
        List<Activity> favourites = s.page(user, Page.newest(5), Set.of(Type.FAVOURITE));
        assertEquals(1, favourites.size(), favourites.toString());
        assertEquals(status, favourites.getFirst().statusId());

        List<Activity> follows = s.page(user, Page.newest(5), Set.of(Type.FOLLOW));
        assertEquals(followers.reversed().subList(0, 5), follows.stream().map(Activity::actorId).toList());
        assertEquals(251, s.page(user, Page.newest(1000), Set.of(Type.FOLLOW, Type.FAVOURITE)).size());
        assertEquals(List.of(), s.page(user, Page.newest(5), Set.of(Type.MENTION)));
    }

    @Test
    void maxSinceAndMinIdPageExactlyAsPageApply() {
        ActivityStore s = store();
        long user = id();
        Type[] types = Type.values();
        for (int i = 0; i < 12; i++) {
            s.add(user, types[i % types.length], id(), i % 2 == 0 ? 0 : id());
        }
        List<Activity> all = all(s, user);
        assertEquals(12, all.size());
        long[] bounds = {0, all.get(0).id(), all.get(3).id(), all.get(6).id() - 1, all.get(11).id(),
                all.get(0).id() + 1};
        for (Set<Type> filter : List.of(Set.<Type>of(), Set.of(Type.FAVOURITE), Set.of(Type.FOLLOW, Type.MENTION))) {
            List<Activity> matching = all.stream().filter(a -> filter.isEmpty() || filter.contains(a.type())).toList();
            for (long max : bounds) {
                for (long since : bounds) {
                    for (long min : bounds) {
                        for (int limit : new int[] {1, 2, 20}) {
                            Page p = new Page(max, since, min, limit);
                            assertEquals(p.apply(matching, Activity::id), s.page(user, p, filter), p + " " + filter);
                        }
                    }
                }
            }
        }
    }

    @Test
    void getFindsOneActivityOfItsUser() {
        ActivityStore s = store();
        long user = id();
        long actor = id();
        long status = id();
        s.add(user, Type.FAVOURITE, actor, status);
        Activity a = all(s, user).getFirst();
        assertEquals(Optional.of(new Activity(a.id(), user, Type.FAVOURITE, actor, status)), s.get(user, a.id()));
        assertEquals(Optional.empty(), s.get(id(), a.id()), "another user's activity id");
        assertEquals(Optional.empty(), s.get(user, a.id() + 1));
    }

    @Test
    void removeForStatusRemovesEveryActivityAboutThatStatus() {
        ActivityStore s = store();
        long user = id();
        long other = id();
        long actor = id();
        long status = id();
        long status2 = id();
        s.add(user, Type.FOLLOW, actor, 0);
        s.add(user, Type.FAVOURITE, actor, status);
        s.add(user, Type.MENTION, id(), status);
        s.add(user, Type.FAVOURITE, actor, status2);
        s.add(other, Type.FAVOURITE, actor, status);
        long removedId = s.page(user, Page.newest(10), Set.of(Type.FAVOURITE)).getLast().id();

        s.removeForStatus(user, status);
        List<Activity> left = all(s, user);
        assertEquals(List.of(status2, 0L), left.stream().map(Activity::statusId).toList());
        assertEquals(1, all(s, other).size(), "another user's activity about the status stays");
        s.removeForStatus(user, status);
        assertEquals(2, all(s, user).size(), "removing twice is harmless");

        s.add(user, Type.FAVOURITE, actor, status);
        Activity again = all(s, user).getFirst();
        assertEquals(status, again.statusId(), "adding it again after the removal makes a new activity");
        assertNotEquals(removedId, again.id());
    }

    @Test
    void dismissRemovesOneActivity() {
        ActivityStore s = store();
        long user = id();
        long actor = id();
        s.add(user, Type.FOLLOW, actor, 0);
        s.add(user, Type.FOLLOW, id(), 0);
        List<Activity> before = all(s, user);
        long dismissed = before.getLast().id();
        assertFalse(s.dismiss(id(), dismissed), "not another user's");
        assertTrue(s.dismiss(user, dismissed));
        assertFalse(s.dismiss(user, dismissed), "already gone");
        assertEquals(Optional.empty(), s.get(user, dismissed));
        assertEquals(List.of(before.getFirst()), all(s, user));

        s.add(user, Type.FOLLOW, actor, 0);
        List<Activity> after = all(s, user);
        assertEquals(2, after.size(), "following again after a dismissal notifies again");
        assertEquals(actor, after.getFirst().actorId());
        assertTrue(after.getFirst().id() > dismissed);
    }

    @Test
    void clearRemovesEverythingOfOneUser() {
        ActivityStore s = store();
        long user = id();
        long other = id();
        long actor = id();
        long status = id();
        s.add(user, Type.FOLLOW, actor, 0);
        s.add(user, Type.FAVOURITE, actor, status);
        s.add(user, Type.MENTION, id(), status);
        s.add(other, Type.FOLLOW, actor, 0);
        s.clear(user);
        assertEquals(List.of(), all(s, user));
        assertEquals(1, all(s, other).size());
        s.clear(user);

        s.add(user, Type.FAVOURITE, actor, status);
        assertEquals(1, all(s, user).size(), "adding after a clear makes a new activity");
    }
}
