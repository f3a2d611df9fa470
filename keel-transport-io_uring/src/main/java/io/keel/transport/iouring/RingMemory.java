package io.keel.transport.iouring;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * io_uring_setup(2) and the three mmap(2) regions of a ring (io_uring.h: IORING_OFF_SQ_RING, IORING_OFF_CQ_RING,
 * IORING_OFF_SQES), with the offsets of the head, tail and mask fields inside them (struct io_sqring_offsets and
 * io_cqring_offsets). With IORING_FEAT_SINGLE_MMAP the SQ and CQ rings share one mapping.
 */
final class RingMemory {
    private static final int PROT_READ_WRITE = 0x1 | 0x2, MAP_SHARED_POPULATE = 0x01 | 0x8000;

    final MemorySegment sqRing, cqRing, sqes;
    final long sqHead, sqTail, cqHead, cqTail, cqes;
    final int sqMask, sqEntries, cqMask;
    private final long sqRingSize, cqRingSize, sqesSize;

    private RingMemory(MemorySegment params, MemorySegment sqRing, long sqRingSize, MemorySegment cqRing,
            long cqRingSize, MemorySegment sqes, long sqesSize) {
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        this.sqRingSize = sqRingSize;
        this.cqRingSize = cqRingSize;
        this.sqesSize = sqesSize;
        this.sqHead = params.get(JAVA_INT, Uapi.P_SQ_HEAD);
        this.sqTail = params.get(JAVA_INT, Uapi.P_SQ_TAIL);
        this.cqHead = params.get(JAVA_INT, Uapi.P_CQ_HEAD);
        this.cqTail = params.get(JAVA_INT, Uapi.P_CQ_TAIL);
        this.cqes = params.get(JAVA_INT, Uapi.P_CQ_CQES);
        this.sqMask = sqRing.get(JAVA_INT, params.get(JAVA_INT, Uapi.P_SQ_MASK));
        this.sqEntries = sqRing.get(JAVA_INT, params.get(JAVA_INT, Uapi.P_SQ_ENTRIES_OFF));
        this.cqMask = cqRing.get(JAVA_INT, params.get(JAVA_INT, Uapi.P_CQ_MASK));
    }

    /** Sets up a ring with {@code flags}, checks the features this module needs, maps it; see IoUring.open. */
    static IoUring setup(int sqEntries, int cqEntries, int flags, boolean singleIssuer) throws IOException {
        if (sqEntries < 1 || sqEntries > 32768 || cqEntries < sqEntries) {
            throw new IOException("io_uring: bad queue sizes (submission " + sqEntries + ", completion " + cqEntries
                    + "): need 1 <= submission <= 32768 and completion >= submission");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(Uapi.PARAMS_SIZE, 8);
            MemorySegment capture = arena.allocate(Libc.CAPTURE_SIZE);
            params.set(JAVA_INT, Uapi.P_CQ_ENTRIES, cqEntries);
            params.set(JAVA_INT, Uapi.P_FLAGS, flags);
            long fd = Libc.syscall(capture, Libc.SYS_IO_URING_SETUP, sqEntries, params.address(), 0, 0, 0, 0);
            if (fd < 0) {
                throw new IOException(IoUringAvailability.setupFailure(Libc.errno(capture)));
            }
            try {
                int features = params.get(JAVA_INT, Uapi.P_FEATURES);
                requireFeature(features, Uapi.FEAT_NODROP, "IORING_FEAT_NODROP (kernel 5.5+)");
                requireFeature(features, Uapi.FEAT_EXT_ARG, "IORING_FEAT_EXT_ARG (kernel 5.11+)");
                requireFeature(features, Uapi.FEAT_SINGLE_MMAP, "IORING_FEAT_SINGLE_MMAP (kernel 5.4+)");
                return new IoUring((int) fd, map((int) fd, params, capture), singleIssuer);
            } catch (IOException | RuntimeException e) {
                Libc.close((int) fd);
                throw e;
            }
        }
    }

    private static RingMemory map(int fd, MemorySegment params, MemorySegment capture) throws IOException {
        int sqCount = params.get(JAVA_INT, Uapi.P_SQ_ENTRIES);
        int cqCount = params.get(JAVA_INT, Uapi.P_CQ_ENTRIES);
        long sqSize = params.get(JAVA_INT, Uapi.P_SQ_ARRAY) + 4L * sqCount;
        long cqSize = params.get(JAVA_INT, Uapi.P_CQ_CQES) + (long) Uapi.CQE_SIZE * cqCount;
        long ringSize = Math.max(sqSize, cqSize); // one mapping for both (IORING_FEAT_SINGLE_MMAP)
        long sqesSize = (long) Uapi.SQE_SIZE * sqCount;
        MemorySegment rings = mmap(fd, ringSize, Uapi.OFF_SQ_RING, capture);
        MemorySegment sqes;
        try {
            sqes = mmap(fd, sqesSize, Uapi.OFF_SQES, capture);
        } catch (IOException e) {
            Libc.munmap(rings.address(), ringSize);
            throw e;
        }
        // The SQ ring's index array maps ring slots to SQE slots; identity, written once (as liburing does)
        long array = params.get(JAVA_INT, Uapi.P_SQ_ARRAY);
        for (int i = 0; i < sqCount; i++) {
            rings.set(JAVA_INT, array + 4L * i, i);
        }
        return new RingMemory(params, rings, ringSize, rings, 0, sqes, sqesSize);
    }

    private static MemorySegment mmap(int fd, long size, long offset, MemorySegment capture) throws IOException {
        long address;
        try {
            address = (long) Libc.MMAP.invokeExact(capture, 0L, size, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd,
                    offset);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (address == -1L) {
            throw Errno.exception("mmap of the io_uring queues", Libc.errno(capture));
        }
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    private static void requireFeature(int features, int feature, String name) throws IOException {
        if ((features & feature) == 0) {
            throw new IOException("io_uring here lacks " + name);
        }
    }

    /** Unmaps the regions (once; IoUring.close guards it). */
    void unmap() {
        Libc.munmap(sqRing.address(), sqRingSize);
        if (cqRing.address() != sqRing.address()) {
            Libc.munmap(cqRing.address(), cqRingSize);
        }
        Libc.munmap(sqes.address(), sqesSize);
    }
}
