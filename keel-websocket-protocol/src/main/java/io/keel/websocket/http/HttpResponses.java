package io.keel.websocket.http;

import java.nio.charset.StandardCharsets;

/**
 * Renders the small HTTP responses a WebSocket endpoint needs (errors always carry the {@code close} connection
 * option: the connection is closed after them).
 */
public final class HttpResponses {
    private HttpResponses() {
    }

    /** The RFC 9110 section 15 reason phrase of {@code status} ("Error" for a status Keel does not send). */
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

    /** {@link #error(int, String, String)} without extra headers. */
    public static byte[] error(int status, String message) {
        return error(status, message, null);
    }

    /**
     * An error response with a short text body, after which the connection is closed.
     *
     * <p>Headers the status requires are always added: a 405 gets {@code Allow: GET} (RFC 9110 section 15.5.6); a
     * 426 gets {@code Upgrade: websocket} (RFC 9110 section 15.5.22: it MUST name the protocol to upgrade to) and,
     * since a sender of {@code Upgrade} MUST also send the {@code upgrade} connection option (RFC 9110 section
     * 7.8), {@code Connection: Upgrade, close}; every other status gets {@code Connection: close} (RFC 9112 section
     * 9.6: the server closes after it).
     *
     * @param status       the status code
     * @param message      why, for the body (control characters replaced, cut at 200 characters); may be null
     * @param extraHeaders complete header lines each ending in CRLF, e.g. {@code "Sec-WebSocket-Version: 13\r\n"};
     *                     may be null
     * @return the complete response (head and body) in UTF-8
     */
    public static byte[] error(int status, String message, String extraHeaders) {
        String body = status + " " + reasonPhrase(status) + (message == null || message.isEmpty() ? "" : ": " + sanitize(message)) + "\n";
        StringBuilder sb = new StringBuilder(160 + body.length());
        sb.append("HTTP/1.1 ").append(status).append(' ').append(reasonPhrase(status)).append("\r\n");
        if (status == 405) {
            sb.append("Allow: GET\r\n");
        }
        if (status == 426) {
            sb.append("Upgrade: websocket\r\n");
        }
        if (extraHeaders != null) {
            sb.append(extraHeaders);
        }
        sb.append("Content-Type: text/plain; charset=utf-8\r\n");
        sb.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        // one Connection line: a client reading headers into a map must see both options
        sb.append(status == 426 ? "Connection: Upgrade, close\r\n\r\n" : "Connection: close\r\n\r\n");
        sb.append(body);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A 426 Upgrade Required for a handshake this server cannot take in its version (RFC 6455 section 4.4): it
     * carries {@code Upgrade: websocket}, {@code Connection: Upgrade, close} (see {@link #error(int, String, String)})
     * and the versions the client may retry with.
     *
     * @param versions the supported HyBi versions for {@code Sec-WebSocket-Version}, highest first, e.g. {@code "13, 8, 7"}
     * @param message  why, for the body
     * @return the complete response
     */
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
