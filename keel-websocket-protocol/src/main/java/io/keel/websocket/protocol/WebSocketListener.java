package io.keel.websocket.protocol;

import java.nio.ByteBuffer;

/**
 * Application callbacks of a {@link WebSocketSession}. ByteBuffers are views valid only during the callback
 * (read them, or pass them straight to {@code session.sendText/sendBinary} to echo without copying; copy if
 * you need them later). Decode text with {@code StandardCharsets.UTF_8.decode(buf)} only if you need a String.
 */
public interface WebSocketListener {
    /** A complete text message (accumulate mode), already validated as UTF-8. */
    default void onText(ByteBuffer utf8) {
    }

    /** A complete binary message (accumulate mode). */
    default void onBinary(ByteBuffer data) {
    }

    /**
     * Streaming mode: the next chunk of a message as it arrived (possibly empty when {@code last}).
     * Text chunks are validated incrementally and always contain whole code points: a code point split across
     * reads or frames is held back (≤3 bytes) and delivered with its completion as a small chunk of its own.
     */
    default void onFragment(ByteBuffer data, boolean text, boolean first, boolean last) {
    }

    /** A ping (the session answers it itself if {@code autoPong}). */
    default void onPing(ByteBuffer payload) {
    }

    /** A pong, answering a ping or unsolicited (RFC 6455 section 5.5.3 allows both); nothing else is done with it. */
    default void onPong(ByteBuffer payload) {
    }

    /**
     * The peer sent a close frame ({@code code} 1005 if it had no code; always 1005 for Hixie-76). The session
     * replies itself if {@code autoCloseReply}, unless the listener calls {@code close(...)} here.
     */
    default void onClose(int code, String reason) {
    }

    /**
     * Asked after each delivered event: true stops {@link WebSocketSession#receive} there, leaving the rest of its
     * input unconsumed, so that no message is delivered after the application paused reading.
     */
    default boolean isReadingPaused() {
        return false;
    }

    /** The peer violated the protocol; the session has sent a close with {@code closeCode} and is CLOSED. */
    default void onProtocolError(int closeCode, String reason) {
    }
}
