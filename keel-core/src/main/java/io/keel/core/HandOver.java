package io.keel.core;

import java.nio.ByteBuffer;

/**
 * For layers that hand a send made on another thread over to the connection's loop: the bytes are copied on the
 * calling thread (its buffer is the caller's again as soon as the send returns), then sent on the loop.
 */
public final class HandOver {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private HandOver() {
    }

    /** The bytes remaining in the three buffers; {@code null} counts as empty. */
    public static long remaining(ByteBuffer a, ByteBuffer b, ByteBuffer c) {
        return (a == null ? 0 : a.remaining()) + (b == null ? 0 : b.remaining()) + (c == null ? 0 : c.remaining());
    }

    /**
     * A heap copy of the remaining bytes of {@code a}, {@code b} and {@code c} (any may be null), in that order,
     * in read mode. The positions of the three move to their limits.
     *
     * @throws IllegalArgumentException when the three together exceed 2 GiB
     */
    public static ByteBuffer copy(ByteBuffer a, ByteBuffer b, ByteBuffer c) {
        long n = remaining(a, b, c);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a send of " + n + " bytes does not fit one buffer");
        }
        if (n == 0) {
            return EMPTY;
        }
        ByteBuffer copy = ByteBuffer.allocate((int) n);
        if (a != null) {
            copy.put(a);
        }
        if (b != null) {
            copy.put(b);
        }
        if (c != null) {
            copy.put(c);
        }
        return copy.flip();
    }
}
