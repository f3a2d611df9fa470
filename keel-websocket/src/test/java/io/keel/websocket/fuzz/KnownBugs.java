package io.keel.websocket.fuzz;

/**
 * Inputs that trigger bugs already reported (with a disabled reproduction), skipped by the fuzz/property harnesses
 * so that the bounded CI fuzzing run does not fail on them again. Remove each guard when its bug is fixed.
 */
final class KnownBugs {
    /**
     * {@link HybiKnownBugsTest#hixie76OversizedLengthFrameConsumesAllInput}: after a 1009 in the LENGTH or
     * DISCARD_TEXT state, Hixie76FrameDecoder.decode returns without consuming the rest of the read.
     */
    static final boolean HIXIE_FAIL_LEAVES_INPUT = true;

    /**
     * {@link HybiKnownBugsTest#hixie76CloseWhileAFragmentedTextFrameIsOpen}: the Hixie-76 close FF 00 is written
     * inside an unfinished outgoing text frame (streaming sends), so the peer reads FF as the frame end.
     */
    static final boolean HIXIE_CLOSE_INSIDE_OPEN_TEXT_FRAME = true;

    private KnownBugs() {
    }

    /**
     * {@link HybiKnownBugsTest#continuationWithHuge64BitLengthFailsWith1009}: a 64-bit length ≥ 0x7F00000000000000
     * can overflow the message length sum. Matches any 0x7F/0xFF length byte followed by 0x7F.
     */
    static boolean mayOverflowHybiMessageLength(byte[] data) {
        for (int i = 0; i + 1 < data.length; i++) {
            if ((data[i] & 0x7F) == 127 && data[i + 1] == 0x7F) {
                return true;
            }
        }
        return false;
    }
}
