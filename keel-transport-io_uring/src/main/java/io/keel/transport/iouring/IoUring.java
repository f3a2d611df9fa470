package io.keel.transport.iouring;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One io_uring instance (io_uring_setup(2)): a submission queue (SQ) of {@code struct io_uring_sqe} and a
 * completion queue (CQ) of {@code struct io_uring_cqe}, both shared with the kernel through mmap(2).
 *
 * <p>Used by ONE thread, without locks: preparing, submitting and draining all happen on the thread that owns the
 * ring (with {@code singleIssuer} the kernel enforces it: only the thread that opened the ring may submit, wait or
 * register). Other threads wake the owner through an eventfd ({@link LinuxSockets#signalEventFd(int)}) on which
 * the owner keeps a {@link #read} pending.
 *
 * <p>Preparing a submission writes one SQE and returns {@code false} when the SQ is full: the caller then calls
 * {@link #submit()} and retries. Nothing reaches the kernel before {@link #submit()} or
 * {@link #submitAndWait(long)}. None of the methods on the data path allocate.
 */
public final class IoUring implements AutoCloseable, Ring {
    /** {@code IORING_CQE_F_BUFFER}: the completion used a provided buffer, whose id is {@link #bufferId(int)}. */
    public static final int CQE_F_BUFFER = Uapi.CQE_F_BUFFER;
    /** {@code IORING_CQE_F_MORE}: the multishot request that produced this completion stays armed. */
    public static final int CQE_F_MORE = Uapi.CQE_F_MORE;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final int MSG_NOSIGNAL = 0x4000, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;

    private final int fd;
    private final RingMemory memory;
    private final boolean singleIssuer;
    // The mapped regions; replaced by MemorySegment.NULL on close so a late call fails with an exception, not a crash.
    private MemorySegment sq, cq, sqes;
    private final long sqHeadAt, sqTailAt, cqHeadAt, cqTailAt, cqesAt;
    private final int sqMask, sqEntries, cqMask;
    private int sqTail; // next SQE to fill (ours; the kernel's tail is published by submit)
    private int sqHeadSeen; // the kernel's SQ head when last read
    private int cqHead;
    /** errno capture, then struct io_uring_getevents_arg, then struct __kernel_timespec; made once. */
    private final MemorySegment capture, eventsArg, timespec;
    private boolean closed;

    IoUring(int fd, RingMemory memory, boolean singleIssuer) {
        this.fd = fd;
        this.memory = memory;
        this.singleIssuer = singleIssuer;
        this.sq = memory.sqRing;
        this.cq = memory.cqRing;
        this.sqes = memory.sqes;
        this.sqHeadAt = memory.sqHead;
        this.sqTailAt = memory.sqTail;
        this.cqHeadAt = memory.cqHead;
        this.cqTailAt = memory.cqTail;
        this.cqesAt = memory.cqes;
        this.sqMask = memory.sqMask;
        this.sqEntries = memory.sqEntries;
        this.cqMask = memory.cqMask;
        this.sqTail = (int) INT.getAcquire(sq, sqTailAt);
        this.sqHeadSeen = (int) INT.getAcquire(sq, sqHeadAt);
        this.cqHead = (int) INT.getAcquire(cq, cqHeadAt);
        MemorySegment scratch = Arena.ofAuto().allocate(Libc.CAPTURE_SIZE + 64, 8);
        this.eventsArg = scratch.asSlice(0, Uapi.GETEVENTS_ARG_SIZE);
        this.timespec = scratch.asSlice(32, 16);
        this.capture = scratch.asSlice(48);
        eventsArg.set(JAVA_INT, 8, 8); // sigmask_sz = _NSIG / 8 (no sigmask is passed: sigmask stays NULL)
    }

    /**
     * Creates a ring, io_uring_setup(2) with IORING_SETUP_CQSIZE, IORING_SETUP_SUBMIT_ALL and
     * IORING_SETUP_COOP_TASKRUN, plus IORING_SETUP_SINGLE_ISSUER|IORING_SETUP_DEFER_TASKRUN when
     * {@code singleIssuer}, and maps its queues (IORING_FEAT_SINGLE_MMAP: SQ and CQ rings in one mapping).
     *
     * @param sqEntries submission queue size, 1..32768 (the kernel rounds it up to a power of two)
     * @param cqEntries completion queue size, at least {@code sqEntries} (rounded up to a power of two); with
     *     IORING_FEAT_NODROP a full CQ does not lose completions, but keeps them in the kernel until drained
     * @param singleIssuer only the calling thread will ever submit, wait or register (faster: task work runs only
     *     when that thread waits; see {@link #submitAndWait(long)})
     * @return the ring, owned by the caller ({@link #close()})
     * @throws IOException if io_uring is unavailable (the message says why, as {@link #unavailableReason()}
     *     does), the sizes are refused (EINVAL), or the kernel lacks IORING_FEAT_NODROP or IORING_FEAT_EXT_ARG
     */
    public static IoUring open(int sqEntries, int cqEntries, boolean singleIssuer) throws IOException {
        int flags = Uapi.SETUP_CQSIZE | Uapi.SETUP_SUBMIT_ALL | Uapi.SETUP_COOP_TASKRUN;
        if (singleIssuer) {
            flags |= Uapi.SETUP_SINGLE_ISSUER | Uapi.SETUP_DEFER_TASKRUN;
        }
        return RingMemory.setup(sqEntries, cqEntries, flags, singleIssuer);
    }

    /**
     * Prepares a multishot accept, IORING_OP_ACCEPT with IORING_ACCEPT_MULTISHOT: one completion per accepted
     * connection, {@code res} the new descriptor (non-blocking, close-on-exec), {@link #CQE_F_MORE} while it stays
     * armed. The peer address is not asked for ({@link LinuxSockets#remoteAddress(int)} has it).
     *
     * @param listenFd a listening socket ({@link LinuxSockets#openListener})
     * @param userData echoed in every completion
     * @return false if the SQ is full (nothing was written)
     */
    public boolean acceptMultishot(int listenFd, long userData) {
        return prepare(Uapi.OP_ACCEPT, 0, Uapi.ACCEPT_MULTISHOT, listenFd, 0, 0, 0, SOCK_NONBLOCK | SOCK_CLOEXEC,
                userData, 0);
    }

    /**
     * Prepares a multishot receive, IORING_OP_RECV with IOSQE_BUFFER_SELECT and IORING_RECV_MULTISHOT (kernel
     * 6.0+): each completion carries bytes in a buffer the kernel picked from {@code bufferGroup}
     * ({@link #CQE_F_BUFFER}, {@link #bufferId(int)}); {@code res} 0 is end of stream; {@code -ENOBUFS} when the
     * group has no free buffer, which ends the request (no {@link #CQE_F_MORE}): recycle buffers and re-arm.
     *
     * @param fd a connected socket
     * @param bufferGroup a group registered with {@link ProvidedBufferRing#register}
     * @param userData echoed in every completion
     * @return false if the SQ is full
     */
    public boolean recvMultishot(int fd, short bufferGroup, long userData) {
        return prepare(Uapi.OP_RECV, Uapi.IOSQE_BUFFER_SELECT, Uapi.RECV_MULTISHOT, fd, 0, 0, 0, 0, userData,
                bufferGroup);
    }

    /**
     * Prepares a single receive, IORING_OP_RECV with IOSQE_BUFFER_SELECT: one completion, with bytes in a buffer
     * the kernel picked from {@code bufferGroup}, 0 at end of stream, or -errno. For connections whose reading is
     * paused now and then: after a cancel, at most this one completion still brings bytes.
     *
     * @param fd a connected socket
     * @param bufferGroup a group registered with {@link ProvidedBufferRing#register}
     * @param userData echoed in the completion
     * @return false if the SQ is full
     */
    public boolean recv(int fd, short bufferGroup, long userData) {
        return prepare(Uapi.OP_RECV, Uapi.IOSQE_BUFFER_SELECT, 0, fd, 0, 0, 0, 0, userData, bufferGroup);
    }

    /**
     * Prepares IORING_OP_SEND with MSG_NOSIGNAL (a closed peer gives {@code -EPIPE}, not SIGPIPE). The completion's
     * {@code res} is the number of bytes sent, which may be fewer than {@code length}.
     *
     * @param fd a connected socket
     * @param address native address of the first byte; the caller keeps the memory alive and unchanged until
     *     the completion (see {@link #address(ByteBuffer)})
     * @param length bytes to send
     * @param userData echoed in the completion
     * @return false if the SQ is full
     */
    public boolean send(int fd, long address, int length, long userData) {
        return prepare(Uapi.OP_SEND, 0, 0, fd, 0, address, length, MSG_NOSIGNAL, userData, 0);
    }

    /**
     * Prepares IORING_OP_READ at the current file position (offset -1), e.g. 8 bytes from an eventfd.
     *
     * @param fd a descriptor
     * @param address native address to read into; kept alive by the caller until the completion
     * @param length bytes to read at most
     * @param userData echoed in the completion
     * @return false if the SQ is full
     */
    public boolean read(int fd, long address, int length, long userData) {
        return prepare(Uapi.OP_READ, 0, 0, fd, -1L, address, length, 0, userData, 0);
    }

    /**
     * Prepares IORING_OP_ASYNC_CANCEL of the request with the given {@code user_data}. The cancelled request
     * completes with {@code -ECANCELED} (a multishot one without {@link #CQE_F_MORE}); this request completes with
     * 0, or {@code -ENOENT} if no such request was pending, or {@code -EALREADY} if it was already running.
     *
     * @param targetUserData the {@code user_data} of the request to cancel
     * @param userData echoed in this request's own completion
     * @return false if the SQ is full
     */
    public boolean cancel(long targetUserData, long userData) {
        return prepare(Uapi.OP_ASYNC_CANCEL, 0, 0, -1, 0, targetUserData, 0, 0, userData, 0);
    }

    /**
     * Prepares IORING_OP_NOP, which completes with {@code res} 0.
     *
     * @param userData echoed in the completion
     * @return false if the SQ is full
     */
    public boolean nop(long userData) {
        return prepare(Uapi.OP_NOP, 0, 0, -1, 0, 0, 0, 0, userData, 0);
    }

    /**
     * Hands the prepared submissions to the kernel, io_uring_enter(2) without waiting. EINTR is retried; EAGAIN
     * and EBUSY (the kernel is short of memory, or completions wait in its overflow list: drain, then submit
     * again) return 0.
     *
     * @return how many submissions the kernel took
     * @throws IOException if io_uring_enter fails otherwise (e.g. EBADF after close, EEXIST from a thread other
     *     than the single issuer)
     */
    public int submit() throws IOException {
        while (true) {
            int toSubmit = publish();
            if (toSubmit == 0) {
                return 0;
            }
            long r = Libc.syscall(capture, Libc.SYS_IO_URING_ENTER, fd, toSubmit, 0, 0, 0, 0);
            if (r >= 0) {
                return (int) r;
            }
            int errno = Libc.errno(capture);
            if (errno == Errno.EAGAIN || errno == Errno.EBUSY) {
                return 0;
            }
            if (errno != Errno.EINTR) {
                throw Errno.exception("io_uring_enter", errno);
            }
        }
    }

    /**
     * Submits what is prepared and waits for completions, io_uring_enter(2) with IORING_ENTER_GETEVENTS and
     * IORING_ENTER_EXT_ARG (struct io_uring_getevents_arg; the timeout is relative). Under
     * IORING_SETUP_DEFER_TASKRUN this is also where finished requests post their completions. Returns early if
     * completions are already waiting. Allocation-free.
     *
     * @param timeoutNanos {@code < 0}: wait for at least one completion without limit; {@code 0}: do not wait
     *     (submit and run pending task work); {@code > 0}: wait at most that long for one completion
     * @return how many submissions the kernel took (ETIME, EINTR, EAGAIN and EBUSY are not errors)
     * @throws IOException if io_uring_enter fails otherwise
     */
    public int submitAndWait(long timeoutNanos) throws IOException {
        int before = (int) INT.getAcquire(sq, sqHeadAt);
        int toSubmit = publish();
        long ts = 0;
        if (timeoutNanos > 0) {
            timespec.set(JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
            timespec.set(JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
            ts = timespec.address();
        }
        eventsArg.set(JAVA_LONG, 16, ts);
        long r = Libc.syscall(capture, Libc.SYS_IO_URING_ENTER, fd, toSubmit, timeoutNanos == 0 ? 0 : 1,
                Uapi.ENTER_GETEVENTS | Uapi.ENTER_EXT_ARG, eventsArg.address(), Uapi.GETEVENTS_ARG_SIZE);
        if (r >= 0) {
            return (int) r;
        }
        int errno = Libc.errno(capture);
        if (errno == Errno.ETIME || errno == Errno.EINTR || errno == Errno.EAGAIN || errno == Errno.EBUSY) {
            return (int) INT.getAcquire(sq, sqHeadAt) - before;
        }
        throw Errno.exception("io_uring_enter", errno);
    }

    /**
     * Hands every completion available now to {@code handler}, in order, consuming each before the call (so the
     * handler may prepare, submit or drain again). Completions posted while this runs wait for the next call.
     *
     * @param handler called once per completion
     * @return how many completions were handled
     */
    public int drain(CompletionHandler handler) {
        int tail = (int) INT.getAcquire(cq, cqTailAt);
        int handled = 0;
        MemorySegment ring = cq;
        // cqHead is re-read each time: a nested drain from the handler may have moved it
        while (cqHead - tail < 0) {
            int head = cqHead;
            long at = cqesAt + (long) (head & cqMask) * Uapi.CQE_SIZE;
            long userData = ring.get(JAVA_LONG, at);
            int result = ring.get(JAVA_INT, at + 8);
            int flags = ring.get(JAVA_INT, at + 12);
            cqHead = head + 1;
            INT.setRelease(ring, cqHeadAt, head + 1);
            handled++;
            handler.complete(userData, result, flags);
        }
        return handled;
    }

    /**
     * The provided-buffer id of a completion that has {@link #CQE_F_BUFFER} (IORING_CQE_BUFFER_SHIFT).
     *
     * @param cqeFlags {@code cqe.flags}
     * @return the buffer id, 0..65535
     */
    public static int bufferId(int cqeFlags) {
        return cqeFlags >>> 16;
    }

    /**
     * The native address of a direct buffer's first byte (index 0, not its position). Makes a small object: cache
     * the result per buffer on hot paths.
     *
     * @param direct a direct buffer
     * @return its base address
     * @throws IllegalArgumentException if the buffer is not direct
     */
    public static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer: " + direct);
        }
        return MemorySegment.ofBuffer(direct).address() - direct.position();
    }

    /**
     * The ring's descriptor (for io_uring_register(2), or to tell rings apart in logs).
     *
     * @return the descriptor; still returned after close, when it is no longer valid
     */
    public int fd() {
        return fd;
    }

    /** Whether the ring was opened with IORING_SETUP_SINGLE_ISSUER|IORING_SETUP_DEFER_TASKRUN. */
    boolean singleIssuer() {
        return singleIssuer;
    }

    /** Whether {@link #close()} ran (its descriptor number may belong to another file by now). */
    boolean isClosed() {
        return closed;
    }

    /**
     * Unmaps the queues and closes the ring (the kernel cancels what is still pending and releases its
     * resources). Call it on the owning thread once it no longer uses the ring; idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        sq = cq = sqes = MemorySegment.NULL;
        memory.unmap();
        Libc.close(fd);
    }

    /**
     * Why io_uring with everything this module uses cannot run here, in one line, or null when it can: the JVM
     * allows native access, the OS and CPU are supported, io_uring is not disabled by sysctl, seccomp or the
     * container, the kernel has IORING_FEAT_NODROP and IORING_FEAT_EXT_ARG, the opcodes ACCEPT, RECV, SEND, READ
     * and ASYNC_CANCEL (IORING_REGISTER_PROBE), provided-buffer rings, and multishot receive (kernel 6.0+). Tried
     * once (a small ring), then cached. Never throws.
     *
     * @return null, or e.g. "io_uring is disabled (sysctl kernel.io_uring_disabled=2)"
     */
    public static String unavailableReason() {
        return IoUringAvailability.reason();
    }

    /** io_uring_register(2) on this ring; returns the result or throws with {@code what} in the message. */
    int register(int opcode, MemorySegment arg, int count, String what) throws IOException {
        long r = Libc.syscall(capture, Libc.SYS_IO_URING_REGISTER, fd, opcode, arg.address(), count, 0, 0);
        if (r < 0) {
            throw Errno.exception(what, Libc.errno(capture));
        }
        return (int) r;
    }

    /** Publishes the prepared SQEs (release store of the SQ tail) and returns how many the kernel has not taken. */
    private int publish() {
        INT.setRelease(sq, sqTailAt, sqTail);
        return sqTail - (int) INT.getAcquire(sq, sqHeadAt);
    }

    /**
     * Writes one SQE as eight 64-bit words (every byte, so no separate zeroing): opcode, flags, ioprio, fd | off |
     * addr | len, op flags | user_data | buf_group, personality 0, file_index 0 | addr3 0 | pad 0.
     */
    private boolean prepare(byte opcode, int flags, int ioprio, int fd, long off, long addr, int len, int opFlags,
            long userData, int bufGroup) {
        int tail = sqTail;
        if (tail - sqHeadSeen >= sqEntries) {
            sqHeadSeen = (int) INT.getAcquire(sq, sqHeadAt);
            if (tail - sqHeadSeen >= sqEntries) {
                return false;
            }
        }
        MemorySegment s = sqes;
        long at = (long) (tail & sqMask) * Uapi.SQE_SIZE;
        s.set(JAVA_LONG, at, (opcode & 0xFFL) | (flags & 0xFFL) << 8 | (ioprio & 0xFFFFL) << 16
                | (fd & 0xFFFFFFFFL) << 32);
        s.set(JAVA_LONG, at + 8, off);
        s.set(JAVA_LONG, at + 16, addr);
        s.set(JAVA_LONG, at + 24, (len & 0xFFFFFFFFL) | (opFlags & 0xFFFFFFFFL) << 32);
        s.set(JAVA_LONG, at + 32, userData);
        s.set(JAVA_LONG, at + 40, bufGroup & 0xFFFFL);
        s.set(JAVA_LONG, at + 48, 0L);
        s.set(JAVA_LONG, at + 56, 0L);
        sqTail = tail + 1;
        return true;
    }
}
