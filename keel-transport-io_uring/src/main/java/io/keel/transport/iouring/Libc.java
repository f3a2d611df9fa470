package io.keel.transport.iouring;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The C library functions this module calls, as downcall handles (no JNI, no library of our own: the JDK's
 * {@link Linker#defaultLookup()} finds them in the libc the JVM already runs on).
 *
 * <p>Every handle that can fail takes, as its first argument, a segment of {@link #CAPTURE_SIZE} bytes into
 * which the linker stores {@code errno} right after the call ({@link Linker.Option#captureCallState}): reading
 * {@code errno} through a second call would see whatever the JVM did in between. Handles are {@code static final}
 * and called with {@code invokeExact}, so the JIT inlines them and nothing is boxed.
 *
 * <p>Loading this class runs restricted methods; when the JVM refuses native access it fails with an
 * {@link IllegalCallerException} (inside an {@link ExceptionInInitializerError}), which
 * {@link IoUringAvailability} turns into a sentence.
 */
final class Libc {
    /** io_uring_setup(2), io_uring_enter(2), io_uring_register(2): the same numbers on every architecture. */
    static final long SYS_IO_URING_SETUP = 425, SYS_IO_URING_ENTER = 426, SYS_IO_URING_REGISTER = 427;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final long ERRNO_OFFSET =
            Linker.Option.captureStateLayout().byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    /** Bytes a capture segment needs (the linker's capture-state layout). */
    static final long CAPTURE_SIZE = Linker.Option.captureStateLayout().byteSize();

    /** {@code long syscall(long number, ...)} with six {@code long} arguments (unused ones 0). */
    static final MethodHandle SYSCALL = capturing("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                    JAVA_LONG), Linker.Option.firstVariadicArg(1));
    /** {@code void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)}. */
    static final MethodHandle MMAP = capturing("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    /** {@code int munmap(void *addr, size_t length)} (no errno: failures are ignored). */
    static final MethodHandle MUNMAP = plain("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    /** {@code int socket(int domain, int type, int protocol)}. */
    static final MethodHandle SOCKET = capturing("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    /** {@code int setsockopt(int fd, int level, int name, const void *value, socklen_t length)}. */
    static final MethodHandle SETSOCKOPT = capturing("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    /** {@code int bind(int fd, const struct sockaddr *address, socklen_t length)}. */
    static final MethodHandle BIND = capturing("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    /** {@code int listen(int fd, int backlog)}. */
    static final MethodHandle LISTEN = capturing("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** {@code int getsockname(int fd, struct sockaddr *address, socklen_t *length)}. */
    static final MethodHandle GETSOCKNAME = capturing("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    /** {@code int getpeername(int fd, struct sockaddr *address, socklen_t *length)}. */
    static final MethodHandle GETPEERNAME = capturing("getpeername",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    /** {@code int shutdown(int fd, int how)}. */
    static final MethodHandle SHUTDOWN = capturing("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** {@code int close(int fd)} (no errno: Linux releases the descriptor even when close reports an error). */
    static final MethodHandle CLOSE = plain("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    /** {@code int eventfd(unsigned int initval, int flags)}. */
    static final MethodHandle EVENTFD = capturing("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** {@code ssize_t write(int fd, const void *buffer, size_t count)} (address as a long: no segment object). */
    static final MethodHandle WRITE = capturing("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    /** {@code char *strerror(int errnum)}. */
    static final MethodHandle STRERROR = plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {
    }

    /** The {@code errno} the last capturing call stored in {@code capture}. */
    static int errno(MemorySegment capture) {
        return capture.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
    }

    /** {@code syscall(number, a1..a6)}: the raw result, -1 with errno in {@code capture} on failure. */
    static long syscall(MemorySegment capture, long number, long a1, long a2, long a3, long a4, long a5, long a6) {
        try {
            return (long) SYSCALL.invokeExact(capture, number, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** close(2), errors ignored. */
    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** munmap(2), errors ignored. */
    static void munmap(long address, long length) {
        try {
            int ignored = (int) MUNMAP.invokeExact(address, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Downcalls throw only unchecked exceptions (or errors); anything else would be a linker bug. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    private static MethodHandle capturing(String name, FunctionDescriptor descriptor, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = ERRNO;
        System.arraycopy(more, 0, options, 1, more.length);
        return LINKER.downcallHandle(find(name), descriptor, options);
    }

    private static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(name), descriptor);
    }

    private static MemorySegment find(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("the C library has no " + name));
    }
}
