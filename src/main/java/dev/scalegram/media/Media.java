package dev.scalegram.media;

/**
 * An uploaded photo as stored in the graph (on its uploader's shard).
 *
 * @param blob the content address of the original in the {@link BlobStore}
 * @param statusId the status it is attached to, 0 while unattached: a photo belongs to one post
 */
public record Media(long ownerId, String contentType, long size, String blob, String description, int width,
                    int height, long statusId) {

    public Media attachedTo(long status) {
        return new Media(ownerId, contentType, size, blob, description, width, height, status);
    }
}
