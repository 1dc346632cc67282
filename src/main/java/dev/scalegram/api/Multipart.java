package dev.scalegram.api;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.BiConsumer;

/** A small multipart/form-data reader: enough for form fields and file uploads held in memory (bounded upstream). */
final class Multipart {

    private Multipart() {}

    static void parse(String lowerType, String contentType, byte[] body, BiConsumer<String, String> field,
                      BiConsumer<String, Params.Upload> file) {
        String boundary = boundary(contentType);
        if (boundary == null) {
            throw ApiError.badRequest("multipart body without a boundary");
        }
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int pos = indexOf(body, delimiter, 0);
        if (pos < 0) {
            throw ApiError.badRequest("Malformed multipart body");
        }
        while (true) {
            pos += delimiter.length;
            if (pos + 2 <= body.length && body[pos] == '-' && body[pos + 1] == '-') {
                return; // closing delimiter
            }
            pos = skipLineEnd(body, pos);
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
            if (headersEnd < 0) {
                throw ApiError.badRequest("Malformed multipart body");
            }
            String headers = new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8);
            int contentStart = headersEnd + 4;
            int next = indexOf(body, delimiter, contentStart);
            if (next < 0) {
                throw ApiError.badRequest("Malformed multipart body: missing closing boundary");
            }
            int contentEnd = next;
            if (contentEnd >= 2 && body[contentEnd - 2] == '\r' && body[contentEnd - 1] == '\n') {
                contentEnd -= 2;
            }
            String name = attribute(headers, "name");
            String filename = attribute(headers, "filename");
            if (name != null) {
                byte[] content = java.util.Arrays.copyOfRange(body, contentStart, contentEnd);
                if (filename != null) {
                    file.accept(name, new Params.Upload(filename, header(headers, "content-type"), content));
                } else {
                    field.accept(name, new String(content, StandardCharsets.UTF_8));
                }
            }
            pos = next;
        }
    }

    private static String boundary(String contentType) {
        for (String part : contentType.split(";")) {
            String p = part.trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = p.substring(9);
                return b.startsWith("\"") && b.endsWith("\"") && b.length() >= 2 ? b.substring(1, b.length() - 1) : b;
            }
        }
        return null;
    }

    private static String attribute(String headers, String name) {
        for (String line : headers.split("\r\n")) {
            if (!line.toLowerCase(Locale.ROOT).startsWith("content-disposition:")) {
                continue;
            }
            for (String part : line.split(";")) {
                String p = part.trim();
                if (p.toLowerCase(Locale.ROOT).startsWith(name + "=")) {
                    String v = p.substring(name.length() + 1);
                    return v.startsWith("\"") && v.endsWith("\"") && v.length() >= 2 ? v.substring(1, v.length() - 1) : v;
                }
            }
        }
        return null;
    }

    private static String header(String headers, String name) {
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static int skipLineEnd(byte[] b, int pos) {
        if (pos + 1 < b.length && b[pos] == '\r' && b[pos + 1] == '\n') {
            return pos + 2;
        }
        return pos;
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
