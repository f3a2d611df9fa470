package io.keel.core;

import java.nio.ByteBuffer;

/**
 * The input a handler left unconsumed, kept between reads. Static helpers over one nullable buffer field of the
 * connection (no object of its own, so an idle connection keeps nothing): each takes the current remainder and
 * returns the new one. Remainders are in read mode (position..limit) and come from the loop's {@link BufferPool};
 * callers own them until they pass them to {@link #release}.
 */
final class InputRemainder {
    private InputRemainder() {
    }

    /**
     * After a handler's {@code onData}: keeps what it left of {@code data} (still {@code data.remaining()}).
     *
     * @param data the buffer the handler was given: either {@code remainder} itself or the loop's read buffer
     * @param remainder the remainder before the call, or null
     * @param open false when the connection closed during the call: nothing is kept
     * @return the remainder to keep (compacted to position 0 when it is {@code remainder}), or null when nothing
     *     is left; a fresh remainder is a pooled copy, since the read buffer belongs to the loop
     */
    static ByteBuffer keepUnconsumed(ByteBuffer data, ByteBuffer remainder, BufferPool pool, boolean open) {
        if (!open) {
            return release(remainder, pool);
        }
        if (data == remainder) {
            if (!data.hasRemaining()) {
                return release(remainder, pool);
            }
            if (data.position() > 0) {
                data.compact().flip();
            }
            return remainder;
        }
        if (data.hasRemaining()) {
            ByteBuffer b = pool.acquire(data.remaining());
            b.put(data).flip();
            return b;
        }
        return remainder;
    }

    /**
     * Appends {@code more} (read mode; its position moves to its limit) to {@code remainder} (read mode): in place
     * when there is room after the limit, compacted when there is room in all, else in a larger pooled buffer (and
     * {@code remainder} goes back to the pool).
     *
     * @return the buffer that now holds both, in read mode
     */
    static ByteBuffer append(ByteBuffer remainder, ByteBuffer more, BufferPool pool) {
        int need = remainder.remaining() + more.remaining();
        if (remainder.capacity() - remainder.limit() >= more.remaining()) {
            int p = remainder.position();
            remainder.position(remainder.limit()).limit(remainder.limit() + more.remaining());
            remainder.put(more);
            remainder.position(p);
            return remainder;
        }
        if (need <= remainder.capacity()) {
            remainder.compact();
            remainder.put(more).flip();
            return remainder;
        }
        ByteBuffer bigger = pool.acquire(need);
        bigger.put(remainder).put(more).flip();
        pool.release(remainder);
        return bigger;
    }

    /** Gives {@code remainder} (may be null) back to the pool; returns null, the new value of the field. */
    static ByteBuffer release(ByteBuffer remainder, BufferPool pool) {
        if (remainder != null) {
            pool.release(remainder);
        }
        return null;
    }
}
