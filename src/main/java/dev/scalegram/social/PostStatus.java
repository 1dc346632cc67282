package dev.scalegram.social;

import dev.scalegram.config.Topology.LimitsConfig;
import dev.scalegram.feed.Activity;
import dev.scalegram.feed.FanOut;
import dev.scalegram.graph.Graph;
import dev.scalegram.graph.GraphObject;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.graph.Relation;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.media.Media;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Posts a photo post, or a comment when it replies to one. The status, its POSTED (or COMMENT_ON) edge, the count and
 * the tasks (fan-out, the public timeline, hashtags, the mention notification, the inverse HAS_COMMENT) are one
 * transaction on the author's shard: either all of it happens or none.
 */
public final class PostStatus {

    private static final Pattern HASHTAG = Pattern.compile("(?:^|[^\\p{L}\\p{N}_/#])#([\\p{L}\\p{N}_]{1,64})");
    private static final int MAX_TAGS = 10;

    private final Graph graph;
    private final LimitsConfig limits;

    public PostStatus(Graph graph, LimitsConfig limits) {
        this.graph = graph;
        this.limits = limits;
    }

    public long post(long authorId, String text, List<Long> mediaIds, long inReplyToId) {
        String body = text == null ? "" : text;
        List<Long> media = mediaIds == null ? List.of() : List.copyOf(new LinkedHashSet<>(mediaIds));
        if (body.isBlank() && media.isEmpty()) {
            throw Problem.invalid("Validation failed: Text can't be blank");
        }
        int chars = body.codePointCount(0, body.length());
        if (chars > limits.maxStatusChars()) {
            throw Problem.invalid("Validation failed: Text character limit of " + limits.maxStatusChars() + " exceeded");
        }
        if (media.size() > limits.maxMediaPerStatus()) {
            throw Problem.invalid("Validation failed: Too many attachments (at most " + limits.maxMediaPerStatus() + ")");
        }
        if (!media.isEmpty()) {
            Map<Long, GraphObject> found = graph.objGetMany(media);
            for (long m : media) {
                GraphObject o = found.get(m);
                if (o == null || o.type() != ObjectType.MEDIA || o.as(Media.class).ownerId() != authorId) {
                    throw Problem.invalid("Validation failed: Media " + m + " not found");
                }
                if (o.as(Media.class).statusId() != 0) {
                    throw Problem.invalid("Validation failed: Media " + m + " is already attached to a post");
                }
                if (o.as(Media.class).processing()) {
                    throw Problem.invalid("Validation failed: Media " + m + " has not finished processing");
                }
            }
        }
        long parentAuthor = 0;
        if (inReplyToId != 0) {
            Status parent = graph.objGet(inReplyToId).filter(o -> o.type() == ObjectType.STATUS)
                    .orElseThrow(() -> Problem.notFound("Record not found")).as(Status.class);
            parentAuthor = parent.authorId();
        }
        List<String> tags = inReplyToId == 0 ? hashtags(body) : List.of();
        Status status = new Status(authorId, body, media, inReplyToId, parentAuthor, tags);
        long replyTo = parentAuthor;
        return graph.write(ScalegramId.shard(authorId), tx -> {
            long id = tx.nextId();
            for (long m : media) {
                // Locked and checked again inside the transaction: two posts racing for one photo, one wins.
                Media item = tx.objGetForUpdate(m).orElseThrow(() -> Problem.invalid("Validation failed: Media " + m
                        + " not found")).as(Media.class);
                if (item.statusId() != 0) {
                    throw Problem.invalid("Validation failed: Media " + m + " is already attached to a post");
                }
                tx.objUpdate(m, item.attachedTo(id));
            }
            tx.objAdd(id, ObjectType.STATUS, status);
            if (status.isComment()) {
                tx.assocAdd(id, Relation.COMMENT_ON, inReplyToId, id, null);
                if (replyTo != authorId) {
                    tx.enqueue(Tasks.NOTIFY, new Tasks.Notify(replyTo, Activity.Type.MENTION.name(), authorId, id));
                }
            } else {
                tx.assocAdd(authorId, Relation.POSTED, id, id, null);
                tx.enqueue(FanOut.FANOUT, new FanOut.Post(id, authorId));
                tx.enqueue(Tasks.PUBLISH, new Tasks.Publish(id, authorId, true));
                if (!tags.isEmpty()) {
                    tx.enqueue(Tasks.TAG, new Tasks.Tag(id, tags, true));
                }
            }
            return id;
        });
    }

    static List<String> hashtags(String text) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = HASHTAG.matcher(text);
        while (m.find() && out.size() < MAX_TAGS) {
            out.add(m.group(1).toLowerCase(Locale.ROOT));
        }
        return new ArrayList<>(out);
    }
}
