package dev.scalegram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The load generator's HTTP client: bodies of every framing read whole, connections kept, stale ones replaced. */
class LeanHttpClientTest {

    @Test
    void readsFixedAndChunkedBodiesAndKeepsTheConnection() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicReference<String> auth = new AtomicReference<>();
        server.createContext("/fixed", ex -> {
            auth.set(ex.getRequestHeaders().getFirst("Authorization"));
            byte[] body = "x".repeat(20_000).getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/chunked", ex -> {
            ex.sendResponseHeaders(201, 0); // length 0: chunked
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 5; i++) {
                    out.write(("part " + i).repeat(1000).getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
        });
        server.createContext("/missing", ex -> {
            ex.sendResponseHeaders(404, -1); // no body
            ex.close();
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        try (LeanHttpClient http = new LeanHttpClient(base)) {
            LeanHttpClient.Request fixed = http.get("/fixed", Map.of("Authorization", "Bearer abc"));
            LeanHttpClient.Request chunked = http.get("/chunked?x=1", Map.of());
            LeanHttpClient.Request missing = http.get("/missing", Map.of());
            for (int i = 0; i < 20; i++) {
                assertEquals(200, http.send(fixed));
                assertEquals(201, http.send(chunked));
                assertEquals(404, http.send(missing));
            }
            assertEquals("Bearer abc", auth.get());
            // One request at a time, each answer read to its end: one connection carried all 60.
            assertEquals(1, http.connectionsOpened());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsReplaced() throws Exception {
        // Answers one request per connection with keep-alive, then closes it: the client finds out on its next send.
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket ss = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = Thread.ofVirtual().start(() -> {
                while (!ss.isClosed()) {
                    try (Socket s = ss.accept()) {
                        accepted.incrementAndGet();
                        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                                StandardCharsets.US_ASCII));
                        for (String l = in.readLine(); l != null && !l.isEmpty(); l = in.readLine()) {
                            // the request's head
                        }
                        s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                .getBytes(StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                        Thread.sleep(50); // the client has it and pools the connection; then it goes away
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            });
            try (LeanHttpClient http = new LeanHttpClient(URI.create("http://127.0.0.1:" + ss.getLocalPort()))) {
                LeanHttpClient.Request r = http.get("/", Map.of());
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, http.send(r));
                    Thread.sleep(200); // let the server close it
                }
                assertEquals(3, http.connectionsOpened());
                assertEquals(3, accepted.get());
            }
            ss.close();
            t.join();
        }
    }

    @Test
    void aServerThatIsNotThereIsAnError() throws Exception {
        int port;
        try (ServerSocket ss = new ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        try (LeanHttpClient http = new LeanHttpClient(URI.create("http://127.0.0.1:" + port))) {
            assertThrows(IOException.class, () -> http.send(http.get("/", Map.of())));
        }
    }
}
