package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.websocket.http.HttpRequest;

/**
 * Serves a plain HTTP GET that is not a WebSocket upgrade (a page, a health check...). Returns the complete
 * response bytes; the connection is closed once they are written. The request's {@link HttpRequest#target()} and
 * {@link HttpRequest#path()} are in origin-form even when the client sent an absolute URI
 * ({@code GET http://host/healthz}), so routing by path needs no care for the form; {@link HttpRequest#host()} is
 * the host the request is for.
 */
@FunctionalInterface
public interface HttpFallback {
    byte[] respond(HttpRequest request, Connection connection);
}
