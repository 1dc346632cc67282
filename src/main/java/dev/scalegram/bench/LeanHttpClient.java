package dev.scalegram.bench;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal HTTP/1.1 client for timing GETs: blocking sockets on the caller's (virtual) thread, keep-alive, one
 * connection per request in flight, taken from and returned to a pool. It reads the status, the headers it needs
 * ({@code Content-Length}, {@code Transfer-Encoding: chunked}, {@code Connection: close}) and skips the body.
 *
 * <p>Why not {@code java.net.http}: on the 2-core machine, against {@code /plaintext} with 16 clients in a closed
 * loop, it spent 33-46 µs of CPU per request (its selector thread, futures and body subscribers) and got about half
 * the rate of this client, which spent 12-13 µs. The load generator shares the cores with the server, so a client
 * that costs more than the server's cheapest endpoint would be what the plaintext search measures.
 */
final class LeanHttpClient implements AutoCloseable {

    /** A request, its bytes built once and sent as many times as wanted. */
    record Request(String target, byte[] bytes) {}

    private static final int TIMEOUT_MILLIS = 30_000;

    private final String host;
    private final int port;
    private final ConcurrentLinkedDeque<Conn> idle = new ConcurrentLinkedDeque<>();
    private final AtomicLong opened = new AtomicLong();
    private volatile boolean closed;

    LeanHttpClient(URI base) {
        this.host = base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : 80;
    }

    /** A GET of {@code target} (path and query, starting with {@code /}) with these extra headers. */
    Request get(String target, Map<String, String> headers) {
        StringBuilder b = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: ").append(host)
                .append(':').append(port).append("\r\n");
        headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
        return new Request(target, b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Sends {@code r} and reads the whole answer; returns its status. A kept-alive connection the server closed while
     * it was idle fails before any byte comes back: then the request is sent once more on a new connection, as
     * browsers and {@code java.net.http} do for a GET.
     */
    int send(Request r) throws IOException {
        Conn c = idle.pollFirst();
        boolean reused = c != null;
        if (c == null) {
            c = open();
        }
        try {
            return exchange(c, r);
        } catch (StaleConnection e) {
            c.close();
            if (!reused) {
                throw e;
            }
            Conn fresh = open();
            try {
                return exchange(fresh, r);
            } catch (IOException | RuntimeException again) {
                fresh.close();
                throw again;
            }
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Connections opened so far: with keep-alive, about the most requests that were in flight at once. */
    long connectionsOpened() {
        return opened.get();
    }

    private Conn open() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), 5_000);
            s.setSoTimeout(TIMEOUT_MILLIS);
            opened.incrementAndGet();
            return new Conn(s, new BufferedInputStream(s.getInputStream(), 16 * 1024), s.getOutputStream());
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private int exchange(Conn c, Request r) throws IOException {
        try {
            c.out.write(r.bytes());
            c.out.flush();
        } catch (IOException e) {
            throw new StaleConnection(e);
        }
        int first;
        try {
            first = c.in.read();
        } catch (IOException e) {
            throw new StaleConnection(e);
        }
        if (first < 0) {
            throw new StaleConnection(new EOFException("connection closed before the answer"));
        }
        String status = line(c.in, first);
        if (!status.startsWith("HTTP/1.") || status.length() < 12) {
            throw new IOException("not an HTTP/1.x status line: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = status.startsWith("HTTP/1.0");
        for (String h = line(c.in, c.in.read()); !h.isEmpty(); h = line(c.in, c.in.read())) {
            int colon = h.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = h.substring(0, colon).trim();
            String value = h.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
            } else if (name.equalsIgnoreCase("Connection")) {
                close = value.equalsIgnoreCase("close");
            }
        }
        if (chunked) {
            while (true) {
                String size = line(c.in, c.in.read());
                int semi = size.indexOf(';');
                long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    while (!line(c.in, c.in.read()).isEmpty()) {
                        // trailers
                    }
                    break;
                }
                c.in.skipNBytes(n);
                line(c.in, c.in.read()); // the CRLF after the chunk
            }
        } else if (length >= 0) {
            c.in.skipNBytes(length);
        } else if (code != 204 && code != 304 && code >= 200) {
            // No length: the body runs to the end of the connection.
            c.in.transferTo(OutputStream.nullOutputStream());
            close = true;
        }
        if (close || closed) {
            c.close();
        } else {
            idle.offerFirst(c);
        }
        return code;
    }

    /** One header line, without its CRLF, starting with the byte already read. */
    private static String line(InputStream in, int first) throws IOException {
        StringBuilder b = new StringBuilder(64);
        int ch = first;
        while (ch != '\n') {
            if (ch < 0) {
                throw new EOFException("connection closed in the middle of an answer");
            }
            if (ch != '\r') {
                b.append((char) ch);
            }
            ch = in.read();
        }
        return b.toString();
    }

    @Override
    public void close() {
        closed = true;
        for (Conn c = idle.pollFirst(); c != null; c = idle.pollFirst()) {
            c.close();
        }
    }

    /** Failed before any of the answer came back: the request may be sent again. */
    private static final class StaleConnection extends IOException {
        StaleConnection(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private record Conn(Socket socket, InputStream in, OutputStream out) {
        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
