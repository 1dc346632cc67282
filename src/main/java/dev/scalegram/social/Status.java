package dev.scalegram.social;

import java.util.List;

/**
 * A post or, when {@code inReplyToId} is set, a comment on one. Stored on its author's shard; its id gives its time.
 *
 * @param tags lower-cased hashtags found in the text
 */
public record Status(long authorId, String text, List<Long> mediaIds, long inReplyToId, long inReplyToAccountId,
                     List<String> tags) {

    /** Immutable, because decoded statuses are shared between requests (see GraphObject#as). */
    public Status {
        mediaIds = mediaIds == null ? List.of() : List.copyOf(mediaIds);
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isComment() {
        return inReplyToId != 0;
    }
}
