package io.keel.websocket.protocol;

/** RFC 6455 frame opcodes. */
public final class Opcode {
    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    private Opcode() {
    }

    /**
     * True for control opcodes (RFC 6455 section 5.5): close, ping, pong and the reserved 0xB-0xF, those whose
     * highest bit is set.
     *
     * @param opcode a 4-bit opcode, 0x0-0xF (only bit 3 is tested)
     * @return whether it is a control opcode
     */
    public static boolean isControl(int opcode) {
        return (opcode & 0x8) != 0;
    }

    /**
     * True for the opcodes RFC 6455 section 5.2 defines: continuation, text, binary (0x0-0x2), close, ping and pong
     * (0x8-0xA). A frame with any other (reserved) opcode fails the connection with 1002.
     *
     * @param opcode a 4-bit opcode, 0x0-0xF
     * @return whether it is defined (false for anything outside 0x0-0xF)
     */
    public static boolean isKnown(int opcode) {
        return (opcode >= 0 && opcode <= BINARY) || (opcode >= CLOSE && opcode <= PONG);
    }
}
