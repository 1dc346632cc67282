package dev.scalegram.media;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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
        try {
            if (!Files.exists(target)) {
                Files.createDirectories(target.getParent());
                Path tmp = Files.createTempFile(target.getParent(), "up", ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store blob " + name, e);
        }
        return name;
    }

    /** The file of a blob, if the name is well-formed and the blob exists. */
    public Optional<Path> get(String name) {
        if (!NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        Path p = path(name);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
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
