package io.keel.websocket.protocol;

import java.nio.ByteBuffer;

/**
 * Encodes Hixie-76 frames: text is {@code 0x00 <utf-8> 0xFF}, close is {@code 0xFF 0x00}. Hixie-76 has no binary,
 * ping or pong frames.
 */
public final class Hixie76FrameEncoder {
    public static final byte TEXT_START = 0x00;
    public static final byte TEXT_END = (byte) 0xFF;

    private Hixie76FrameEncoder() {
    }

    /** Writes a text frame; {@code utf8} must be valid UTF-8 (so it cannot contain 0xFF); its position is kept. */
    public static void writeText(ByteBuffer dst, ByteBuffer utf8) {
        dst.put(TEXT_START);
        dst.put(dst.position(), utf8, utf8.position(), utf8.remaining());
        dst.position(dst.position() + utf8.remaining());
        dst.put(TEXT_END);
    }

    /** Writes the closing handshake frame {@code 0xFF 0x00}. */
    public static void writeClose(ByteBuffer dst) {
        dst.put((byte) 0xFF).put((byte) 0x00);
    }
}
