package io.keel.websocket.protocol;

import java.nio.ByteBuffer;

/**
 * The payload of the control frame being received (RFC 6455 section 5.5: at most 125 bytes, so a ping split over
 * reads is gathered here), and its delivery. A {@link HybiFrameDecoder} makes one at its first control frame and
 * keeps it for the next ones.
 */
final class ControlFramePayload {
    private final byte[] bytes = new byte[125];
    private final ByteBuffer view = ByteBuffer.wrap(bytes);
    private int len;

    /** A control frame starts. */
    void begin() {
        len = 0;
    }

    /** Copies {@code in[pos, pos + n)} (already unmasked) after what the frame holds, and moves {@code in} past it. */
    void append(ByteBuffer in, int pos, int n) {
        in.get(pos, bytes, len, n);
        in.position(pos + n);
        len += n;
    }

    /**
     * The frame is complete: a ping or pong goes to {@code handler}; a close is checked (§7.4: its code, 1002;
     * §5.5.1: its reason is UTF-8, 1007), then the decoder is done and {@code handler} gets it.
     */
    void deliver(int opcode, FrameHandler handler, HybiFrameDecoder decoder) {
        view.clear().limit(len);
        switch (opcode) {
            case Opcode.PING -> handler.onPing(view);
            case Opcode.PONG -> handler.onPong(view);
            default -> {
                int code = CloseCodes.NO_STATUS_RECEIVED;
                if (len >= 2) {
                    code = ((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF);
                    if (!CloseCodes.isValidReceived(code)) {
                        decoder.fail(CloseCodes.PROTOCOL_ERROR, "Invalid close code " + code);
                        return;
                    }
                    if (!Utf8Validator.isValid(bytes, 2, len)) {
                        decoder.fail(CloseCodes.INVALID_PAYLOAD_DATA, "Close reason is not valid UTF-8");
                        return;
                    }
                    view.position(2);
                }
                decoder.closeReceived();
                handler.onCloseFrame(code, view);
            }
        }
    }
}
