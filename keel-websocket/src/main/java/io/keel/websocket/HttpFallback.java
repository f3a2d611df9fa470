package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.websocket.protocol.HttpRequest;

/**
 * Serves a plain HTTP GET that is not a WebSocket upgrade (a page, a health check...). Returns the complete
 * response bytes; the connection is closed once they are written.
 */
@FunctionalInterface
public interface HttpFallback {
    byte[] respond(HttpRequest request, Connection connection);
}
