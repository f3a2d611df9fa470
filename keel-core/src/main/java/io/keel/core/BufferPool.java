package io.keel.core;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Direct buffers of one size ({@link #CHUNK_SIZE}), recycled by one event loop, so the steady state allocates
 * nothing. Only the loop that owns the pool may use it: no locks.
 *
 * <p>Requests larger than a chunk get a heap buffer of the next power of two (counted, not recycled): they are
 * rare (partial large messages) and recycling them would pin memory.
 *
 * <p>In leak-check mode (system property {@code keel.buffers.leakCheck=true}, on in the test suite) every
 * buffer out of the pool is remembered with the stack that took it, and a double release fails at once.
 */
public final class BufferPool {
    public static final int CHUNK_SIZE = 16 * 1024;
    static final boolean LEAK_CHECK = Boolean.getBoolean("keel.buffers.leakCheck");

    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final int maxFree;
    private final Map<ByteBuffer, Throwable> taken = LEAK_CHECK ? new IdentityHashMap<>() : null;
    private long outstanding;
    private long allocated;

    /**
     * A pool for one event loop.
     *
     * @param maxFreeChunks how many free chunks ({@link #CHUNK_SIZE} bytes of direct memory each) the pool keeps for
     *     reuse; chunks released beyond that are left to the garbage collector. Not validated: 0 or less keeps none
     */
    public BufferPool(int maxFreeChunks) {
        this.maxFree = maxFreeChunks;
    }

    /** A cleared buffer with at least {@code minCapacity} bytes of room. */
    public ByteBuffer acquire(int minCapacity) {
        ByteBuffer b;
        if (minCapacity <= CHUNK_SIZE) {
            b = free.pollLast();
            if (b == null) {
                b = ByteBuffer.allocateDirect(CHUNK_SIZE);
                allocated++;
            } else {
                b.clear();
            }
        } else {
            b = ByteBuffer.allocate(Integer.highestOneBit(minCapacity - 1) << 1);
        }
        outstanding++;
        if (taken != null) {
            taken.put(b, new Throwable("buffer taken here and never released"));
        }
        return b;
    }

    /**
     * Gives back a buffer from {@link #acquire(int)}. The caller must not touch it afterwards: a chunk goes back on
     * the free list (when there is room) and is handed out again. Buffers larger than a chunk are only counted. Owning
     * loop only.
     *
     * @param b a buffer this pool's {@link #acquire(int)} returned, released once
     * @throws IllegalStateException in leak-check mode, when {@code b} was already released or is not from this pool
     *     (without leak check the mistake goes unnoticed, and a chunk released twice may be handed out twice)
     */
    public void release(ByteBuffer b) {
        if (taken != null && taken.remove(b) == null) {
            throw new IllegalStateException("buffer released twice or not from this pool");
        }
        outstanding--;
        if (b.isDirect() && b.capacity() == CHUNK_SIZE && free.size() < maxFree) {
            free.addLast(b);
        }
    }

    /** Buffers taken and not yet released. */
    public long outstanding() {
        return outstanding;
    }

    /** Direct chunks ever allocated by this pool (growth means the pool was too small or buffers leak). */
    public long allocatedChunks() {
        return allocated;
    }

    /** Free chunks waiting for reuse, at most the {@code maxFreeChunks} given to the constructor. */
    public int freeChunks() {
        return free.size();
    }

    /** Where each outstanding buffer was taken (empty unless leak-check mode is on). */
    public Iterable<Throwable> leakSites() {
        return taken == null ? java.util.List.of() : java.util.List.copyOf(taken.values());
    }
}
