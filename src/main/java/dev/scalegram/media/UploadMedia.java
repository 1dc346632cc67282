package dev.scalegram.media;

import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.ids.ScalegramId;

/**
 * Accepts a photo: checks the declared size and the real type from the file's first bytes (never the client's
 * content type alone), stores the original and records a MEDIA object on the uploader's shard.
 */
public final class UploadMedia {

    /** Thrown for input that is not an acceptable photo; the API answers 422. */
    public static final class Rejected extends RuntimeException {
        public Rejected(String message) {
            super(message, null, false, false);
        }
    }

    private final Graph graph;
    private final BlobStore blobs;
    private final long maxBytes;

    public UploadMedia(Graph graph, BlobStore blobs, long maxBytes) {
        this.graph = graph;
        this.blobs = blobs;
        this.maxBytes = maxBytes;
    }

    public long upload(long ownerId, byte[] bytes, String description) {
        if (bytes == null || bytes.length == 0) {
            throw new Rejected("Validation failed: File is empty");
        }
        if (bytes.length > maxBytes) {
            throw new Rejected("Validation failed: File is larger than " + maxBytes + " bytes");
        }
        ImageHeader header = ImageHeader.read(bytes)
                .orElseThrow(() -> new Rejected("Validation failed: File is not a JPEG, PNG or WebP image"));
        if (description != null && description.length() > 1500) {
            throw new Rejected("Validation failed: Description is longer than 1500 characters");
        }
        String blob = blobs.put(bytes, header.extension());
        Media m = new Media(ownerId, header.contentType(), bytes.length, blob, description, header.width(), header.height(), 0);
        return graph.write(ScalegramId.shard(ownerId), tx -> tx.objAdd(ObjectType.MEDIA, m));
    }
}
