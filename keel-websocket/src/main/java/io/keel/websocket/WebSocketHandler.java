package io.keel.websocket;

import java.nio.ByteBuffer;

/**
 * The application's WebSocket callbacks; every method has an empty default, so a handler overrides only what it
 * uses. All callbacks for one WebSocket run on its connection's event loop, one at a time, and must not block:
 * use {@link WebSocket#offload} for slow work. A ByteBuffer passed in is the layer's (often a view into a pooled
 * buffer), valid only during the callback, from its position to its limit: echo it straight back with a send
 * (which copies or writes it before returning) or copy it; don't keep it. An exception thrown by a callback
 * other than {@link #onClose} goes to the server, which logs it and aborts the connection (onClose then reports
 * 1006 unless a close was already exchanged).
 */
public interface WebSocketHandler {

    /**
     * The upgrade is done (and, on wss://, the TLS handshake before it): the WebSocket may send.
     * {@link WebSocket#request()} holds the upgrade request during this call only.
     */
    default void onOpen(WebSocket ws) {
    }

    /**
     * A complete text message (RFC 6455 section 5.6), its fragments joined, already validated as UTF-8 (section
     * 8.1); called when streaming is off, the default.
     *
     * @param utf8 the message from position to limit; the layer's, valid during this call only
     */
    default void onText(WebSocket ws, ByteBuffer utf8) {
    }

    /**
     * A complete binary message (RFC 6455 section 5.6), its fragments joined; called when streaming is off.
     *
     * @param data the message from position to limit; the layer's, valid during this call only
     */
    default void onBinary(WebSocket ws, ByteBuffer data) {
    }

    /**
     * With {@link WebSocketProtocolHandler.Builder#streaming streaming} on: the next piece of a message as it
     * arrived (RFC 6455 section 5.4), instead of {@link #onText}/{@link #onBinary}. Pieces do not follow the
     * client's frame boundaries. Parameters in the order of {@link WebSocket#sendFragment}'s.
     *
     * @param data this piece, from position to limit (may be empty); the layer's, valid during this call only.
     *     Text pieces are validated and hold whole code points
     * @param text the message is text (else binary); the same for every piece of a message
     * @param first this piece starts a message
     * @param last this piece ends it
     */
    default void onFragment(WebSocket ws, ByteBuffer data, boolean text, boolean first, boolean last) {
    }

    /**
     * A ping arrived (RFC 6455 section 5.5.2); the pong is sent for you (section 5.5.3). Not on Hixie-76.
     *
     * @param payload at most 125 bytes; the layer's, valid during this call only
     */
    default void onPing(WebSocket ws, ByteBuffer payload) {
    }

    /**
     * A pong arrived (RFC 6455 section 5.5.3): the answer to {@link WebSocket#ping}, or one the client sent
     * unasked (a heartbeat). Not on Hixie-76.
     *
     * @param payload at most 125 bytes; the layer's, valid during this call only
     */
    default void onPong(WebSocket ws, ByteBuffer payload) {
    }

    /**
     * The send queue drained under its low watermark after a send reported
     * {@link io.keel.core.SendStatus#BACKPRESSURE} (also one handed over from another thread): send again.
     * Called once per such episode, while the WebSocket is open.
     */
    default void onDrain(WebSocket ws) {
    }

    /**
     * The WebSocket ended, once per WebSocket that was opened; it can no longer send. An exception thrown here
     * is logged and ignored.
     *
     * @param code the client's close code (1005 when its close had none, RFC 6455 section 7.1.5), ours when we
     *     closed first (including 1001 for an idle timeout or a server shutdown, and 1008 when the client did not
     *     read its messages), the code of the protocol error we closed with (1002, 1007, 1009), or 1006 when the
     *     connection ended without a close handshake
     * @param reason the close frame's reason, or empty; never null
     */
    default void onClose(WebSocket ws, int code, String reason) {
    }
}
