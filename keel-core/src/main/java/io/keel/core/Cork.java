package io.keel.core;

import java.nio.ByteBuffer;

/**
 * Gathers the sends of one owner into one buffer so that they leave in one write instead of one write each
 * (corking, as uWebSockets calls it and as TCP_CORK does in the kernel: a callback that sends a header, a payload
 * and a pong costs one system call). One cork serves a whole event loop, because only one callback runs on a loop
 * at a time; it is owned by one connection at a time, and only its owner's sends go into it.
 *
 * <p>The core's {@link EventLoop} has one, owned by the connection whose callback is running and flushed when
 * the callback returns. A layer above the core that gathers its own units (the TLS layer gathers plaintext into
 * whole records before it encrypts them) makes one per loop for itself, with a buffer of its own size: a cork
 * holds state, and what "flush" means (a socket write, an encryption) stays with its owner.
 *
 * <p>Not thread-safe: one loop thread uses it, with no locks. It allocates nothing after construction.
 *
 * @param <O> the owner's type (a connection of the layer that uses the cork)
 */
public final class Cork<O> {
    private final ByteBuffer buffer;
    private O owner;

    /**
     * A cork over {@code buffer} (heap or direct, as its owner writes best from); the cork clears it and uses it
     * from position 0 to its capacity. The buffer belongs to the cork from now on.
     */
    public Cork(ByteBuffer buffer) {
        this.buffer = buffer.clear();
    }

    /** The current owner, or null when nobody owns the cork. */
    public O owner() {
        return owner;
    }

    /** True when {@code candidate} owns the cork (identity). */
    public boolean isOwnedBy(Object candidate) {
        return owner == candidate;
    }

    /**
     * Makes {@code next} the owner and returns the previous one, which the caller gives back to {@link #leave}
     * when it is done: callbacks may nest. The bytes already in the cork are not flushed: a caller that takes the
     * cork from another owner with bytes in it flushes them first.
     *
     * @param next the new owner (null: nobody)
     * @return the previous owner, or null
     */
    public O enter(O next) {
        O previous = owner;
        owner = next;
        return previous;
    }

    /** Gives the cork back to {@code previous} (what {@link #enter} returned). The owner flushes first. */
    public void leave(O previous) {
        owner = previous;
    }

    /** Bytes gathered so far. */
    public int size() {
        return buffer.position();
    }

    /** True when nothing is gathered. */
    public boolean isEmpty() {
        return buffer.position() == 0;
    }

    /** Bytes that still fit. */
    public int room() {
        return buffer.remaining();
    }

    /** The buffer's capacity: the most one flush writes. */
    public int capacity() {
        return buffer.capacity();
    }

    /**
     * Copies all remaining bytes of {@code data} into the cork if they fit (its position then moves to its limit).
     *
     * @return true when copied; false when they do not fit, and then nothing was copied
     */
    public boolean offer(ByteBuffer data) {
        if (data.remaining() > buffer.remaining()) {
            return false;
        }
        buffer.put(data);
        return true;
    }

    /**
     * Copies as many remaining bytes of {@code data} as fit (for an owner that tops up a unit to the cork's
     * size before flushing it); the position of {@code data} moves by that many.
     *
     * @return the number of bytes copied, from 0 to {@link #room()}
     */
    public int fill(ByteBuffer data) {
        int n = Math.min(data.remaining(), buffer.remaining());
        if (n == 0) {
            return 0;
        }
        buffer.put(buffer.position(), data, data.position(), n);
        buffer.position(buffer.position() + n);
        data.position(data.position() + n);
        return n;
    }

    /**
     * The gathered bytes, in read mode, for the owner to write or encrypt. The owner then calls {@link #reset()}
     * (also when the write failed); until then nothing may be added.
     */
    public ByteBuffer drain() {
        return buffer.flip();
    }

    /** Empties the cork: after a {@link #drain()}, or to discard what it holds (an abort). The owner stays. */
    public void reset() {
        buffer.clear();
    }
}
