package io.keel.websocket.protocol;

import java.nio.ByteBuffer;

/**
 * Accumulate-mode message assembly shared by {@link HybiFrameDecoder} and {@link Hixie76FrameDecoder} (as
 * {@link TextChunker} is shared in streaming mode): a message that arrives whole in one read is handed to the
 * {@link FrameHandler} as a view of the read buffer ({@link #deliverView}, no copy); one split over reads or frames
 * is copied into a buffer here ({@link #begin}, {@link #append}, {@link #deliver}).
 *
 * <p>Memory: a decoder creates its assembler only when a message first needs copying, and the buffer grows with
 * the bytes that actually arrived, from {@link #INITIAL_CAPACITY} by doubling up to the message size limit (not
 * with an announced length: a peer announcing 16 MiB and sending nothing must not make us allocate 16 MiB). A
 * buffer that grew above {@link #RELEASE_ABOVE} is dropped after its message, so one large message does not pin
 * its buffer for the life of the connection.
 */
final class MessageAssembler {
    /**
     * The first capacity. One value for both framings (HyBi used 4096, Hixie-76 1024, for no stated reason): a
     * page of typical chat or JSON messages, allocated only once a message is split.
     */
    static final int INITIAL_CAPACITY = 4096;
    /** A buffer larger than this after a message is dropped rather than kept for the next one. */
    static final int RELEASE_ABOVE = 64 * 1024;

    private final int maxMessageSize;
    private ByteBuffer buf;

    /** @param maxMessageSize the largest message (bytes): the buffer never grows beyond it */
    MessageAssembler(int maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    /** True when no bytes of the current message were copied yet (the caller may still deliver a view). */
    static boolean isEmpty(MessageAssembler a) {
        return a == null || a.buf == null || a.buf.position() == 0;
    }

    /** A new message starts: forgets whatever was appended (a message cut short by an error). */
    void begin() {
        if (buf != null) {
            buf.clear();
        }
    }

    /** Copies {@code in[pos, pos + n)} after what the current message holds; {@code in} is not changed. */
    void append(ByteBuffer in, int pos, int n) {
        if (buf == null || buf.remaining() < n) {
            int need = (buf == null ? 0 : buf.position()) + n;
            int cap = (int) Math.min(maxMessageSize, Math.max(need, buf == null ? INITIAL_CAPACITY : 2L * buf.capacity()));
            ByteBuffer nb = ByteBuffer.allocate(Math.max(cap, need));
            if (buf != null) {
                buf.flip();
                nb.put(buf);
            }
            buf = nb;
        }
        buf.put(buf.position(), in, pos, n);
        buf.position(buf.position() + n);
    }

    /**
     * Hands the assembled message (at least one {@link #append} since {@link #begin}) to
     * {@code handler.onMessage(text, ...)}, then keeps the buffer for the next
     * message, or drops it if it grew above {@link #RELEASE_ABOVE} (also when the handler throws).
     */
    void deliver(FrameHandler handler, boolean text) {
        try {
            handler.onMessage(text, flipped());
        } finally {
            done();
        }
    }

    /** The assembled message (at least one {@link #append} since {@link #begin}), ready to read; then {@link #done}. */
    ByteBuffer flipped() {
        return buf.flip();
    }

    /** The assembled message was used: keeps the buffer for the next one, or drops it above {@link #RELEASE_ABOVE}. */
    void done() {
        if (buf.capacity() > RELEASE_ABOVE) {
            buf = null;
        } else {
            buf.clear();
        }
    }

    /**
     * Hands {@code in[pos, pos + n)} to {@code handler.onMessage(text, ...)} as a view of {@code in} (its position
     * and limit set to that window), then restores {@code in}'s limit and sets its position to {@code next}.
     */
    static void deliverView(FrameHandler handler, boolean text, ByteBuffer in, int pos, int n, int next) {
        int limit = in.limit();
        in.limit(pos + n).position(pos);
        try {
            handler.onMessage(text, in);
        } finally {
            in.limit(limit).position(next);
        }
    }
}
