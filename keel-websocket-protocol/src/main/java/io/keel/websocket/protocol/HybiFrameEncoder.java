package io.keel.websocket.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Encodes server (unmasked) RFC 6455 / HyBi frames. All methods use relative puts on {@code dst} and leave the
 * payload's position untouched, so the glue can either write header+payload into one buffer or write only the
 * header ({@link #writeHeader}) and gather-write the payload without copying it.
 */
public final class HybiFrameEncoder {
    /** Largest unmasked header (2 + 8). */
    public static final int MAX_HEADER_SIZE = 10;
    /** Largest close reason in bytes (125 - 2). */
    public static final int MAX_CLOSE_REASON = 123;

    private HybiFrameEncoder() {
    }

    /** Header size for an unmasked frame with this payload length. */
    public static int headerSize(long payloadLength) {
        return payloadLength < 126 ? 2 : payloadLength <= 0xFFFF ? 4 : 10;
    }

    /** Writes an unmasked frame header (minimal length encoding). */
    public static void writeHeader(ByteBuffer dst, boolean fin, int opcode, long payloadLength) {
        if (payloadLength < 0) {
            throw new IllegalArgumentException("negative length");
        }
        if (Opcode.isControl(opcode) && (payloadLength > 125 || !fin)) {
            throw new IllegalArgumentException("control frames must be final and <= 125 bytes");
        }
        dst.put((byte) ((fin ? 0x80 : 0) | (opcode & 0x0F)));
        if (payloadLength < 126) {
            dst.put((byte) payloadLength);
        } else if (payloadLength <= 0xFFFF) {
            dst.put((byte) 126);
            dst.put((byte) (payloadLength >>> 8));
            dst.put((byte) payloadLength);
        } else {
            dst.put((byte) 127);
            for (int s = 56; s >= 0; s -= 8) {
                dst.put((byte) (payloadLength >>> s));
            }
        }
    }

    /** Writes header and payload ({@code payload}'s remaining bytes; its position is not moved). */
    public static void writeFrame(ByteBuffer dst, boolean fin, int opcode, ByteBuffer payload) {
        writeHeader(dst, fin, opcode, payload.remaining());
        dst.put(dst.position(), payload, payload.position(), payload.remaining());
        dst.position(dst.position() + payload.remaining());
    }

    /** Writes a close frame payload: 2-byte code then the UTF-8 reason (must be ≤ 123 bytes). */
    public static void writeClosePayload(ByteBuffer dst, int code, byte[] reasonUtf8) {
        if (reasonUtf8.length > MAX_CLOSE_REASON) {
            throw new IllegalArgumentException("close reason longer than 123 bytes");
        }
        dst.put((byte) (code >>> 8));
        dst.put((byte) code);
        dst.put(reasonUtf8);
    }

    /** Writes a whole close frame with code and reason (null/empty for none). */
    public static void writeClose(ByteBuffer dst, int code, String reason) {
        byte[] r = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
        if (r.length > MAX_CLOSE_REASON) {
            throw new IllegalArgumentException("close reason longer than 123 bytes");
        }
        writeHeader(dst, true, Opcode.CLOSE, 2 + r.length);
        writeClosePayload(dst, code, r);
    }

    /** Writes a close frame without a status code (empty payload). */
    public static void writeEmptyClose(ByteBuffer dst) {
        writeHeader(dst, true, Opcode.CLOSE, 0);
    }
}
