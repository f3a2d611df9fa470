package io.keel.transport.iouring;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * The socket calls an io_uring transport needs besides the ring: a listening socket, addresses, socket options,
 * half-close, and an eventfd(2) to wake a ring from other threads. Descriptors are plain {@code int}s; the caller
 * owns them and closes them with {@link #close(int)}.
 *
 * <p>Listener and address calls allocate (a confined arena per call: they run once per listener or connection);
 * {@link #signalEventFd(int)} and {@link #setTcpNoDelay(int)} do not (a per-thread scratch segment).
 */
public final class LinuxSockets {
    private static final int SOCK_STREAM = 1, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_LINGER = 13, SO_REUSEPORT = 15;
    private static final int IPPROTO_TCP = 6, TCP_NODELAY = 1, IPPROTO_IPV6 = 41, IPV6_V6ONLY = 26;
    private static final int SHUT_WR = 1;
    private static final int EFD_NONBLOCK = 0x800, EFD_CLOEXEC = 0x80000;

    /**
     * Per thread: an 8-byte eventfd increment of 1, an 8-byte option value and the errno capture, made once per
     * thread that calls in (so the calls after the first allocate nothing) and freed with it (automatic arena).
     */
    private record Scratch(MemorySegment one, MemorySegment option, MemorySegment capture) {
        static Scratch create() {
            MemorySegment s = Arena.ofAuto().allocate(16 + Libc.CAPTURE_SIZE, 8);
            s.set(ValueLayout.JAVA_LONG, 0, 1L);
            return new Scratch(s.asSlice(0, 8), s.asSlice(8, 8), s.asSlice(16));
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::create);

    private LinuxSockets() {
    }

    /**
     * Opens a non-blocking TCP listening socket: socket(2) with SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC,
     * SO_REUSEADDR, SO_REUSEPORT if asked (socket(7)), IPV6_V6ONLY off for IPv6 addresses so that {@code ::} also
     * takes IPv4 clients (ipv6(7)), bind(2), listen(2).
     *
     * @param address where to listen; port 0 picks a free port (see {@link #localAddress(int)})
     * @param backlog listen(2) backlog (the kernel caps it at {@code net.core.somaxconn})
     * @param reusePort set SO_REUSEPORT, so several listeners (one per event loop) share the port
     * @return the listening descriptor, owned by the caller
     * @throws java.net.BindException if the address is in use
     * @throws IOException for an unresolved address or any other failure ("bind 10.9.9.9:80: Cannot assign
     *     requested address (errno 99)"); the socket is closed then
     */
    public static int openListener(InetSocketAddress address, int backlog, boolean reusePort) throws IOException {
        if (address == null) {
            throw new IOException("cannot listen: no address given");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(Libc.CAPTURE_SIZE);
            MemorySegment sockaddr = arena.allocate(SocketAddresses.MAX_SIZE, 8);
            int length = SocketAddresses.write(address, sockaddr);
            int family = SocketAddresses.family(address);
            int fd = invoke(Libc.SOCKET, capture, family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw Errno.exception("socket", Libc.errno(capture));
            }
            try {
                MemorySegment one = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
                MemorySegment zero = arena.allocateFrom(ValueLayout.JAVA_INT, 0);
                setOption(capture, fd, SOL_SOCKET, SO_REUSEADDR, one, "SO_REUSEADDR");
                if (reusePort) {
                    setOption(capture, fd, SOL_SOCKET, SO_REUSEPORT, one, "SO_REUSEPORT");
                }
                if (address.getAddress() instanceof Inet6Address) {
                    setOption(capture, fd, IPPROTO_IPV6, IPV6_V6ONLY, zero, "IPV6_V6ONLY");
                }
                if (invoke(Libc.BIND, capture, fd, sockaddr, length) < 0) {
                    throw Errno.exception("bind " + describe(address), Libc.errno(capture));
                }
                if (invoke(Libc.LISTEN, capture, fd, backlog) < 0) {
                    throw Errno.exception("listen " + describe(address), Libc.errno(capture));
                }
                return fd;
            } catch (IOException | RuntimeException e) {
                Libc.close(fd);
                throw e;
            }
        }
    }

    /**
     * The address a socket is bound to, getsockname(2).
     *
     * @param fd a socket descriptor
     * @return the address (IPv4-mapped IPv6 addresses as IPv4), or null if the call fails
     */
    public static InetSocketAddress localAddress(int fd) {
        return name(Libc.GETSOCKNAME, fd);
    }

    /**
     * The peer's address, getpeername(2).
     *
     * @param fd a connected socket descriptor
     * @return the address (IPv4-mapped IPv6 addresses as IPv4), or null if the call fails (e.g. ENOTCONN)
     */
    public static InetSocketAddress remoteAddress(int fd) {
        return name(Libc.GETPEERNAME, fd);
    }

    /**
     * Sets TCP_NODELAY, tcp(7). Allocation-free.
     *
     * @param fd a TCP socket
     * @throws IOException if setsockopt(2) fails
     */
    public static void setTcpNoDelay(int fd) throws IOException {
        Scratch scratch = SCRATCH.get();
        scratch.option.set(ValueLayout.JAVA_INT, 0, 1);
        if (invoke(Libc.SETSOCKOPT, scratch.capture, fd, IPPROTO_TCP, TCP_NODELAY, scratch.option, 4) < 0) {
            throw Errno.exception("setsockopt TCP_NODELAY", Libc.errno(scratch.capture));
        }
    }

    /**
     * Sets SO_LINGER on with a timeout of 0, socket(7): the next close sends RST instead of FIN and drops unsent
     * data (for aborting a connection).
     *
     * @param fd a TCP socket
     * @throws IOException if setsockopt(2) fails
     */
    public static void setLinger0(int fd) throws IOException {
        Scratch scratch = SCRATCH.get();
        scratch.option.set(ValueLayout.JAVA_INT, 0, 1); // struct linger.l_onoff
        scratch.option.set(ValueLayout.JAVA_INT, 4, 0); // l_linger, seconds
        if (invoke(Libc.SETSOCKOPT, scratch.capture, fd, SOL_SOCKET, SO_LINGER, scratch.option, 8) < 0) {
            throw Errno.exception("setsockopt SO_LINGER", Libc.errno(scratch.capture));
        }
    }

    /**
     * Half-closes a connection: shutdown(2) with SHUT_WR (sends FIN; receiving goes on).
     *
     * @param fd a connected socket
     * @throws IOException if shutdown(2) fails (e.g. ENOTCONN after a reset)
     */
    public static void shutdownOutput(int fd) throws IOException {
        Scratch scratch = SCRATCH.get();
        if (invoke(Libc.SHUTDOWN, scratch.capture, fd, SHUT_WR) < 0) {
            throw Errno.exception("shutdown", Libc.errno(scratch.capture));
        }
    }

    /**
     * Closes a descriptor, close(2). Errors are ignored: Linux frees the descriptor even when close reports one,
     * and there is nothing a caller could do. Never throws.
     *
     * @param fd any descriptor; negative values are ignored
     */
    public static void close(int fd) {
        if (fd >= 0) {
            Libc.close(fd);
        }
    }

    /**
     * Creates an eventfd(2) with EFD_NONBLOCK|EFD_CLOEXEC and a counter of 0, for waking a ring: the ring keeps an
     * IORING_OP_READ of 8 bytes on it, and other threads call {@link #signalEventFd(int)}.
     *
     * @return the descriptor, owned by the caller
     * @throws IOException if eventfd(2) fails (e.g. EMFILE)
     */
    public static int eventFd() throws IOException {
        Scratch scratch = SCRATCH.get();
        int fd = invoke(Libc.EVENTFD, scratch.capture, 0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd < 0) {
            throw Errno.exception("eventfd", Libc.errno(scratch.capture));
        }
        return fd;
    }

    /**
     * Adds 1 to an eventfd's counter, write(2) of 8 bytes, which completes a pending read on it. Safe from any
     * thread and allocation-free (a scratch segment per calling thread, made on its first call). EAGAIN (the
     * counter is at its maximum, so a reader is due anyway) is ignored.
     *
     * @param fd a descriptor from {@link #eventFd()}
     * @throws IOException if write(2) fails otherwise (e.g. EBADF after close)
     */
    public static void signalEventFd(int fd) throws IOException {
        Scratch scratch = SCRATCH.get();
        long written;
        try {
            written = (long) Libc.WRITE.invokeExact(scratch.capture, fd, scratch.one.address(), 8L);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (written < 0) {
            int errno = Libc.errno(scratch.capture);
            if (errno != Errno.EAGAIN && errno != Errno.EINTR) {
                throw Errno.exception("eventfd write", errno);
            }
        }
    }

    private static InetSocketAddress name(MethodHandle call, int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(Libc.CAPTURE_SIZE);
            MemorySegment sockaddr = arena.allocate(SocketAddresses.MAX_SIZE, 8);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, SocketAddresses.MAX_SIZE);
            if (invoke(call, capture, fd, sockaddr, length) < 0) {
                return null;
            }
            return SocketAddresses.read(sockaddr);
        }
    }

    private static void setOption(MemorySegment capture, int fd, int level, int name, MemorySegment value,
            String what) throws IOException {
        if (invoke(Libc.SETSOCKOPT, capture, fd, level, name, value, 4) < 0) {
            throw Errno.exception("setsockopt " + what, Libc.errno(capture));
        }
    }

    private static String describe(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    // Typed shims so each call site stays exact: (MethodHandle).invokeExact needs the static types to match.
    private static int invoke(MethodHandle h, MemorySegment c, int a, int b, int d) {
        try {
            return (int) h.invokeExact(c, a, b, d);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private static int invoke(MethodHandle h, MemorySegment c, int a, int b) {
        try {
            return (int) h.invokeExact(c, a, b);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private static int invoke(MethodHandle h, MemorySegment c, int a, MemorySegment b, int d) {
        try {
            return (int) h.invokeExact(c, a, b, d);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private static int invoke(MethodHandle h, MemorySegment c, int a, MemorySegment b, MemorySegment d) {
        try {
            return (int) h.invokeExact(c, a, b, d);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private static int invoke(MethodHandle h, MemorySegment c, int fd, int level, int name, MemorySegment v, int n) {
        try {
            return (int) h.invokeExact(c, fd, level, name, v, n);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
