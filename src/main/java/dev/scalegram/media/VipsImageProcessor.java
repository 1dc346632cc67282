package dev.scalegram.media;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * The {@link ImageProcessor} on Debian's libvips ({@code libvips42}), called through FFM: no JNI, no extra jar. It is
 * faster than the Java path mostly because {@code vips_thumbnail_buffer} decodes a JPEG already shrunk (libjpeg's DCT
 * scaling), so a 12-megapixel photo is never decoded at full size, and because it streams instead of holding the whole
 * decoded original.
 *
 * <p>The largest size is made from the original, then kept in memory (a 1080 px image, about 3 MB) and the smaller
 * ones are made from it, so the original is decoded once. Only a square that the largest size is too thin for (a
 * panorama) is cut from the original again. Sizes are forced to the exact dimensions
 * {@link ImageProcessor#widthFor}/{@link ImageProcessor#heightFor} give, so both processors describe a photo the same
 * way; those never exceed the original, so nothing is enlarged.
 *
 * <p>libvips is thread-safe; each call keeps its native memory in an arena of its own and releases every image it
 * made. Its operation cache is turned off: uploads never repeat, and cached results would hold their pixels. Its
 * worker threads are left at libvips's default (one per core): one upload alone gets every core, and uploads side by
 * side share them as any other work does.
 */
final class VipsImageProcessor implements ImageProcessor {

    /** The shared object Debian's {@code libvips42} installs (the soname of libvips 8.x). */
    static final String LIBRARY = "libvips.so.42";
    static final String PACKAGE = "libvips42";

    private static final int JPEG_QUALITY = 85;
    // Enums of libvips 8.14 (VipsSize, VipsInteresting).
    private static final int SIZE_DOWN = 2;
    private static final int SIZE_FORCE = 3;
    private static final int INTERESTING_NONE = 0;
    private static final int INTERESTING_CENTRE = 1;
    // VipsFailOn: an error in the file (a truncated or corrupt image) fails the load; by default libvips fills in
    // grey and carries on, as a browser would, but an upload that does not decode must be refused.
    private static final int FAIL_ON_ERROR = 2;

    private static Vips vips;
    private static String loadFailure;

    private final Vips lib;

    private VipsImageProcessor(Vips lib) {
        this.lib = lib;
    }

    /**
     * libvips, loaded and initialised once per JVM.
     *
     * @throws IllegalStateException naming the library and the package to install when it cannot be loaded
     */
    static synchronized VipsImageProcessor load() {
        if (vips == null && loadFailure == null) {
            try {
                vips = new Vips();
            } catch (IllegalArgumentException | IllegalStateException | UnsatisfiedLinkError e) {
                loadFailure = e.getMessage();
            }
        }
        if (vips == null) {
            throw new IllegalStateException("libvips is not available: cannot load " + LIBRARY + " (" + loadFailure
                    + "); install Debian's " + PACKAGE + " (apt-get install " + PACKAGE + ") or set media.processor "
                    + "to java");
        }
        return new VipsImageProcessor(vips);
    }

    /** libvips if it loads here, else empty. */
    static Optional<ImageProcessor> tryLoad() {
        try {
            return Optional.of(load());
        } catch (IllegalStateException e) {
            return Optional.empty();
        }
    }

    @Override
    public String name() {
        return "libvips " + lib.version;
    }

    @Override
    public Processed process(byte[] original, ImageHeader header) {
        // libvips 8.14 makes sizes of a PNG cut off in the middle (the missing rows filled in) even with fail_on set,
        // where ImageIO throws; UploadMedia checks this first, but the processor must not depend on it.
        if (!header.completeIn(original)) {
            throw new UploadMedia.Rejected("Validation failed: the image is truncated");
        }
        boolean jpeg = header.contentType().equals("image/jpeg");
        // Only a JPEG's EXIF orientation counts, as on the Java path; libvips would also turn other formats.
        int orientation = jpeg ? ExifOrientation.of(original) : ExifOrientation.NORMAL;
        boolean swap = ExifOrientation.swapsSides(orientation);
        int width = swap ? header.height() : header.width();
        int height = swap ? header.width() : header.height();

        // The arena closes last: images loaded from the buffer may read it until they are released.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(original.length);
            MemorySegment.copy(original, 0, buffer, ValueLayout.JAVA_BYTE, 0, original.length);
            List<MemorySegment> images = new ArrayList<>();
            try {
                return sizes(arena, buffer, jpeg, width, height, images);
            } finally {
                for (MemorySegment image : images.reversed()) {
                    lib.unref(image);
                }
            }
        }
    }

    /** Every size of the photo in {@code buffer}; each image made is added to {@code images}, to be released. */
    private Processed sizes(Arena arena, MemorySegment buffer, boolean jpeg, int width, int height,
            List<MemorySegment> images) {
        List<Size> sizes = ImageProcessor.SIZES;
        Rendition[] out = new Rendition[sizes.size()];
        MemorySegment largest = null;
        byte[] small = null;
        for (int k = sizes.size() - 1; k >= 0; k--) {
            Size size = sizes.get(k);
            int w = ImageProcessor.widthFor(size, width, height);
            int h = ImageProcessor.heightFor(size, width, height);
            MemorySegment image;
            if (largest == null) {
                // Decoded shrunk, turned upright, onto white, then held in memory for the other sizes.
                MemorySegment made = lib.thumbnailBuffer(arena, buffer, w, h, SIZE_FORCE, !jpeg, INTERESTING_NONE,
                        images);
                image = lib.copyMemory(lib.opaque(arena, made, images), images);
                largest = image;
            } else if (size.square() && Math.min(lib.width(largest), lib.height(largest)) < w) {
                // Too thin (a panorama) to cut a sharp square from: back to the original.
                image = lib.opaque(arena, lib.thumbnailBuffer(arena, buffer, w, h, SIZE_DOWN, !jpeg,
                        INTERESTING_CENTRE, images), images);
            } else {
                image = lib.thumbnailImage(arena, largest, w, h, size.square() ? SIZE_DOWN : SIZE_FORCE,
                        size.square() ? INTERESTING_CENTRE : INTERESTING_NONE, images);
            }
            byte[] bytes = lib.jpeg(arena, image);
            out[k] = new Rendition(size, lib.width(image), lib.height(image), bytes);
            if (!size.square()) {
                small = bytes; // the last plain size made is the smallest
            }
        }
        return new Processed(List.of(out), width, height, blurhash(small));
    }

    /** From the smallest plain size's JPEG, the way the Java path does, so both give the same hash. */
    private static String blurhash(byte[] smallJpeg) {
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(smallJpeg));
            if (img == null) {
                throw new IllegalStateException("libvips wrote a JPEG that ImageIO cannot read");
            }
            return JavaImageProcessor.blurhash(img);
        } catch (IOException e) {
            throw new IllegalStateException("reading back the small size failed", e);
        }
    }

    /**
     * The libvips (and GLib) functions used, bound once. libvips's operations are C varargs lists of name/value pairs
     * ending in NULL; FFM needs one handle per list shape, so each operation is always called with the same options
     * (a neutral value where one does not apply, e.g. crop NONE).
     */
    private static final class Vips {

        private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
        private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
        private static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;

        final String version;
        private final MethodHandle thumbnailBuffer;
        private final MethodHandle thumbnailImage;
        private final MethodHandle flatten;
        private final MethodHandle jpegsaveBuffer;
        private final MethodHandle hasAlpha;
        private final MethodHandle copyMemory;
        private final MethodHandle getWidth;
        private final MethodHandle getHeight;
        private final MethodHandle arrayDoubleNew;
        private final MethodHandle areaUnref;
        private final MethodHandle errorBuffer;
        private final MethodHandle errorClear;
        private final MethodHandle gFree;
        private final MethodHandle gObjectUnref;

        Vips() {
            Linker linker = Linker.nativeLinker();
            // Throws IllegalArgumentException when dlopen finds no such library.
            SymbolLookup vips = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
            // GLib's symbols come with libvips's dependencies; look in the libraries themselves if dlsym on libvips
            // does not reach them.
            SymbolLookup glib = vips.or(name -> SymbolLookup.libraryLookup("libglib-2.0.so.0", Arena.global())
                    .find(name)).or(name -> SymbolLookup.libraryLookup("libgobject-2.0.so.0", Arena.global())
                    .find(name));

            thumbnailBuffer = bind(linker, vips, "vips_thumbnail_buffer", FunctionDescriptor.of(INT,
                    PTR, SIZE_T, PTR, INT, // buf, len, &out, width
                    // height, size, no_rotate, crop, fail_on, NULL
                    PTR, INT, PTR, INT, PTR, INT, PTR, INT, PTR, INT, PTR),
                    4);
            thumbnailImage = bind(linker, vips, "vips_thumbnail_image", FunctionDescriptor.of(INT,
                    PTR, PTR, INT, // in, &out, width
                    PTR, INT, PTR, INT, PTR, INT, PTR, INT, PTR), // height, size, no_rotate, crop, NULL
                    3);
            flatten = bind(linker, vips, "vips_flatten", FunctionDescriptor.of(INT,
                    PTR, PTR, // in, &out
                    PTR, PTR, PTR), // background, NULL
                    2);
            jpegsaveBuffer = bind(linker, vips, "vips_jpegsave_buffer", FunctionDescriptor.of(INT,
                    PTR, PTR, PTR, // in, &buf, &len
                    PTR, INT, PTR, INT, PTR), // Q, strip, NULL
                    3);
            hasAlpha = bind(linker, vips, "vips_image_hasalpha", FunctionDescriptor.of(INT, PTR), -1);
            copyMemory = bind(linker, vips, "vips_image_copy_memory", FunctionDescriptor.of(PTR, PTR), -1);
            getWidth = bind(linker, vips, "vips_image_get_width", FunctionDescriptor.of(INT, PTR), -1);
            getHeight = bind(linker, vips, "vips_image_get_height", FunctionDescriptor.of(INT, PTR), -1);
            arrayDoubleNew = bind(linker, vips, "vips_array_double_new", FunctionDescriptor.of(PTR, PTR, INT), -1);
            areaUnref = bind(linker, vips, "vips_area_unref", FunctionDescriptor.ofVoid(PTR), -1);
            errorBuffer = bind(linker, vips, "vips_error_buffer", FunctionDescriptor.of(PTR), -1);
            errorClear = bind(linker, vips, "vips_error_clear", FunctionDescriptor.ofVoid(), -1);
            gFree = bind(linker, glib, "g_free", FunctionDescriptor.ofVoid(PTR), -1);
            gObjectUnref = bind(linker, glib, "g_object_unref", FunctionDescriptor.ofVoid(PTR), -1);
            MethodHandle init = bind(linker, vips, "vips_init", FunctionDescriptor.of(INT, PTR), -1);
            MethodHandle versionPart = bind(linker, vips, "vips_version", FunctionDescriptor.of(INT, INT), -1);
            MethodHandle cacheSetMax = bind(linker, vips, "vips_cache_set_max", FunctionDescriptor.ofVoid(INT), -1);
            try (Arena arena = Arena.ofConfined()) {
                if ((int) init.invokeExact(arena.allocateFrom("scalegram")) != 0) {
                    throw new IllegalStateException("vips_init failed: " + error());
                }
                cacheSetMax.invokeExact(0);
                version = (int) versionPart.invokeExact(0) + "." + (int) versionPart.invokeExact(1) + "."
                        + (int) versionPart.invokeExact(2);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        private static MethodHandle bind(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor d,
                int firstVariadic) {
            MemorySegment address = lookup.find(name).orElseThrow(() -> new IllegalStateException(
                    "no " + name + " in " + LIBRARY));
            return firstVariadic < 0 ? linker.downcallHandle(address, d)
                    : linker.downcallHandle(address, d, Linker.Option.firstVariadicArg(firstVariadic));
        }

        /** A thumbnail of an encoded image; its loader reads {@code buffer} lazily, so that must outlive it. */
        MemorySegment thumbnailBuffer(Arena arena, MemorySegment buffer, int width, int height, int size,
                boolean noRotate, int crop, List<MemorySegment> made) {
            MemorySegment out = arena.allocate(PTR);
            int rc;
            try {
                rc = (int) thumbnailBuffer.invokeExact(buffer, buffer.byteSize(), out, width,
                        arena.allocateFrom("height"), height, arena.allocateFrom("size"), size,
                        arena.allocateFrom("no_rotate"), noRotate ? 1 : 0, arena.allocateFrom("crop"), crop,
                        arena.allocateFrom("fail_on"), FAIL_ON_ERROR, MemorySegment.NULL);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            return result(rc, out, made);
        }

        /** A thumbnail of an image that already stands upright (never turned again, whatever its metadata says). */
        MemorySegment thumbnailImage(Arena arena, MemorySegment in, int width, int height, int size, int crop,
                List<MemorySegment> made) {
            MemorySegment out = arena.allocate(PTR);
            int rc;
            try {
                rc = (int) thumbnailImage.invokeExact(in, out, width, arena.allocateFrom("height"), height,
                        arena.allocateFrom("size"), size, arena.allocateFrom("no_rotate"), 1,
                        arena.allocateFrom("crop"), crop, MemorySegment.NULL);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            return result(rc, out, made);
        }

        /** {@code in} without alpha: transparent pixels onto white, as a browser shows them on a page. */
        MemorySegment opaque(Arena arena, MemorySegment in, List<MemorySegment> made) {
            try {
                if ((int) hasAlpha.invokeExact(in) == 0) {
                    return in;
                }
                MemorySegment white = (MemorySegment) arrayDoubleNew.invokeExact(
                        arena.allocateFrom(ValueLayout.JAVA_DOUBLE, 255.0, 255.0, 255.0), 3);
                MemorySegment out = arena.allocate(PTR);
                int rc;
                try {
                    rc = (int) flatten.invokeExact(in, out, arena.allocateFrom("background"), white,
                            MemorySegment.NULL);
                } finally {
                    areaUnref.invokeExact(white);
                }
                return result(rc, out, made);
            } catch (UploadMedia.Rejected e) {
                throw e;
            } catch (Throwable t) {
                throw unexpected(t);
            }
        }

        /**
         * {@code in} computed into memory: libvips images are lazy pipelines, and the smaller sizes made from this one
         * would otherwise each run the decode again.
         */
        MemorySegment copyMemory(MemorySegment in, List<MemorySegment> made) {
            MemorySegment image;
            try {
                image = (MemorySegment) copyMemory.invokeExact(in);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            if (image.equals(MemorySegment.NULL)) {
                throw rejected();
            }
            made.add(image);
            return image;
        }

        byte[] jpeg(Arena arena, MemorySegment image) {
            MemorySegment buf = arena.allocate(PTR);
            MemorySegment len = arena.allocate(SIZE_T);
            int rc;
            try {
                rc = (int) jpegsaveBuffer.invokeExact(image, buf, len, arena.allocateFrom("Q"), JPEG_QUALITY,
                        arena.allocateFrom("strip"), 1, MemorySegment.NULL);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            if (rc != 0) {
                throw rejected(); // a lazily decoded original fails here, when its pixels are first needed
            }
            MemorySegment bytes = buf.get(PTR, 0);
            try {
                return bytes.reinterpret(len.get(SIZE_T, 0)).toArray(ValueLayout.JAVA_BYTE);
            } finally {
                try {
                    gFree.invokeExact(bytes);
                } catch (Throwable t) {
                    throw unexpected(t);
                }
            }
        }

        int width(MemorySegment image) {
            try {
                return (int) getWidth.invokeExact(image);
            } catch (Throwable t) {
                throw unexpected(t);
            }
        }

        int height(MemorySegment image) {
            try {
                return (int) getHeight.invokeExact(image);
            } catch (Throwable t) {
                throw unexpected(t);
            }
        }

        void unref(MemorySegment image) {
            try {
                gObjectUnref.invokeExact(image);
            } catch (Throwable t) {
                throw unexpected(t);
            }
        }

        /** The image an operation wrote to {@code out}, recorded for release; or the reason it failed. */
        private MemorySegment result(int rc, MemorySegment out, List<MemorySegment> made) {
            if (rc != 0) {
                throw rejected();
            }
            MemorySegment image = out.get(PTR, 0);
            made.add(image);
            return image;
        }

        /** libvips only fails on input here: the image does not decode (corrupt, truncated, unsupported). */
        private UploadMedia.Rejected rejected() {
            return new UploadMedia.Rejected("Validation failed: the image could not be decoded (" + error() + ")");
        }

        /**
         * The text in libvips's error buffer, which is then cleared. The buffer is one per process: a call failing on
         * another thread at the same moment may add its lines.
         */
        private String error() {
            try {
                String text = ((MemorySegment) errorBuffer.invokeExact()).reinterpret(64 * 1024).getString(0).strip();
                errorClear.invokeExact();
                return text.isEmpty() ? "libvips gave no reason" : text.replace('\n', ' ');
            } catch (Throwable t) {
                throw unexpected(t);
            }
        }

        /** A method handle's checked Throwable; errors (a crash in native code) propagate as they are. */
        private static RuntimeException unexpected(Throwable t) {
            if (t instanceof Error e) {
                throw e;
            }
            return t instanceof RuntimeException r ? r : new IllegalStateException("libvips call failed", t);
        }
    }
}
