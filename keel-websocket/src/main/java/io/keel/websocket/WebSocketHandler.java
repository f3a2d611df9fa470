package io.keel.websocket;

import java.nio.ByteBuffer;

/**
 * The application's WebSocket callbacks, in the spirit of uWebSockets' behaviour struct. All callbacks for one
 * WebSocket run on its connection's event loop, one at a time, and must not block: use
 * {@link WebSocket#offload} for slow work. ByteBuffers are valid only during the callback (echo them straight
 * back with a send, or copy them).
 */
public interface WebSocketHandler {

    /** The upgrade is done (and, on wss://, the TLS handshake before it). */
    default void onOpen(WebSocket ws) {
    }

    /** A complete text message, already validated as UTF-8 (accumulating mode, the default). */
    default void onText(WebSocket ws, ByteBuffer utf8) {
    }

    /** A complete binary message (accumulating mode). */
    default void onBinary(WebSocket ws, ByteBuffer data) {
    }

    /**
     * Streaming mode: the next piece of a message as it arrived; {@code first} and {@code last} mark the message
     * boundaries. Text pieces are validated and hold whole code points.
     */
    default void onFragment(WebSocket ws, ByteBuffer data, boolean text, boolean first, boolean last) {
    }

    /** A ping arrived (the pong is sent for you). */
    default void onPing(WebSocket ws, ByteBuffer payload) {
    }

    default void onPong(WebSocket ws, ByteBuffer payload) {
    }

    /** The send queue drained under the low watermark after a send reported backpressure. */
    default void onDrain(WebSocket ws) {
    }

    /**
     * The WebSocket ended: {@code code} is the peer's close code (1005 when its close had none), the code of the
     * protocol error we closed with, or 1006 when the connection ended without a close handshake.
     */
    default void onClose(WebSocket ws, int code, String reason) {
    }
}
