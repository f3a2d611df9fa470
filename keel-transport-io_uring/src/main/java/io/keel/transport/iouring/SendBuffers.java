package io.keel.transport.iouring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * One loop's staging buffers for sends: native chunks of {@link #CHUNK_SIZE} bytes whose addresses the kernel reads
 * until a send completes. A connection holds one only while it has bytes to send, so an idle connection holds none.
 * Chunks come in blocks of {@link #BLOCK_CHUNKS}, made when all are in use and kept for reuse (like the core's
 * {@code BufferPool}); each chunk's {@link ByteBuffer} view and address are made once, so taking and giving back
 * allocates nothing. Loop thread only.
 */
final class SendBuffers implements AutoCloseable {
    /** As much as a readiness transport writes in one call on loopback: one send per connection and iteration. */
    static final int CHUNK_SIZE = 64 * 1024;
    static final int BLOCK_CHUNKS = 16;

    private final Arena arena = Arena.ofShared();
    private ByteBuffer[] views = new ByteBuffer[0];
    private long[] addresses = new long[0];
    private int[] free = new int[0];
    private int freeCount;
    private int inUse;

    /**
     * A chunk for one connection's sends.
     *
     * @return the chunk's index, for {@link #view}, {@link #address} and {@link #release}
     */
    int acquire() {
        if (freeCount == 0) {
            grow();
        }
        inUse++;
        return free[--freeCount];
    }

    /**
     * The chunk's buffer, cleared when it was taken (position: the end of the bytes staged so far).
     *
     * @param chunk an index from {@link #acquire}
     * @return the same buffer object every time
     */
    ByteBuffer view(int chunk) {
        return views[chunk];
    }

    /**
     * The native address of the chunk's first byte.
     *
     * @param chunk an index from {@link #acquire}
     * @return the address
     */
    long address(int chunk) {
        return addresses[chunk];
    }

    /**
     * Gives a chunk back: its bytes are no longer read by the kernel.
     *
     * @param chunk an index from {@link #acquire}
     */
    void release(int chunk) {
        views[chunk].clear();
        free[freeCount++] = chunk;
        inUse--;
    }

    /** Chunks taken and not yet given back. */
    int inUse() {
        return inUse;
    }

    private void grow() {
        int old = views.length;
        int size = old + BLOCK_CHUNKS;
        MemorySegment block = arena.allocate((long) BLOCK_CHUNKS * CHUNK_SIZE, 4096);
        views = java.util.Arrays.copyOf(views, size);
        addresses = java.util.Arrays.copyOf(addresses, size);
        free = java.util.Arrays.copyOf(free, size);
        for (int i = 0; i < BLOCK_CHUNKS; i++) {
            // a global-scope view: accesses skip the shared arena's liveness check; close() frees the arena last
            MemorySegment chunk = MemorySegment.ofAddress(block.address() + (long) i * CHUNK_SIZE).reinterpret(CHUNK_SIZE);
            views[old + i] = chunk.asByteBuffer();
            addresses[old + i] = chunk.address();
            free[freeCount++] = size - 1 - i;
        }
    }

    /** Frees the native memory; only once no send is in flight (the ring is closed). */
    @Override
    public void close() {
        arena.close();
    }
}
