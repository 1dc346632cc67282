package dev.scalegram.media;

/**
 * An uploaded photo as stored in the graph (on its uploader's shard).
 *
 * @param blob the content address of the original in the {@link BlobStore}
 */
public record Media(long ownerId, String contentType, long size, String blob, String description, int width,
                    int height) {}
