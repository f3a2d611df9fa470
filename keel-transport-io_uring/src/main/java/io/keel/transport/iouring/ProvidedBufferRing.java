package io.keel.transport.iouring;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A group of receive buffers the kernel picks from, IORING_REGISTER_PBUF_RING (kernel 5.19+; io_uring.h
 * {@code struct io_uring_buf_ring}): a ring of {@code struct io_uring_buf} entries that user space fills at the tail
 * and the kernel consumes at the head. A multishot receive ({@link IoUring#recvMultishot}) takes a buffer only when
 * bytes arrive, so idle connections hold none.
 *
 * <p>One native allocation, page-aligned: the entries first (a whole number of pages), then {@code count} buffers of
 * {@code bufferSize} bytes. Every buffer starts in the ring. A completion with {@link IoUring#CQE_F_BUFFER} hands
 * buffer {@link IoUring#bufferId(int)} to the application until it calls {@link #recycle(int)}. When all buffers
 * are out, a multishot receive ends with {@code -ENOBUFS}.
 *
 * <p>Used by the ring's thread only (like {@link IoUring}).
 */
public final class ProvidedBufferRing implements AutoCloseable, BufferGroup {
    private static final VarHandle SHORT = JAVA_SHORT.varHandle();
    private static final long PAGE = 4096;

    private final IoUring ring;
    private final short groupId;
    private final int count, bufferSize, mask;
    private final Arena arena;
    private final MemorySegment entries;
    private final long buffersAddress;
    private final ByteBuffer[] views;
    private int tail;
    private boolean closed;

    private ProvidedBufferRing(IoUring ring, short groupId, int count, int bufferSize, Arena arena,
            MemorySegment memory, long entryBytes) {
        this.ring = ring;
        this.groupId = groupId;
        this.count = count;
        this.bufferSize = bufferSize;
        this.mask = count - 1;
        this.arena = arena;
        // the entries and views are global-scope segments over the arena's memory: accesses skip the shared arena's
        // liveness check (on every byte a handler reads); close() frees the arena only after the ring stopped using it
        this.entries = MemorySegment.ofAddress(memory.address()).reinterpret(entryBytes);
        this.buffersAddress = memory.address() + entryBytes;
        this.views = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            views[i] = MemorySegment.ofAddress(buffersAddress + (long) i * bufferSize).reinterpret(bufferSize)
                .asByteBuffer();
            recycle(i);
        }
    }

    /**
     * Allocates {@code count} buffers of {@code bufferSize} bytes, puts them all in a new ring and registers it with
     * {@code ring} as group {@code groupId}, io_uring_register(2) IORING_REGISTER_PBUF_RING. Call on the ring's
     * thread (a single-issuer ring refuses other threads with EEXIST).
     *
     * @param ring the ring whose receives will use the group
     * @param groupId the {@code buf_group} to name in {@link IoUring#recvMultishot}; unique per ring
     * @param count number of buffers, a power of two from 1 to 32768
     * @param bufferSize bytes per buffer, at least 1 (a receive completes with at most this many bytes)
     * @return the registered group, owned by the caller ({@link #close()} before or after the ring)
     * @throws IllegalArgumentException if {@code count} or {@code bufferSize} is out of range
     * @throws IOException if the kernel refuses the registration (e.g. EEXIST: the group id is taken, EINVAL:
     *     kernel older than 5.19)
     */
    public static ProvidedBufferRing register(IoUring ring, short groupId, int count, int bufferSize)
            throws IOException {
        if (count < 1 || count > 32768 || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("provided buffer count must be a power of two from 1 to 32768: "
                    + count);
        }
        if (bufferSize < 1) {
            throw new IllegalArgumentException("provided buffer size must be at least 1 byte: " + bufferSize);
        }
        long entryBytes = ((long) count * Uapi.BUF_SIZE + PAGE - 1) / PAGE * PAGE;
        Arena arena = Arena.ofShared();
        try {
            MemorySegment memory = arena.allocate(entryBytes + (long) count * bufferSize, PAGE);
            ProvidedBufferRing group = new ProvidedBufferRing(ring, groupId, count, bufferSize, arena, memory,
                    entryBytes);
            MemorySegment reg = arena.allocate(Uapi.BUF_REG_SIZE, 8);
            reg.set(JAVA_LONG, 0, memory.address()); // ring_addr
            reg.set(JAVA_INT, 8, count); // ring_entries
            reg.set(JAVA_SHORT, 12, groupId); // bgid
            ring.register(Uapi.REGISTER_PBUF_RING, reg, 1, "IORING_REGISTER_PBUF_RING group " + groupId);
            return group;
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    /**
     * The buffer a completion named, as a preallocated view (one per id, made at registration: no allocation
     * here), set to position 0 and limit {@code length}. Valid until {@link #recycle(int)}; the kernel may
     * overwrite it after that.
     *
     * @param bufferId {@link IoUring#bufferId(int)} of the completion
     * @param length the completion's result (bytes received), 0..{@link #bufferSize()}
     * @return the view; its byte order is big-endian, as {@link ByteBuffer#allocateDirect} gives
     */
    public ByteBuffer buffer(int bufferId, int length) {
        ByteBuffer view = views[bufferId];
        view.clear().limit(length);
        return view;
    }

    /**
     * Gives a buffer back to the kernel: writes its entry at the tail and publishes the new tail with a release
     * store (io_uring_buf_ring_add + io_uring_buf_ring_advance in liburing's terms). Each id must be recycled
     * once per completion that handed it out.
     *
     * @param bufferId the id to give back, 0..count-1
     */
    public void recycle(int bufferId) {
        int t = tail;
        long at = (long) (t & mask) * Uapi.BUF_SIZE;
        MemorySegment e = entries;
        e.set(JAVA_LONG, at, buffersAddress + (long) bufferId * bufferSize); // addr
        e.set(JAVA_INT, at + 8, bufferSize); // len
        e.set(JAVA_SHORT, at + 12, (short) bufferId); // bid; resv at +14 is the ring's tail, not touched here
        tail = t + 1;
        SHORT.setRelease(e, (long) Uapi.BUF_RING_TAIL, (short) (t + 1));
    }

    /**
     * Bytes per buffer.
     *
     * @return the {@code bufferSize} given at registration
     */
    public int bufferSize() {
        return bufferSize;
    }

    /**
     * Number of buffers.
     *
     * @return the {@code count} given at registration
     */
    public int count() {
        return count;
    }

    /**
     * Unregisters the group (IORING_UNREGISTER_PBUF_RING, skipped when the ring is already closed, which released
     * it) and frees the memory; afterwards the views throw {@link IllegalStateException}. Idempotent. If the kernel
     * refuses to unregister while the ring is open (the wrong thread of a single-issuer ring), the memory is left
     * allocated rather than freed under the kernel's feet.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!ring.isClosed()) {
            try {
                MemorySegment reg = arena.allocate(Uapi.BUF_REG_SIZE, 8);
                reg.set(JAVA_SHORT, 12, groupId);
                ring.register(Uapi.UNREGISTER_PBUF_RING, reg, 1, "IORING_UNREGISTER_PBUF_RING");
            } catch (IOException e) {
                return;
            }
        }
        arena.close();
    }
}
