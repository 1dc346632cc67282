package dev.scalegram.media;

import java.util.List;
import java.util.Optional;

/**
 * An uploaded photo as stored in the graph (on its uploader's shard).
 *
 * @param contentType the type of what is served: {@code image/jpeg} for photos made into sizes
 * @param size the uploaded file's size in bytes
 * @param blob the content address of the largest size in the {@link BlobStore} (what {@code url} points to); the
 *     uploaded file itself is not kept, since it carries metadata (location, camera) the sizes leave out
 * @param width the upright photo's width (after its EXIF orientation)
 * @param height the upright photo's height
 * @param statusId the status it is attached to, 0 while unattached: a photo belongs to one post
 * @param variants the sizes made at upload, smallest first (see {@link ImageProcessor#SIZES}); empty while processing
 * @param blurhash the placeholder clients draw while the photo loads; null while processing
 * @param processing whether its sizes are still being made (a large upload, processed by a task); photos stored before
 *     the pipeline existed read as false, with no variants, and are served as they were uploaded
 */
public record Media(long ownerId, String contentType, long size, String blob, String description, int width,
                    int height, long statusId, List<Variant> variants, String blurhash, boolean processing) {

    /** One stored size. */
    public record Variant(String name, String blob, int width, int height) {}

    public Media {
        variants = variants == null ? List.of() : List.copyOf(variants);
    }

    public Media attachedTo(long status) {
        return new Media(ownerId, contentType, size, blob, description, width, height, status, variants, blurhash,
                processing);
    }

    public Media withDescription(String text) {
        return new Media(ownerId, contentType, size, blob, text, width, height, statusId, variants, blurhash,
                processing);
    }

    public Optional<Variant> variant(String name) {
        return variants.stream().filter(v -> v.name().equals(name)).findFirst();
    }
}
