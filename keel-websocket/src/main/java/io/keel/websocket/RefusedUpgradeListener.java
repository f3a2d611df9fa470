package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.websocket.http.HttpRequest;

/**
 * Told of every request the WebSocket layer refuses with an HTTP error instead of upgrading it (RFC 6455 section
 * 4.2.2: 400 for a malformed or incomplete upgrade, 405 for a method other than GET, 426 with the supported
 * versions for an unsupported {@code Sec-WebSocket-Version}, 403 for a refused origin; also 400 for bytes that are no
 * HTTP request at all, such as a TLS ClientHello on a plain port). For access logs and metrics; the layer sends the
 * response and closes the connection itself. Register with {@link WebSocketProtocolHandler.Builder#onRefusedUpgrade}.
 */
@FunctionalInterface
public interface RefusedUpgradeListener {
    /**
     * Called on the connection's event loop, before the response is sent; must not block. An exception it throws is
     * logged and otherwise ignored.
     *
     * @param connection the connection the request came on ({@link Connection#remoteAddress()}, its TLS session)
     * @param status the HTTP status of the refusal, 400-499
     * @param reason why, in a short sentence (the response's body says the same)
     * @param request the parsed request head, or null when the bytes did not parse as an HTTP request
     */
    void refused(Connection connection, int status, String reason, HttpRequest request);
}
