package dev.scalegram.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns a cached value into bytes and back.
 *
 * <p>{@link ReadThrough} stores "absent" as zero bytes, so {@link #encode} must return at least one byte for every
 * value; {@link #decode} is never called with zero bytes.
 */
public interface Codec<T> {

    byte[] encode(T value);

    T decode(byte[] bytes);

    /** A long as decimal ASCII: the format memcached's own arithmetic ({@code ma}, incr/decr) works on. */
    Codec<Long> LONG = of(
            v -> Long.toString(v).getBytes(StandardCharsets.US_ASCII),
            b -> Long.parseLong(new String(b, StandardCharsets.US_ASCII)));

    /** The bytes themselves. An empty array cannot be stored (zero bytes mean absent). */
    Codec<byte[]> BYTES = of(b -> b, b -> b);

    /**
     * Longs packed big-endian, 8 bytes each (id lists, range pages). The empty array, common for empty ranges, is one
     * zero byte because zero bytes mean absent.
     */
    Codec<long[]> LONG_ARRAY = of(Codec::packLongs, Codec::unpackLongs);

    /** A codec from two functions. */
    static <T> Codec<T> of(Function<? super T, byte[]> encode, Function<byte[], ? extends T> decode) {
        Objects.requireNonNull(encode, "encode");
        Objects.requireNonNull(decode, "decode");
        return new Codec<>() {
            @Override
            public byte[] encode(T value) {
                return encode.apply(value);
            }

            @Override
            public T decode(byte[] bytes) {
                return decode.apply(bytes);
            }
        };
    }

    private static byte[] packLongs(long[] values) {
        if (values.length == 0) {
            return new byte[1];
        }
        ByteBuffer b = ByteBuffer.allocate(values.length * Long.BYTES);
        b.asLongBuffer().put(values);
        return b.array();
    }

    private static long[] unpackLongs(byte[] bytes) {
        if (bytes.length == 1) {
            return new long[0];
        }
        if (bytes.length % Long.BYTES != 0) {
            throw new IllegalArgumentException("not a packed long array: " + bytes.length + " bytes");
        }
        long[] values = new long[bytes.length / Long.BYTES];
        ByteBuffer.wrap(bytes).asLongBuffer().get(values);
        return values;
    }
}
