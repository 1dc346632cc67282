package dev.scalegram.media;

import dev.scalegram.graph.Graph;
import dev.scalegram.graph.GraphObject;
import dev.scalegram.graph.ObjectType;
import dev.scalegram.ids.ScalegramId;
import dev.scalegram.json.Json;
import dev.scalegram.tasks.Task;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Makes the sizes of a large upload ({@link UploadMedia} kept it aside and wrote the MEDIA object as processing in the
 * same transaction as this task). Runs again harmlessly: a photo already made is left alone. A photo that turns out
 * not to decode is removed, so the client polling it gets 404 and cannot attach it.
 */
public final class MediaWorker {

    public static final String PROCESS = "media.process";

    private static final Logger LOG = Logger.getLogger(MediaWorker.class.getName());

    public record Process(long mediaId) {}

    private final Graph graph;
    private final BlobStore blobs;
    private final ImageProcessor images;

    public MediaWorker(Graph graph, BlobStore blobs, ImageProcessor images) {
        this.graph = graph;
        this.blobs = blobs;
        this.images = images;
    }

    public void process(Task task) {
        long id = Json.convert(task.payload(), Process.class).mediaId();
        Optional<Media> found = graph.objGet(id).filter(o -> o.type() == ObjectType.MEDIA)
                .map(o -> o.as(Media.class));
        if (found.isEmpty() || !found.get().processing()) {
            return; // deleted, or made by an earlier run of this task
        }
        Media m = found.get();
        int shard = ScalegramId.shard(id);
        Optional<byte[]> bytes = blobs.pending(m.blob());
        ImageProcessor.Processed made = null;
        String failure = null;
        if (bytes.isEmpty()) {
            failure = "the upload kept for it is gone";
        } else {
            try {
                ImageHeader header = ImageHeader.read(bytes.get())
                        .orElseThrow(() -> new UploadMedia.Rejected("not a JPEG, PNG or WebP image"));
                made = images.process(bytes.get(), header);
            } catch (UploadMedia.Rejected e) {
                failure = e.getMessage();
            }
        }
        if (failure != null) {
            LOG.warning("media " + id + " could not be made into sizes and is removed: " + failure);
            graph.write(shard, tx -> tx.objDelete(id));
            blobs.dropPending(m.blob());
            return;
        }
        Media done = UploadMedia.made(blobs, m.ownerId(), m.size(), m.description(), made);
        graph.write(shard, tx -> {
            Optional<GraphObject> current = tx.objGetForUpdate(id);
            if (current.isEmpty() || !current.get().as(Media.class).processing()) {
                return false;
            }
            // The alt text may have changed while it was processing: the current one is kept.
            return tx.objUpdate(id, done.withDescription(current.get().as(Media.class).description()));
        });
        blobs.dropPending(m.blob());
    }
}
