package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.Timer;
import io.keel.websocket.http.HttpRequest;
import io.keel.websocket.protocol.HandshakeResult;
import io.keel.websocket.protocol.Handshaker;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The opening handshake of one connection (RFC 6455 section 4, Hixie-76 section 5): the request parser, its
 * timeout, and the answer to a request that is not an accepted upgrade (an error status, or the plain-HTTP
 * fallback). Made when the connection opens and dropped by {@link WebSocketConnection} once the WebSocket's
 * {@code onOpen} has returned, so that an open WebSocket keeps none of it; loop only.
 */
final class HandshakePhase {
    private final WebSocketProtocolHandler owner;
    private final Connection connection;
    private final Handshaker handshaker;
    private Timer timeout;
    /** The accepted upgrade request, for {@link WebSocket#request()} during onOpen. */
    private HttpRequest request;

    HandshakePhase(WebSocketProtocolHandler owner, Connection connection) {
        this.owner = owner;
        this.connection = connection;
        this.handshaker = new Handshaker(connection.isSecure() ? owner.secureHandshake : owner.plainHandshake);
        if (owner.handshakeTimeoutMillis > 0) {
            timeout = connection.schedule(this::timedOut, owner.handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Feeds the request's bytes to the parser. A refused upgrade (4xx) or a plain HTTP request (the fallback) is
     * answered here and the connection closed, with the rest of {@code data} consumed; an accepted upgrade stops
     * the timeout and leaves the bytes after the request (already frames) in {@code data}.
     *
     * @return the parser's result; only {@link HandshakeResult.Accepted} asks the caller to act
     */
    HandshakeResult receive(ByteBuffer data) {
        HandshakeResult result = handshaker.receive(data);
        switch (result) {
            case HandshakeResult.NeedMoreData n -> {
                // the parser keeps what it has seen; wait for more
            }
            case HandshakeResult.Rejected r -> {
                owner.stats.handshakesRejected.increment();
                owner.stats.refusalLog.log(System.Logger.Level.INFO, "upgrade refused with " + r.status() + " ("
                    + r.reason() + ") from " + connection.remoteAddress(), null);
                try {
                    owner.refusedUpgrade.refused(connection, r.status(), r.reason(), r.request());
                } catch (RuntimeException e) {
                    owner.stats.refusalLog.log(System.Logger.Level.WARNING, "the refused-upgrade listener threw", e);
                }
                answerAndClose(r.response(), data);
            }
            case HandshakeResult.NotWebSocket p -> {
                owner.stats.httpRequests.increment();
                answerAndClose(owner.httpFallback.respond(p.request(), connection), data);
            }
            case HandshakeResult.Accepted a -> {
                cancelTimeout();
                request = a.request();
            }
        }
        return result;
    }

    /** The accepted upgrade request; null before. */
    HttpRequest request() {
        return request;
    }

    private void answerAndClose(byte[] response, ByteBuffer data) {
        cancelTimeout();
        connection.send(ByteBuffer.wrap(response));
        connection.close();
        data.position(data.limit()); // refused or answered: the rest is ignored while we close
    }

    /** Stops the timeout; also when the connection closes during the handshake. */
    void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel();
            timeout = null;
        }
    }

    private void timedOut() {
        if (timeout == null) {
            return; // the handshake ended as this ran
        }
        timeout = null;
        if (connection.isOpen()) {
            owner.stats.handshakeTimeouts.increment();
            owner.stats.refusalLog.log(System.Logger.Level.INFO, "handshake timeout: closed "
                + connection.remoteAddress(), null);
            connection.abort();
        }
    }

    // A server's connections mostly share a few paths: reusing the previous handshake's String on this loop
    // keeps the copy that each open connection holds (about 50 bytes) to the odd one out.
    private static final ThreadLocal<String[]> LAST_PATH = ThreadLocal.withInitial(() -> new String[1]);

    /** {@code path}, or an equal String this loop's previous handshake kept (one copy shared by many WebSockets). */
    static String sharedPath(String path) {
        String[] last = LAST_PATH.get();
        if (path.equals(last[0])) {
            return last[0];
        }
        last[0] = path;
        return path;
    }
}
