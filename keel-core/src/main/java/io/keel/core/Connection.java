package io.keel.core;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * One connection as a handler sees it. Owned by one event loop, which runs all of its callbacks.
 *
 * <h2>Threads</h2>
 * Every method that sends, closes, pauses or resumes ({@link #send}, {@link #sendControl}, {@link #close},
 * {@link #shutdownOutput}, {@link #abort}, {@link #pauseReading}, {@link #resumeReading}) is safe from any thread,
 * as in Netty: on the owning loop it runs at once; from another thread it is handed to the loop and runs there in
 * the order that thread called it. A send handed over copies the bytes first, so the caller may reuse its buffer
 * at once either way; its status is then a promise made without waiting for the loop:
 * <ul>
 *   <li>{@link SendStatus#QUEUED}: handed over; the loop sends it unless the connection closes first;</li>
 *   <li>{@link SendStatus#BACKPRESSURE}: handed over, and what waits for this connection is over its high
 *       watermark: slow down until {@link ConnectionHandler#onWritable}, which is then always called once;</li>
 *   <li>{@link SendStatus#DROPPED}: refused (the connection is closing, or its queue limit is reached); nothing
 *       was copied and the buffer's position is unchanged.</li>
 * </ul>
 * A handed-over send is never {@link SendStatus#SENT}. The other methods ({@link #get}, {@link #set},
 * {@link #attach}, {@link #schedule}...) must be called on the loop; {@link #execute} brings code there.
 *
 * <h2>Buffers</h2>
 * A send takes the bytes from the buffer's position to its limit. When it is accepted (any status but
 * {@code DROPPED}) the position has moved to the limit and the buffer is the caller's again: the bytes were
 * written, or copied into the connection's pooled queue. When it is {@code DROPPED} the position is unchanged.
 * Input comes the other way, in {@link ConnectionHandler#onData}, whose buffer contract (consume by moving the
 * position) is described there.
 *
 * <h2>For layers</h2>
 * A handler sees {@link #send}, {@link #close}, {@link #pauseReading} and the rest. A layer that wraps a
 * connection in one of its own (TLS, WebSocket) also uses a few methods a handler does not need, each marked
 * "For layers" below:
 * <ul>
 *   <li>{@link #canSend()} and {@link #canSendControl()}: whether a unit would be accepted now, asked before the
 *       layer commits to it (a TLS record is encrypted, and its sequence number spent, only if it can go);</li>
 *   <li>{@link #sendContinuation}: the rest of a unit already accepted, never cut by the queue limit;</li>
 *   <li>{@link #reserveOffLoop} and {@link #releaseOffLoop}: the queue-limit accounting of a send the layer
 *       hands over from another thread to the loop;</li>
 *   <li>{@link #tlsSession()} and {@link #isSecure()}: overridden by the TLS layer.</li>
 * </ul>
 * A layer's connection forwards each of them to the connection it wraps, changing only what it must.
 */
public interface Connection {

    /**
     * Sends {@code data} (from its position to its limit). The bytes are written at once when the socket
     * takes them; what it does not take is copied into pooled memory and written when the socket becomes
     * writable. While a handler callback runs, sends are corked: gathered and written together when the
     * callback returns.
     *
     * @return what became of the bytes; see {@link SendStatus} and the class comment for sends from other threads
     */
    SendStatus send(ByteBuffer data);

    /**
     * Sends {@code prefix}, {@code payload} and {@code suffix} in that order as one unit: all accepted or all
     * {@link SendStatus#DROPPED}, so a framed message (header, payload, trailer) is never cut by the queue limit.
     * Any of them may be empty. One gathering write when the socket takes it at once.
     *
     * @return as {@link #send(ByteBuffer)}
     */
    SendStatus send(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix);

    /**
     * Sends a unit a protocol requires whatever the data queue holds (a WebSocket close reply or pong, an alert):
     * like {@link #send(ByteBuffer, ByteBuffer, ByteBuffer)}, but refused only when the connection is closing,
     * never for the data queue limit, so a close goes out even behind a full queue. The protocol layer that sends
     * control units bounds them itself (the WebSocket layer lets a client whose queue is over its limit have 64
     * pongs, then aborts it), so that a client that floods pings and never reads cannot grow the queue.
     *
     * @return as {@link #send(ByteBuffer)}; {@code DROPPED} only when the connection is closing
     */
    default SendStatus sendControl(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix) {
        return send(prefix, payload, suffix);
    }

    /**
     * For layers: false when a send now would be {@link SendStatus#DROPPED}: the connection is closing, or its
     * queue has reached the limit. A layer that must not lose part of a unit once begun (TLS records, whose
     * sequence numbers are fixed when encrypted) asks this first, then sends the whole unit with
     * {@link #sendContinuation}. Loop only.
     */
    default boolean canSend() {
        return isOpen();
    }

    /** For layers: like {@link #canSend()}, for a {@link #sendControl control unit}. Loop only. */
    default boolean canSendControl() {
        return canSend();
    }

    /**
     * For layers: sends bytes that belong to a unit already accepted: refused only when the connection is closed,
     * never for the queue limit, so the unit is never cut. The queue may then exceed its limit by at most that
     * unit. Loop only.
     */
    default SendStatus sendContinuation(ByteBuffer data) {
        return send(data);
    }

    /**
     * For layers that hand a send made on another thread over to the loop: counts {@code bytes} against this
     * connection's queue limit until {@link #releaseOffLoop} is called on the loop, so that a thread that sends
     * faster than the client reads meets backpressure instead of filling the loop's task queue. Safe from any
     * thread.
     *
     * @param bytes the size of the unit handed over
     * @param control true for a {@link #sendControl control unit} (not checked against the limit)
     * @return {@link SendStatus#QUEUED}, {@link SendStatus#BACKPRESSURE} (counted; over the high watermark) or
     *     {@link SendStatus#DROPPED} (not counted: closing, or at the limit)
     */
    default SendStatus reserveOffLoop(long bytes, boolean control) {
        return isOpen() ? SendStatus.QUEUED : SendStatus.DROPPED;
    }

    /** For layers: the loop took over {@code bytes} reserved by {@link #reserveOffLoop}. */
    default void releaseOffLoop(long bytes) {
    }

    /** Bytes accepted by {@link #send} and not yet handed to the socket. A snapshot when called off the loop. */
    long queuedBytes();

    /**
     * Stops reading from this client (TCP backpressure to it) until {@link #resumeReading()}: no more
     * {@link ConnectionHandler#onData} calls, not even for bytes already read. Safe from any thread.
     */
    void pauseReading();

    /** Reads again; bytes left unconsumed while paused are offered first. Safe from any thread. */
    void resumeReading();

    /** True between {@link #pauseReading()} and {@link #resumeReading()}. A snapshot when called off the loop. */
    boolean isReadingPaused();

    /** Writes everything queued, then closes the connection. Safe from any thread. */
    void close();

    /** Writes everything queued, then shuts down the output (TCP FIN), leaving the input open. Safe from any thread. */
    void shutdownOutput();

    /** Closes at once, discarding anything queued. Safe from any thread. */
    void abort();

    /** False once the connection is closing or closed. A snapshot when called off the loop. */
    boolean isOpen();

    /**
     * For layers: sets this connection's own idle timeout, replacing the server's
     * ({@link Server.Builder#idleTimeout}) for it alone. {@link ConnectionHandler#onIdleTimeout} follows once the
     * connection has read and written nothing for {@code timeout} (counted from its last activity, so at once if it
     * has already been idle that long), and again after each further period. A layer uses it as a shorter,
     * changing deadline on the connection's one timer node, with no task object per connection (the WebSocket
     * layer's keep-alive pings: the ping interval, then the pong timeout). Idle timeouts on a connection's own
     * timeout are not counted in {@link ServerStats#idleTimeouts()}: the layer counts its own. Loop only.
     *
     * @param timeout the new timeout; zero or negative: none (no more idle callbacks)
     * @param unit its unit
     * @throws IllegalStateException when called off the connection's event loop
     * @throws UnsupportedOperationException when the connection has no idle timer (the default of this method)
     */
    default void idleTimeout(long timeout, TimeUnit unit) {
        throw new UnsupportedOperationException("this connection has no idle timer");
    }

    /**
     * For layers: the idle timeout in force for this connection, in nanoseconds: the server's, or the one set by
     * {@link #idleTimeout(long, TimeUnit)}; zero when there is none (the default of this method).
     */
    default long idleTimeoutNanos() {
        return 0;
    }

    /** The peer's address (kept after the first call), or null when the socket can no longer tell (closed). */
    InetSocketAddress remoteAddress();

    /** The local address the peer connected to, or null when the socket can no longer tell (closed). */
    InetSocketAddress localAddress();

    /** True when the calling thread is this connection's event loop (the one check every send pays). */
    boolean inEventLoop();

    /** The event loop that owns this connection (for per-loop state, such as publish/subscribe). */
    EventLoop eventLoop();

    /** Runs {@code task} on this connection's event loop (at once when already there); safe from any thread. */
    void execute(Runnable task);

    /** Runs {@code task} on this connection's loop after the delay; the returned handle cancels it. Loop only. */
    Timer schedule(Runnable task, long delay, TimeUnit unit);

    /** Per-connection user data, typed: one slot per {@link UserDataKey}. Loop only. */
    <T> T get(UserDataKey<T> key);

    /** Sets this connection's slot for {@code key} ({@code null} clears it). Loop only. */
    <T> void set(UserDataKey<T> key, T value);

    /** The handler's own per-connection object, one slot that costs no lookup. Loop only. */
    Object attachment();

    /** Sets the handler's own per-connection object ({@code null} clears it). Loop only. */
    void attach(Object attachment);

    /** For layers: the TLS session when the connection is secure (TLS layer) and its handshake is done, else null. */
    default javax.net.ssl.SSLSession tlsSession() {
        return null;
    }

    /** For layers: true when the connection is encrypted (the TLS layer says so); false for plain TCP. */
    default boolean isSecure() {
        return false;
    }
}
