package dev.scalegram.api;

import dev.scalegram.ids.ScalegramId;
import dev.scalegram.json.Json;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Request parameters from the query string and the body, whichever way the client sent them: JSON,
 * form-urlencoded or multipart (Mastodon accepts all three, and clients use all three). Array parameters come as
 * {@code name[]=a&name[]=b}, {@code name=a} or a JSON array; all read the same here.
 */
public final class Params {

    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final Map<String, Upload> files = new LinkedHashMap<>();
    /** Names sent as arrays or objects: fine for {@link #list}, a client error for {@link #string}. */
    private final java.util.Set<String> structured = new java.util.HashSet<>();

    /** An uploaded file part. */
    public record Upload(String filename, String contentType, byte[] bytes) {}

    public static Params parse(Map<String, List<String>> query, String contentType, byte[] body) {
        Params p = new Params();
        query.forEach((k, v) -> v.forEach(x -> p.add(k, x)));
        if (body == null || body.length == 0) {
            return p;
        }
        String type = contentType == null ? "" : contentType.toLowerCase(java.util.Locale.ROOT);
        if (type.startsWith("application/json")) {
            p.json(body);
        } else if (type.startsWith("multipart/form-data")) {
            Multipart.parse(type, contentType, body, p::add, (name, upload) -> p.files.put(name, upload));
        } else if (type.startsWith("application/x-www-form-urlencoded") || type.isEmpty()) {
            p.form(new String(body, StandardCharsets.UTF_8));
        } else {
            throw new ApiError(415, "Unsupported content type: " + contentType);
        }
        return p;
    }

    private void json(byte[] body) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiError.badRequest("Malformed JSON in request body");
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return;
        }
        if (!root.isObject()) {
            throw ApiError.badRequest("Request body must be a JSON object");
        }
        for (var e : root.properties()) {
            JsonNode v = e.getValue();
            if (v.isArray()) {
                for (JsonNode item : v) {
                    add(e.getKey(), scalar(item));
                }
                values.computeIfAbsent(stripBrackets(e.getKey()), k -> new ArrayList<>());
                structured.add(stripBrackets(e.getKey()));
            } else if (v.isObject()) {
                for (var inner : v.properties()) {
                    add(e.getKey() + "[" + inner.getKey() + "]", scalar(inner.getValue()));
                }
                structured.add(e.getKey());
            } else if (!v.isNull()) {
                add(e.getKey(), scalar(v));
            }
        }
    }

    private static String scalar(JsonNode n) {
        return n.isString() ? n.asString() : n.toString();
    }

    private void form(String body) {
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                add(k, v);
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("Malformed form body");
            }
        }
    }

    void add(String key, String value) {
        if (key.endsWith("[]")) {
            structured.add(stripBrackets(key));
        }
        values.computeIfAbsent(stripBrackets(key), k -> new ArrayList<>()).add(value);
    }

    private static String stripBrackets(String key) {
        return key.endsWith("[]") ? key.substring(0, key.length() - 2) : key;
    }

    public boolean has(String name) {
        return values.containsKey(name) || files.containsKey(name);
    }

    /** The value, or null; a list or an object where one value belongs is a 422. */
    public String string(String name) {
        if (structured.contains(name)) {
            throw ApiError.unprocessable("Validation failed: " + name + " must be a single value");
        }
        List<String> v = values.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    public String required(String name) {
        String v = string(name);
        if (v == null || v.isBlank()) {
            throw ApiError.unprocessable("Validation failed: " + name + " is missing");
        }
        return v;
    }

    public List<String> list(String name) {
        return values.getOrDefault(name, List.of());
    }

    /** An id that names a record: absent gives 0; anything that is not an id names nothing, hence 404. */
    public long recordId(String name) {
        String v = string(name);
        if (v == null || v.isEmpty()) {
            return 0;
        }
        return ScalegramId.parse(v).orElseThrow(ApiError::notFound);
    }

    public boolean bool(String name, boolean orElse) {
        String v = string(name);
        if (v == null) {
            return orElse;
        }
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "on", "yes" -> true;
            case "false", "0", "off", "no", "" -> false;
            default -> throw ApiError.unprocessable("Validation failed: " + name + " must be a boolean");
        };
    }

    /** An id parameter; absent gives 0; anything that is not an id is a 422 naming the parameter. */
    public long id(String name) {
        String v = string(name);
        if (v == null || v.isEmpty()) {
            return 0;
        }
        OptionalLong id = ScalegramId.parse(v);
        if (id.isEmpty()) {
            throw ApiError.unprocessable("Validation failed: " + name + " is not a valid id");
        }
        return id.getAsLong();
    }

    public List<Long> ids(String name) {
        List<Long> out = new ArrayList<>();
        for (String v : list(name)) {
            OptionalLong id = ScalegramId.parse(v);
            if (id.isEmpty()) {
                throw ApiError.unprocessable("Validation failed: " + name + " contains an invalid id: " + v);
            }
            out.add(id.getAsLong());
        }
        return out;
    }

    public int integer(String name, int orElse, int min, int max) {
        String v = string(name);
        if (v == null || v.isEmpty()) {
            return orElse;
        }
        try {
            return Math.max(min, Math.min(max, Integer.parseInt(v.trim())));
        } catch (NumberFormatException e) {
            throw ApiError.unprocessable("Validation failed: " + name + " must be a number");
        }
    }

    public Upload file(String name) {
        return files.get(name);
    }
}
