package dev.scalegram.media;

import dev.scalegram.graph.Graph;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.ids.ScalegramId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Accepts a photo: checks the declared size, the real type from the file's first bytes (never the client's content
 * type alone), the pixel count from the header (a decompression bomb is never decoded) and that the file is whole;
 * then makes every size once ({@link ImageProcessor}), stores them content-addressed and records a MEDIA object on
 * the uploader's shard. The uploaded file itself is not kept: its metadata (location, camera) stays out.
 *
 * <p>A photo of more than {@code taskAbovePixels} is made into sizes by a task instead ({@link MediaWorker}): the
 * upload is kept aside, the MEDIA object is written as processing together with its task (so a task exists if and
 * only if the upload was acknowledged), and the client polls GET /api/v1/media/:id, as with Mastodon.
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
    private final ImageProcessor images;
    private final long maxBytes;
    private final long maxPixels;
    private final long taskAbovePixels;

    /** What an upload became: the MEDIA object and its id. */
    public record Uploaded(long id, Media media) {

        /** Whether its sizes are still being made by a task. */
        public boolean processing() {
            return media.processing();
        }
    }

    public UploadMedia(Graph graph, BlobStore blobs, ImageProcessor images, long maxBytes, long maxPixels,
            long taskAbovePixels) {
        this.graph = graph;
        this.blobs = blobs;
        this.images = images;
        this.maxBytes = maxBytes;
        this.maxPixels = maxPixels;
        this.taskAbovePixels = taskAbovePixels;
    }

    public Uploaded upload(long ownerId, byte[] bytes, String description) {
        ImageHeader header = check(bytes, description);
        int shard = ScalegramId.shard(ownerId);
        if (header.pixels() > taskAbovePixels) {
            String pending = blobs.putPending(bytes, header.extension());
            Media m = new Media(ownerId, header.contentType(), bytes.length, pending, description, header.width(),
                    header.height(), 0, List.of(), null, true);
            long id = graph.write(shard, tx -> {
                long mediaId = tx.objAdd(ObjectType.MEDIA, m);
                tx.enqueue(MediaWorker.PROCESS, new MediaWorker.Process(mediaId));
                return mediaId;
            });
            return new Uploaded(id, m);
        }
        Media m = made(blobs, ownerId, bytes.length, description, images.process(bytes, header));
        return new Uploaded(graph.write(shard, tx -> tx.objAdd(ObjectType.MEDIA, m)), m);
    }

    /**
     * Sets the alt text of one's own photo before it is posted (Mastodon's PUT /api/v1/media/:id); once attached to a
     * post it is part of that post and stays as it is.
     *
     * @return the photo as it is now, or empty if there is no such photo of {@code ownerId}'s
     * @throws Rejected if it is already attached, or the text is too long
     */
    public Optional<Media> describe(long ownerId, long mediaId, String description) {
        checkDescription(description);
        if (ScalegramId.shard(mediaId) != ScalegramId.shard(ownerId)) {
            return Optional.empty(); // photos live on their owner's shard
        }
        return graph.write(ScalegramId.shard(ownerId), tx -> {
            var found = tx.objGetForUpdate(mediaId).filter(o -> o.type() == ObjectType.MEDIA)
                    .map(o -> o.as(Media.class)).filter(m -> m.ownerId() == ownerId);
            if (found.isEmpty()) {
                return Optional.<Media>empty();
            }
            if (found.get().statusId() != 0) {
                throw new Rejected("Validation failed: Media is already attached to a post");
            }
            Media described = found.get().withDescription(description);
            tx.objUpdate(mediaId, described);
            return Optional.of(described);
        });
    }

    /** Everything that can be said about a file without decoding it; throws {@link Rejected} with the reason. */
    ImageHeader check(byte[] bytes, String description) {
        if (bytes == null || bytes.length == 0) {
            throw new Rejected("Validation failed: File is empty");
        }
        if (bytes.length > maxBytes) {
            throw new Rejected("Validation failed: File is larger than " + maxBytes + " bytes");
        }
        ImageHeader header = ImageHeader.read(bytes)
                .orElseThrow(() -> new Rejected("Validation failed: File is not a JPEG, PNG or WebP image"));
        if (header.pixels() > maxPixels) {
            throw new Rejected("Validation failed: the image is " + header.width() + "x" + header.height()
                    + " pixels, more than " + maxPixels + " in all");
        }
        if (!header.completeIn(bytes)) {
            throw new Rejected("Validation failed: the image is truncated");
        }
        checkDescription(description);
        return header;
    }

    private static void checkDescription(String description) {
        if (description != null && description.length() > 1500) {
            throw new Rejected("Validation failed: Description is longer than 1500 characters");
        }
    }

    /** Stores the sizes made of a photo and returns the MEDIA object that lists them. */
    static Media made(BlobStore blobs, long ownerId, long size, String description, ImageProcessor.Processed p) {
        List<Media.Variant> variants = new ArrayList<>();
        for (ImageProcessor.Rendition r : p.renditions()) {
            variants.add(new Media.Variant(r.size().name(), blobs.put(r.jpeg(), "jpg"), r.width(), r.height()));
        }
        return new Media(ownerId, "image/jpeg", size, variants.getLast().blob(), description, p.width(), p.height(), 0,
                variants, p.blurhash(), false);
    }
}
