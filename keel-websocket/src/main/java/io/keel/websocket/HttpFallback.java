package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.websocket.http.HttpRequest;
import io.keel.websocket.http.HttpResponses;
import java.nio.charset.StandardCharsets;

/**
 * Serves a plain HTTP GET that is not a WebSocket upgrade (a page, a health check...). Returns the complete
 * response bytes; the connection is closed once they are written. The request's {@link HttpRequest#target()} and
 * {@link HttpRequest#path()} are in origin-form even when the client sent an absolute URI
 * ({@code GET http://host/healthz}), so routing by path needs no care for the form; {@link HttpRequest#host()} is
 * the host the request is for.
 */
@FunctionalInterface
public interface HttpFallback {
    /**
     * Answers one plain HTTP GET, on the connection's event loop (so it must not block).
     *
     * @param request the parsed request head (the body, if any, is not read)
     * @param connection the connection it came on (its {@link Connection#remoteAddress()}, {@link
     *     Connection#isSecure()}...); don't send on it: return the response
     * @return the complete HTTP/1.1 response, head and body (see
     *     {@link io.keel.websocket.http.HttpResponses}); the layer writes it, then closes the connection.
     *     Not kept after it is written
     */
    byte[] respond(HttpRequest request, Connection connection);

    /**
     * The layer's default: a one-line text page at {@code /} saying to connect with a WebSocket client, 404
     * elsewhere.
     *
     * @param request the plain GET
     * @param connection the connection it came on (ws or wss is named from {@link Connection#isSecure()})
     * @return a complete 200 or 404 response
     */
    static byte[] defaultPage(HttpRequest request, Connection connection) {
        if (!request.path().equals("/")) {
            return HttpResponses.error(404, "not found");
        }
        String body = "Keel WebSocket server: connect with a WebSocket client ("
            + (connection.isSecure() ? "wss" : "ws") + "://).\n";
        return HttpResponses.ok("text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8), false);
    }
}
