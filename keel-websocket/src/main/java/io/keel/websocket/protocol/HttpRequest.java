package io.keel.websocket.protocol;

/**
 * A parsed HTTP/1.x request head.
 *
 * @param method  the method token, e.g. {@code GET}
 * @param target  the request-target as sent (path and query), e.g. {@code /chat?x=1}
 * @param version {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param headers case-insensitive headers
 */
public record HttpRequest(String method, String target, String version, HttpHeaders headers) {
    /** The path without query string. */
    public String path() {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }
}
