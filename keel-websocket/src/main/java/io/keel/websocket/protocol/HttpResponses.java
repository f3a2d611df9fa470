package io.keel.websocket.protocol;

import java.nio.charset.StandardCharsets;

/** Renders the small HTTP responses a WebSocket endpoint needs (errors always carry {@code Connection: close}). */
public final class HttpResponses {
    private HttpResponses() {
    }

    public static String reasonPhrase(int status) {
        return switch (status) {
            case 101 -> "Switching Protocols";
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 426 -> "Upgrade Required";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
    }

    /** An error response with a short text body and {@code Connection: close}. */
    public static byte[] error(int status, String message) {
        return error(status, message, null);
    }

    /**
     * An error response with {@code Connection: close}; {@code extraHeaders} (may be null) are complete
     * lines each ending in CRLF, e.g. {@code "Sec-WebSocket-Version: 13, 8, 7\r\n"}. A 405 always gets
     * {@code Allow: GET}.
     */
    public static byte[] error(int status, String message, String extraHeaders) {
        String body = status + " " + reasonPhrase(status) + (message == null || message.isEmpty() ? "" : ": " + sanitize(message)) + "\n";
        StringBuilder sb = new StringBuilder(160 + body.length());
        sb.append("HTTP/1.1 ").append(status).append(' ').append(reasonPhrase(status)).append("\r\n");
        if (status == 405) {
            sb.append("Allow: GET\r\n");
        }
        if (extraHeaders != null) {
            sb.append(extraHeaders);
        }
        sb.append("Content-Type: text/plain; charset=utf-8\r\n");
        sb.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        sb.append("Connection: close\r\n\r\n");
        sb.append(body);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A 426 listing the supported HyBi versions, e.g. {@code "13, 8, 7"}. */
    public static byte[] upgradeRequired(String versions, String message) {
        return error(426, message, "Sec-WebSocket-Version: " + versions + "\r\n");
    }

    /**
     * A complete 200 response with the given content type and body, for the plain (non-upgrade) GET page.
     * {@code keepAlive=false} adds {@code Connection: close}.
     */
    public static byte[] ok(String contentType, byte[] body, boolean keepAlive) {
        String head = "HTTP/1.1 200 OK\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length + "\r\n"
                + (keepAlive ? "" : "Connection: close\r\n") + "\r\n";
        byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[h.length + body.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(body, 0, out, h.length, body.length);
        return out;
    }

    private static String sanitize(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7F ? ' ' : c);
        }
        return sb.toString();
    }
}
