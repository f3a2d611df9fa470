package io.keel.echo;

import io.keel.core.Connection;
import io.keel.core.ConnectionHandler;
import io.keel.websocket.HttpFallback;
import io.keel.websocket.http.HttpParseException;
import io.keel.websocket.http.HttpUpgradeRequestParser;
import java.nio.ByteBuffer;

/**
 * The admin listener ({@code --admin-port}): plain HTTP/1.1, one GET per connection answered by an
 * {@link HttpFallback} ({@link HttpEndpoints#forAdminPort}), then the connection is closed. No WebSocket, no TLS:
 * a health check or a Prometheus scrape from this machine or a trusted network.
 */
final class AdminHttpHandler implements ConnectionHandler {
    private final HttpFallback endpoints;

    AdminHttpHandler(HttpFallback endpoints) {
        this.endpoints = endpoints;
    }

    @Override
    public void onOpen(Connection connection) {
        connection.attach(new HttpUpgradeRequestParser());
    }

    @Override
    public void onData(Connection connection, ByteBuffer data) {
        if (!(connection.attachment() instanceof HttpUpgradeRequestParser parser)) {
            data.position(data.limit()); // answered: the rest is ignored while the connection closes
            return;
        }
        byte[] response;
        try {
            var request = parser.parse(data);
            if (request == null) {
                return; // the head is not complete yet
            }
            response = endpoints.respond(request, connection);
        } catch (HttpParseException e) {
            response = e.response();
        }
        connection.attach(null);
        data.position(data.limit());
        connection.send(ByteBuffer.wrap(response));
        connection.close();
    }
}
