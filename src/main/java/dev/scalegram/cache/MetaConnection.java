package dev.scalegram.cache;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * One TCP connection to memcached with its own reusable request buffer and reply parser. Not thread-safe: the pool
 * hands it to one request at a time. A request is built into the buffer, sent with one {@link #flush()} (one write,
 * then one round trip of replies), and its replies read with {@link #read()}.
 *
 * <p>Blocking {@link Socket} I/O on purpose: on a virtual thread a blocked read unmounts the virtual thread instead
 * of holding its carrier, and the read timeout still applies.
 */
final class MetaConnection implements AutoCloseable {

    private static final int INITIAL_BUFFER = 8 * 1024;
    /** A request buffer that grew past this for one big value is dropped after use rather than kept forever. */
    private static final int KEPT_BUFFER = 256 * 1024;

    private final Socket socket;
    private final OutputStream out;
    private final MetaReader reader;
    private final MetaReply reply = new MetaReply();
    private final LongAdder roundTrips;
    private byte[] request = new byte[INITIAL_BUFFER];
    private int length;
    /** Whether a request has completed on this connection: only a connection that once worked is worth a retry. */
    private boolean proven;

    private MetaConnection(Socket socket, LongAdder roundTrips) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.reader = new MetaReader(socket.getInputStream(), 16 * 1024);
        this.roundTrips = roundTrips;
    }

    /** Connects with both timeouts applied; every round trip is counted in {@code roundTrips}. */
    static MetaConnection open(InetSocketAddress server, int connectTimeoutMillis, int readTimeoutMillis,
            LongAdder roundTrips) throws IOException {
        Socket s = new Socket();
        try {
            // Small requests and replies, one round trip each: Nagle would only add latency.
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.connect(server, connectTimeoutMillis);
            s.setSoTimeout(readTimeoutMillis);
            return new MetaConnection(s, roundTrips);
        } catch (IOException | RuntimeException e) {
            try {
                s.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Bytes of request built but not yet sent. */
    int pending() {
        return length;
    }

    boolean proven() {
        return proven;
    }

    void proven(boolean p) {
        proven = p;
    }

    /** Bytes received over the connection's life. */
    long received() {
        return reader.received();
    }

    MetaConnection put(byte[] ascii) {
        ensure(ascii.length);
        System.arraycopy(ascii, 0, request, length, ascii.length);
        length += ascii.length;
        return this;
    }

    /** A key, already checked by {@link CacheKeys#check} to be printable ASCII, so each char is one byte. */
    MetaConnection key(String key) {
        int n = key.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            request[length++] = (byte) key.charAt(i);
        }
        return this;
    }

    /** A non-negative decimal number, written without making a String. */
    MetaConnection number(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative number in a request: " + n);
        }
        ensure(20);
        if (n == 0) {
            request[length++] = '0';
            return this;
        }
        int digits = 0;
        for (long m = n; m > 0; m /= 10) {
            digits++;
        }
        int p = length + digits;
        for (long m = n; m > 0; m /= 10) {
            request[--p] = (byte) ('0' + (m % 10));
        }
        length += digits;
        return this;
    }

    MetaConnection data(byte[] value) {
        ensure(value.length + 2);
        System.arraycopy(value, 0, request, length, value.length);
        length += value.length;
        request[length++] = '\r';
        request[length++] = '\n';
        return this;
    }

    MetaConnection crlf() {
        ensure(2);
        request[length++] = '\r';
        request[length++] = '\n';
        return this;
    }

    /** Sends the built request in one write: the start of one round trip. */
    void flush() throws IOException {
        roundTrips.increment();
        out.write(request, 0, length);
        length = 0;
        if (request.length > KEPT_BUFFER) {
            request = new byte[INITIAL_BUFFER];
        }
    }

    /** The next reply, decoded into this connection's one reusable {@link MetaReply}. */
    MetaReply read() throws IOException {
        return reader.read(reply);
    }

    /** Forgets a request that was built but will not be sent. */
    void discardRequest() {
        length = 0;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing a broken socket can fail; it is gone either way.
        }
    }

    private void ensure(int more) {
        if (length + more > request.length) {
            request = Arrays.copyOf(request, Math.max(request.length * 2, length + more));
        }
    }
}
