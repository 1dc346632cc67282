package dev.scalegram.social;

import dev.scalegram.media.Media;
import java.util.List;

/** A status with everything a client shows next to it, for one viewer. */
public record StatusView(long id, Status status, AccountView author, List<MediaItem> media, long favourites,
                         long replies, boolean favourited, boolean bookmarked) {

    public record MediaItem(long id, Media media) {}
}
