package io.keel.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * How one {@link EventLoop} reaches the kernel: the only place where the core touches sockets and the
 * readiness (or completion) machinery. {@link NioTransport} (a JDK {@code Selector} over {@code SocketChannel}s,
 * epoll on Linux) is the one implementation; a completion-based transport (io_uring: multishot accept and
 * receive into provided buffers, batched sends) implements the same calls, and the layers above (connections,
 * TLS, WebSocket) do not change.
 *
 * <h2>Handles</h2>
 * Each socket is known above the transport by an opaque handle that {@link #register} returns and the connection
 * keeps in one field: the transport's own per-connection state (for NIO the {@code SelectionKey}, whose channel is
 * the socket), so that no object is added per connection. Only the transport that made a handle looks inside it.
 *
 * <h2>Events</h2>
 * {@link #poll} waits for the kernel and delivers each event on the loop thread by calling the connection it
 * concerns: {@link NioConnection#writable()} when queued output can go (before input, so a connection that reads
 * and writes frees its queue first), {@link NioConnection#readable()} when input or the end of input can be read,
 * and {@link Acceptor#acceptReady()} for a listener. A completion-based transport reports the same three things
 * (a send completed, bytes arrived, connections arrived).
 *
 * <h2>Buffers</h2>
 * The caller owns every buffer it passes; the transport keeps none after a call returns. A read fills the caller's
 * buffer (the loop's read buffer, shared by all its connections, so an idle connection holds none) from its
 * position; a write takes bytes from the buffers' positions and moves them past what it took: those bytes are the
 * transport's (written, or copied for a later batched send) and the caller may reuse the buffers at once.
 *
 * <h2>Threads</h2>
 * Every method runs on the loop thread that owns the transport, except {@link #wakeup()}, which any thread may
 * call. Calls on the hot path ({@link #read}, {@link #write(Object, ByteBuffer)},
 * {@link #write(Object, ByteBuffer[], int, int)}, {@link #interest}) allocate nothing.
 */
interface Transport {

    /**
     * Takes over an accepted, non-blocking socket for {@code connection}, interested in input.
     *
     * @return the handle by which the connection names its socket from now on
     * @throws IOException when the socket cannot be registered; the caller then closes it
     */
    Object register(SocketChannel socket, NioConnection connection) throws IOException;

    /**
     * Reads what the socket holds into {@code dst}, from its position up to its limit.
     *
     * @return the bytes read (0: nothing there now), or -1 at the end of input (the peer's FIN)
     * @throws IOException when the connection failed (reset by the peer...)
     */
    int read(Object handle, ByteBuffer dst) throws IOException;

    /**
     * Writes what the socket takes now of {@code src}, from its position; the position moves past it.
     *
     * @return the bytes taken, 0 when the socket is full
     * @throws IOException when the connection failed
     */
    int write(Object handle, ByteBuffer src) throws IOException;

    /**
     * A gathering write of {@code srcs[offset .. offset+length)}, in order, as one system call where the kernel
     * allows.
     *
     * @return the bytes taken, 0 when the socket is full
     * @throws IOException when the connection failed
     */
    long write(Object handle, ByteBuffer[] srcs, int offset, int length) throws IOException;

    /**
     * Which events the connection wants: input ({@code read}) and the socket becoming writable again
     * ({@code write}, asked only while output is queued). Cheap when nothing changes; ignored once the handle is
     * closed.
     */
    void interest(Object handle, boolean read, boolean write);

    /**
     * Sends the FIN (TCP half-close); input stays open.
     *
     * @throws IOException when the connection failed
     */
    void shutdownOutput(Object handle) throws IOException;

    /** Closes the socket and forgets the handle; errors are ignored (the connection is gone either way). */
    void close(Object handle);

    /** The peer's address, or null when the socket cannot tell (closed). */
    InetSocketAddress remoteAddress(Object handle);

    /** The local address, or null when the socket cannot tell (closed). */
    InetSocketAddress localAddress(Object handle);

    /**
     * Starts accepting on a bound, listening socket: {@link Acceptor#acceptReady()} is called when connections wait.
     *
     * @return the listener's handle, for {@link #accepting} and {@link #close}
     * @throws IOException when it cannot be registered
     */
    Object listen(ServerSocketChannel listener, Acceptor acceptor) throws IOException;

    /** Pauses ({@code false}) or resumes accepting on a listener's handle. */
    void accepting(Object listenerHandle, boolean on);

    /**
     * Waits for events and delivers them (see the class comment), then returns.
     *
     * @param timeoutMillis negative: do not wait; 0: wait until an event or {@link #wakeup()}; else at most this long
     * @throws IOException when the transport itself failed: the loop ends
     */
    void poll(long timeoutMillis) throws IOException;

    /** Makes a {@link #poll} in progress, or the next one, return at once. Safe from any thread. */
    void wakeup();

    /** The open connections registered here (for a graceful shutdown; allocates a list). */
    List<NioConnection> connections();

    /** Aborts every connection, closes every listener, then releases the transport itself. */
    void closeAll();

    /** Releases the transport when its loop never ran (a server that failed to start). */
    void release();
}
