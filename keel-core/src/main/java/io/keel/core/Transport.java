package io.keel.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * How one {@link EventLoop} reaches the kernel: the only place where the core touches sockets and the readiness
 * (or completion) machinery. Part of the transport SPI: applications choose a transport by name
 * ({@link Server.Builder#transport(String)}) and never call it. Two implementations exist: NIO (a JDK
 * {@code Selector} over {@code SocketChannel}s, epoll on Linux, in the core) and io_uring (module
 * {@code keel-transport-io_uring}: multishot accept and receive into provided buffers, sends batched into one
 * system call per loop iteration). The layers above (connections, TLS, WebSocket) are the same on both.
 *
 * <h2>Handles</h2>
 * Each socket is known above the transport by an opaque handle that {@link #register} (or {@link #bind}, for a
 * listener) returns and the connection keeps in one field: the transport's own per-socket state (for NIO the
 * {@code SelectionKey}). Only the transport that made a handle looks inside it.
 *
 * <h2>Events</h2>
 * {@link #poll} waits for the kernel and delivers each event on the loop thread by calling the connection
 * ({@link SocketEvents}) or listener ({@link AcceptEvents}) it concerns, after {@link TransportLoop#eventsArrived()}
 * for the first one. Writability is delivered before input, so a connection that reads and writes frees its queue
 * first. A readiness transport reports {@link SocketEvents#readable()} and the connection calls {@link #read}; a
 * completion transport reads by itself and reports {@link SocketEvents#received} (then {@link #read} returns 0).
 *
 * <h2>Buffers</h2>
 * The caller owns every buffer it passes; the transport keeps none after a call returns. A read fills the caller's
 * buffer (the loop's read buffer, shared by all its connections, so an idle connection holds none) from its
 * position; a write takes bytes from the buffers' positions and moves them past what it took: those bytes are the
 * transport's (written, or copied for a send the transport submits later) and the caller may reuse the buffers at
 * once. A write that takes less than offered means "full": the caller queues the rest and asks for writability.
 *
 * <h2>Threads</h2>
 * Every method runs on the loop thread that owns the transport, except {@link #bind} (any thread, before the loop
 * starts), {@link #wakeup()} (any thread) and {@link #release()}. Calls on the hot path ({@link #read},
 * {@link #write(Object, ByteBuffer)}, {@link #write(Object, ByteBuffer[], int, int)}, {@link #interest}) allocate
 * nothing.
 */
public interface Transport {

    /**
     * Takes over an accepted socket (from {@link AcceptEvents#accepted}, of a listener of this same kind of
     * transport) for {@code connection}, interested in input.
     *
     * @param socket the accepted socket, in the transport's own form
     * @param connection whom to tell of its events
     * @return the handle by which the connection names its socket from now on
     * @throws IOException when the socket cannot be registered; the caller then gives it to {@link #closeAccepted}
     */
    Object register(Object socket, SocketEvents connection) throws IOException;

    /**
     * Reads what the socket holds into {@code dst}, from its position up to its limit.
     *
     * @param handle the connection's handle
     * @param dst where to put the bytes
     * @return the bytes read (0: nothing there now; always 0 on a completion transport), or -1 at the end of input
     * @throws IOException when the connection failed (reset by the peer...)
     */
    int read(Object handle, ByteBuffer dst) throws IOException;

    /**
     * Writes, or takes for a send submitted later, what the socket can have now of {@code src}, from its position;
     * the position moves past it.
     *
     * @param handle the connection's handle
     * @param src the bytes, the caller's again when this returns
     * @return the bytes taken, 0 when the socket is full
     * @throws IOException when the connection failed
     */
    int write(Object handle, ByteBuffer src) throws IOException;

    /**
     * A gathering write of {@code srcs[offset .. offset+length)}, in order, as one system call where the kernel
     * allows.
     *
     * @param handle the connection's handle
     * @param srcs the buffers, the caller's again when this returns
     * @param offset the first buffer to write
     * @param length how many buffers
     * @return the bytes taken, 0 when the socket is full
     * @throws IOException when the connection failed
     */
    long write(Object handle, ByteBuffer[] srcs, int offset, int length) throws IOException;

    /**
     * Which events the connection wants: input ({@code read}) and writability ({@code write}, asked only while
     * output is queued). Cheap when nothing changes; ignored once the handle is closed.
     *
     * @param handle the connection's handle
     * @param read whether input is wanted (false while the connection pauses reading)
     * @param write whether {@link SocketEvents#writable()} is wanted
     */
    void interest(Object handle, boolean read, boolean write);

    /**
     * Sends the FIN (TCP half-close) once everything taken before is sent; input stays open.
     *
     * @param handle the connection's handle
     * @throws IOException when the connection failed
     */
    void shutdownOutput(Object handle) throws IOException;

    /**
     * Closes the socket and forgets the handle; errors are ignored (the connection is gone either way).
     *
     * @param handle the connection's handle
     */
    void close(Object handle);

    /**
     * The peer's address.
     *
     * @param handle the connection's handle
     * @return the address, or null when the socket cannot tell (closed)
     */
    InetSocketAddress remoteAddress(Object handle);

    /**
     * The local address.
     *
     * @param handle the connection's handle
     * @return the address, or null when the socket cannot tell (closed)
     */
    InetSocketAddress localAddress(Object handle);

    /**
     * Opens a listening socket, bound, not yet accepting. Called from any thread before the loop starts.
     *
     * @param address where to listen
     * @param backlog the kernel's queue of connections not yet accepted
     * @param reusePort whether several listeners may share the address (SO_REUSEPORT)
     * @return the listener's handle, for {@link #listen}, {@link #listenerAddress}, {@link #accepting} and
     *     {@link #closeListener}
     * @throws IOException when it cannot be bound ({@link java.net.BindException} when the address is in use)
     */
    Object bind(InetSocketAddress address, int backlog, boolean reusePort) throws IOException;

    /**
     * The address a listener is bound to.
     *
     * @param listener the listener's handle
     * @return the address, with the real port when 0 was asked for
     * @throws IOException when the socket cannot tell
     */
    InetSocketAddress listenerAddress(Object listener) throws IOException;

    /**
     * Starts accepting on a listener: accepted connections go to {@code acceptor}.
     *
     * @param listener the listener's handle, from this transport's {@link #bind}
     * @param acceptor whom to tell
     * @throws IOException when it cannot be registered
     */
    void listen(Object listener, AcceptEvents acceptor) throws IOException;

    /**
     * Pauses ({@code false}) or resumes accepting.
     *
     * @param listener the listener's handle
     * @param on whether to accept
     */
    void accepting(Object listener, boolean on);

    /**
     * Closes a listener: it accepts nothing more. Errors are ignored.
     *
     * @param listener the listener's handle
     */
    void closeListener(Object listener);

    /**
     * Closes an accepted socket that was refused (connection limit) or could not be registered.
     *
     * @param socket the socket as {@link AcceptEvents#accepted} gave it
     */
    void closeAccepted(Object socket);

    /**
     * Submits what is pending, waits for events and delivers them (see the class comment), then returns.
     *
     * @param timeoutMillis negative: do not wait; 0: wait until an event or {@link #wakeup()}; else at most this long
     * @throws IOException when the transport itself failed: the loop ends
     */
    void poll(long timeoutMillis) throws IOException;

    /** Makes a {@link #poll} in progress, or the next one, return at once. Safe from any thread. */
    void wakeup();

    /**
     * The open connections registered here, for a graceful shutdown.
     *
     * @return a new list
     */
    List<SocketEvents> connections();

    /** Aborts every connection, closes every listener, then releases the transport itself. On the loop thread. */
    void closeAll();

    /** Releases the transport when its loop never ran (a server that failed to start). */
    void release();
}
