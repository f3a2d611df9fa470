package io.keel.transport.iouring;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.BindException;

/**
 * Linux {@code errno} values (x86_64 and aarch64 numbering, {@code asm-generic/errno-base.h} and
 * {@code errno.h}) and the exceptions Keel reports for them.
 *
 * <p>Completion results ({@code io_uring_cqe.res}) carry errors as {@code -errno}; the system calls of
 * {@link LinuxSockets} and {@link IoUring} return -1 and set {@code errno}. Both end up in
 * {@link #exception(String, int)}.
 */
public final class Errno {
    /** Interrupted system call (EINTR): a signal arrived; retry. */
    public static final int EINTR = 4;
    /** Bad file descriptor (EBADF). */
    public static final int EBADF = 9;
    /** Resource temporarily unavailable (EAGAIN, same as EWOULDBLOCK). */
    public static final int EAGAIN = 11;
    /** Cannot allocate memory (ENOMEM). */
    public static final int ENOMEM = 12;
    /** Permission denied (EACCES). */
    public static final int EACCES = 13;
    /** Device or resource busy (EBUSY): io_uring_enter(2) with completions still in the overflow list. */
    public static final int EBUSY = 16;
    /** File exists (EEXIST). */
    public static final int EEXIST = 17;
    /** Invalid argument (EINVAL). */
    public static final int EINVAL = 22;
    /** Too many open files (EMFILE). */
    public static final int EMFILE = 24;
    /** Broken pipe (EPIPE): sending after the peer closed. */
    public static final int EPIPE = 32;
    /** Function not implemented (ENOSYS). */
    public static final int ENOSYS = 38;
    /** Timer expired (ETIME): an io_uring wait or timeout ran out. */
    public static final int ETIME = 62;
    /** Address family not supported by protocol (EAFNOSUPPORT). */
    public static final int EAFNOSUPPORT = 97;
    /** Address already in use (EADDRINUSE). */
    public static final int EADDRINUSE = 98;
    /** Cannot assign requested address (EADDRNOTAVAIL). */
    public static final int EADDRNOTAVAIL = 99;
    /** Connection reset by peer (ECONNRESET). */
    public static final int ECONNRESET = 104;
    /** No buffer space available (ENOBUFS): a provided-buffer group ran dry. */
    public static final int ENOBUFS = 105;
    /** Transport endpoint is not connected (ENOTCONN). */
    public static final int ENOTCONN = 107;
    /** Operation canceled (ECANCELED): an io_uring request ended by IORING_OP_ASYNC_CANCEL or ring teardown. */
    public static final int ECANCELED = 125;
    /** Operation not permitted (EPERM). */
    public static final int EPERM = 1;

    private Errno() {
    }

    /**
     * The exception for a failed call, with the wording the JDK's own sockets use where one exists.
     *
     * @param call what failed, e.g. {@code "bind"} or {@code "io_uring_setup"}; part of the message
     * @param errno the positive errno value (a negative {@code cqe.res} is accepted too and negated)
     * @return a {@link BindException} "Address already in use" for EADDRINUSE, "Cannot assign requested address"
     *     for EADDRNOTAVAIL and "Permission denied" for EACCES from bind, an {@link IOException}
     *     "Connection reset by peer" for ECONNRESET, "Broken pipe" for EPIPE, else an {@link IOException}
     *     {@code "<call>: <strerror text> (errno N)"}; never null, never thrown here
     */
    public static IOException exception(String call, int errno) {
        int value = Math.abs(errno);
        return switch (value) {
            case EADDRINUSE -> new BindException("Address already in use");
            case EADDRNOTAVAIL -> new BindException("Cannot assign requested address");
            case EACCES -> call.startsWith("bind") ? new BindException("Permission denied")
                : new IOException(call + ": " + describe(value) + " (errno " + value + ")");
            case ECONNRESET -> new IOException("Connection reset by peer");
            case EPIPE -> new IOException("Broken pipe");
            default -> new IOException(call + ": " + describe(value) + " (errno " + value + ")");
        };
    }

    /**
     * The C library's text for an errno value, strerror(3).
     *
     * @param errno a positive errno value
     * @return e.g. "Operation not permitted"; "errno N" if the C library cannot be called
     */
    public static String describe(int errno) {
        try {
            MemorySegment text = (MemorySegment) Libc.STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
