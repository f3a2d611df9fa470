package io.keel.websocket.protocol;

import java.nio.ByteBuffer;

/**
 * Events from the frame decoders ({@link HybiFrameDecoder}, {@link Hixie76FrameDecoder}). {@link WebSocketSession}
 * implements it; usable directly for custom sessions. Every ByteBuffer is a view valid only during the call
 * (position..limit is the payload; do not keep it, do not assume anything about bytes outside the window).
 */
public interface FrameHandler {
    /** A complete message (accumulate mode). Text is valid UTF-8. */
    void onMessage(boolean text, ByteBuffer payload);

    /**
     * Streaming mode: the next chunk of a message; {@code first}/{@code last} delimit the message. The parameters
     * come in the order of {@link WebSocketListener#onFragment} (chunk, text, first, last).
     */
    void onFragment(ByteBuffer chunk, boolean text, boolean first, boolean last);

    /** A ping (RFC 6455 section 5.5.2; never for Hixie-76): {@code payload} is its application data, 0-125 bytes. */
    void onPing(ByteBuffer payload);

    /** A pong (RFC 6455 section 5.5.3), answering a ping or unsolicited: {@code payload} is 0-125 bytes. */
    void onPong(ByteBuffer payload);

    /**
     * The peer's close frame: {@code code} is {@link CloseCodes#NO_STATUS_RECEIVED} if it had no payload (and always
     * for Hixie-76); {@code reason} is valid UTF-8 (possibly empty). The decoder ignores all input after this.
     */
    void onCloseFrame(int code, ByteBuffer reason);

    /** The peer violated the protocol; {@code closeCode} is 1002, 1007 or 1009. The decoder ignores all further input. */
    void onDecodeError(int closeCode, String reason);

    /**
     * Asked by the decoders before the first event of a {@code decode} call and after each event: true makes
     * {@code decode} return at once, leaving the rest of its input (from the first byte of the next frame, or of
     * the rest of a streamed frame) unconsumed and untouched.
     */
    default boolean isPaused() {
        return false;
    }
}
