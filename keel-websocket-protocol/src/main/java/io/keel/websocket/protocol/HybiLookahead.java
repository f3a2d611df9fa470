package io.keel.websocket.protocol;

import java.nio.ByteBuffer;

/**
 * Looks ahead in HyBi input not yet decoded, without consuming or unmasking it: used while the application has
 * paused reading, to notice that the peer already started the close handshake (RFC 6455 section 5.5.1) behind
 * the messages still waiting. Reads frame headers only (section 5.2).
 */
final class HybiLookahead {
    private HybiLookahead() {
    }

    /**
     * True when the frames starting at {@code in[p]} (a frame boundary) and complete before {@code end} include a
     * close frame's header; false when the input ends first, or in a frame that cannot be walked.
     */
    static boolean closeFrameAt(ByteBuffer in, int p, int end) {
        while (end - p >= 2) {
            int b0 = in.get(p) & 0xFF;
            int b1 = in.get(p + 1) & 0xFF;
            if ((b0 & 0x0F) == Opcode.CLOSE) {
                return true;
            }
            int len7 = b1 & 0x7F;
            int ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
            int headerLen = 2 + ext + ((b1 & 0x80) != 0 ? 4 : 0);
            if (end - p < headerLen) {
                return false;
            }
            long len = len7;
            if (ext == 2) {
                len = in.getShort(p + 2) & 0xFFFF;
            } else if (ext == 8) {
                len = in.getLong(p + 2);
            }
            if (len < 0 || len > end - p - headerLen) {
                return false;
            }
            p += headerLen + (int) len;
        }
        return false;
    }
}
