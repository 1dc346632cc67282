package dev.scalegram.bench;

import dev.scalegram.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;

/**
 * Just enough of a Mastodon client to set a scenario up (an app, an account, a post) and to time the API. Requests
 * run on virtual threads; HTTP/1.1 keeps connections alive between requests.
 */
final class HttpApi implements AutoCloseable {

    private final URI base;
    private final HttpClient http;

    HttpApi(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    URI uri(String path) {
        return base.resolve(path.startsWith("/") ? path.substring(1) : path);
    }

    /** GET; the status code, the body discarded unread. For timing. */
    int getStatus(URI uri) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json").GET().build();
        return http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** GET as the holder of {@code token} (null: anonymous); the status code, the body discarded unread. For timing. */
    int getStatus(URI uri, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** POST a form as the holder of {@code token}; the status code, the body discarded unread. For timing. */
    int postFormStatus(URI uri, String token, String... kv) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json")
                .header("Content-Type", "application/x-www-form-urlencoded");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.POST(HttpRequest.BodyPublishers.ofString(form(kv))).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    JsonNode getJson(String path, String token) throws IOException, InterruptedException {
        return send(request(path, token).GET());
    }

    JsonNode postJson(String path, String token, Object body) throws IOException, InterruptedException {
        return send(request(path, token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))));
    }

    JsonNode postForm(String path, String token, String... kv) throws IOException, InterruptedException {
        return send(request(path, token).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(kv))));
    }

    /**
     * POST one file as {@code multipart/form-data} (field {@code field}), as the holder of {@code token}; the JSON
     * answer, which must be 200.
     */
    JsonNode postFile(String path, String token, String field, String filename, String contentType, byte[] file)
            throws IOException, InterruptedException {
        String boundary = "scalegram-bench-" + Long.toHexString(System.nanoTime());
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\""
                + filename + "\"\r\nContent-Type: " + contentType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        return send(request(path, token).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(head),
                        HttpRequest.BodyPublishers.ofByteArray(file), HttpRequest.BodyPublishers.ofByteArray(tail))));
    }

    private static String form(String... kv) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < kv.length; i += 2) {
            if (!b.isEmpty()) {
                b.append('&');
            }
            b.append(URLEncoder.encode(kv[i], StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(kv[i + 1], StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    private HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private JsonNode send(HttpRequest.Builder b) throws IOException, InterruptedException {
        HttpRequest r = b.build();
        HttpResponse<String> res = http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (res.statusCode() != 200) {
            throw new IOException(r.method() + " " + r.uri() + " answered " + res.statusCode() + ": " + res.body());
        }
        return Json.tree(res.body());
    }

    @Override
    public void close() {
        http.close();
    }
}
