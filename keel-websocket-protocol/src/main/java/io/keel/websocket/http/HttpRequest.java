package io.keel.websocket.http;

/**
 * A parsed HTTP/1.x request head.
 *
 * <p>A GET's request-target comes in origin-form ({@code /chat?x=1}) or absolute-form
 * ({@code ws://example.com:9001/chat?x=1}, RFC 9112 section 3.2.2). The parser normalizes both: {@link #target()}
 * is always the origin-form (path and query), so everything that routes by path ({@link #path()}, the HTTP
 * fallback, {@code WebSocket.path()}) sees the same value whichever form the client used. For absolute-form the
 * URI's scheme and authority are kept in {@link #scheme()} and {@link #authority()}.
 *
 * @param method    the method token, e.g. {@code GET}
 * @param target    the request-target in origin-form: path and query, e.g. {@code /chat?x=1}; for absolute-form the
 *                  URI's path and query, with the path {@code /} when the URI's is empty (RFC 9112 section 3.3,
 *                  RFC 6455 section 3 "resource name")
 * @param version   {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param headers   case-insensitive headers, as received (the received {@code Host} too: see {@link #host()})
 * @param scheme    the lower-case scheme of an absolute-form target ({@code ws}, {@code wss}, {@code http} or
 *                  {@code https}); null for origin-form
 * @param authority the authority ({@code host[:port]}) of an absolute-form target as sent; null for origin-form
 */
public record HttpRequest(String method, String target, String version, HttpHeaders headers, String scheme,
                          String authority) {

    /** An origin-form request (no scheme, no authority). */
    public HttpRequest(String method, String target, String version, HttpHeaders headers) {
        this(method, target, version, headers, null, null);
    }

    /** The path without query string. */
    public String path() {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    /** Whether the request-target was in absolute-form (RFC 9112 section 3.2.2). */
    public boolean isAbsoluteForm() {
        return authority != null;
    }

    /**
     * The host (and port) the request is for: for absolute-form the URI's authority, since RFC 9112 section 3.2.2
     * says an origin server MUST ignore the received {@code Host} then; otherwise the first {@code Host} header
     * value. Host-dependent logic (the Hixie-76 {@code Sec-WebSocket-Location}, an application's same-origin check)
     * should use this rather than the {@code Host} header.
     *
     * @return the authority, the {@code Host} value, or null when origin-form without a {@code Host} header
     */
    public String host() {
        return authority != null ? authority : headers.get("Host");
    }
}
