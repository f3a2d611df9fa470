package io.keel.websocket.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * RFC 6455 section 5.3 client-to-server masking: every payload byte {@code i} of a client frame is XORed with
 * byte {@code i % 4} of the frame's 32-bit masking key. XOR is its own inverse, so the same operation masks and
 * unmasks (tungstenite's {@code protocol/frame/mask.rs} likewise).
 */
public final class Masking {
    private Masking() {
    }

    /**
     * XORs {@code b[from, to)} with the 4-byte masking key, where {@code b[from]} is payload byte number
     * {@code offset}. Works 8 bytes at a time, in place; {@code b}'s position and limit are not used or moved.
     *
     * @param b the bytes to (un)mask, writable, heap or direct, either byte order
     * @param from the first index to XOR
     * @param to the index after the last
     * @param maskKey the frame's masking key, big-endian as on the wire
     * @param offset the payload offset of {@code b[from]} within its frame (a payload may arrive over reads)
     */
    public static void unmask(ByteBuffer b, int from, int to, int maskKey, long offset) {
        int m = Integer.rotateLeft(maskKey, (int) ((offset & 3) << 3));
        long m8 = ((long) m << 32) | (m & 0xFFFFFFFFL);
        if (b.order() == ByteOrder.LITTLE_ENDIAN) {
            m8 = Long.reverseBytes(m8);
        }
        int i = from;
        for (; i + 8 <= to; i += 8) {
            b.putLong(i, b.getLong(i) ^ m8);
        }
        for (int k = 0; i < to; i++, k++) {
            b.put(i, (byte) (b.get(i) ^ (m >>> (24 - ((k & 3) << 3)))));
        }
    }
}
