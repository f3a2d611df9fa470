package io.keel.websocket.protocol;

import java.nio.ByteBuffer;

/**
 * Streaming-mode helper: hands already-validated UTF-8 text to {@link FrameHandler#onFragment} in whole code points.
 * An incomplete code point at the end of a chunk (at most 3 bytes) is held back in a small array and delivered,
 * once completed by the next chunk, as its own tiny fragment; everything else is delivered as a view of the input.
 * No allocation.
 */
final class TextChunker {
    private final byte[] carry = new byte[4];
    private final ByteBuffer carryView = ByteBuffer.wrap(carry);
    private int carryLen;
    private int carryNeed;
    private boolean started;

    void reset() {
        carryLen = 0;
        started = false;
    }

    /**
     * Delivers {@code in[pos, end)} (valid UTF-8 so far; complete if {@code msgEnd}); afterwards {@code in}'s limit is
     * restored and its position set to {@code next}.
     */
    void deliver(FrameHandler h, ByteBuffer in, int pos, int end, int next, boolean msgEnd) {
        int limit = in.limit();
        try {
            if (carryLen > 0) {
                int k = Math.min(carryNeed - carryLen, end - pos);
                in.get(pos, carry, carryLen, k);
                carryLen += k;
                pos += k;
                if (carryLen < carryNeed) {
                    return;
                }
                carryView.clear().limit(carryLen);
                carryLen = 0;
                boolean last = msgEnd && pos == end;
                emit(h, carryView, last);
                if (last) {
                    return;
                }
            }
            int tail = msgEnd ? end : incompleteTailStart(in, pos, end);
            if (tail < end) {
                in.get(tail, carry, 0, end - tail);
                carryLen = end - tail;
                carryNeed = sequenceLength(carry[0] & 0xFF);
            }
            if (tail > pos || msgEnd) {
                in.limit(tail).position(pos);
                emit(h, in, msgEnd);
            }
        } finally {
            in.limit(limit).position(next);
        }
    }

    private void emit(FrameHandler h, ByteBuffer b, boolean last) {
        boolean first = !started;
        started = !last;
        h.onFragment(b, true, first, last);
    }

    /** Start of an incomplete trailing code point in valid UTF-8 {@code b[from, to)} starting on a boundary, else {@code to}. */
    static int incompleteTailStart(ByteBuffer b, int from, int to) {
        for (int i = to - 1; i >= from && i >= to - 3; i--) {
            int c = b.get(i) & 0xFF;
            if ((c & 0xC0) != 0x80) {
                return to - i < sequenceLength(c) ? i : to;
            }
        }
        return to;
    }

    static int sequenceLength(int lead) {
        return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    }
}
