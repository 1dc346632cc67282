package dev.scalegram.media;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Content-addressed files under a directory: a blob's name is the SHA-256 of its bytes plus an extension, so the same
 * photo is stored once and a URL never changes meaning (which is what makes year-long cache headers safe).
 */
public final class BlobStore {

    private static final Pattern NAME = Pattern.compile("[0-9a-f]{64}\\.(jpg|png|webp|gif)");

    private static final String PENDING = "pending";

    private final Path root;

    public BlobStore(Path root) {
        this.root = root;
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stores bytes (atomically: written aside, then renamed) and returns the blob's name. */
    public String put(byte[] bytes, String extension) {
        String name = sha256(bytes) + "." + extension;
        Path target = path(name);
        if (!Files.exists(target)) {
            write(target, bytes, "blob " + name);
        }
        return name;
    }

    /**
     * Keeps an upload until a task has made its sizes: under {@code pending/}, which {@link #get} never serves (the
     * original carries metadata that is not to be published). Returns its name for {@link #pending}.
     */
    public String putPending(byte[] bytes, String extension) {
        String name = sha256(bytes) + "." + extension;
        write(root.resolve(PENDING).resolve(name), bytes, "upload " + name);
        return name;
    }

    /** A pending upload's bytes, if it is still there. */
    public Optional<byte[]> pending(String name) {
        if (!NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readAllBytes(root.resolve(PENDING).resolve(name)));
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read upload " + name, e);
        }
    }

    /** Drops a pending upload once its sizes are stored (or it turned out not to decode). */
    public void dropPending(String name) {
        if (!NAME.matcher(name).matches()) {
            return;
        }
        try {
            Files.deleteIfExists(root.resolve(PENDING).resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove upload " + name, e);
        }
    }

    /** The file of a blob, if the name is well-formed and the blob exists. */
    public Optional<Path> get(String name) {
        if (!NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        Path p = path(name);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** Writes aside, then renames: a reader sees the whole file or none. */
    private static void write(Path target, byte[] bytes, String what) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), "up", ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store " + what, e);
        }
    }

    private Path path(String name) {
        return root.resolve(name.substring(0, 2)).resolve(name);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
