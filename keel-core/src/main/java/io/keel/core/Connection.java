package io.keel.core;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * One connection as a handler sees it. Owned by one event loop; every method must be called from that loop
 * (inside a callback, or through {@link #execute(Runnable)}), except {@link #execute(Runnable)} itself.
 */
public interface Connection {

    /**
     * Sends {@code data} (from its position to its limit). The bytes are written at once when the socket
     * takes them; what it does not take is copied into pooled memory and written when the socket becomes
     * writable, so the caller may reuse {@code data} as soon as this returns. While a handler callback runs,
     * sends are corked: gathered and written together when the callback returns.
     */
    SendStatus send(ByteBuffer data);

    /**
     * Sends {@code a}, {@code b} and {@code c} in that order as one unit: all accepted or all
     * {@link SendStatus#DROPPED}, so a framed message (header, payload, trailer) is never cut by the queue limit.
     * Any of them may be empty. One gathering write when the socket takes it at once.
     */
    SendStatus send(ByteBuffer a, ByteBuffer b, ByteBuffer c);

    /**
     * False when a send now would be {@link SendStatus#DROPPED}: the connection is closing, or its queue has
     * reached the limit. A layer that must not lose part of a unit once begun (TLS records, whose sequence
     * numbers are fixed when encrypted) asks this first, then sends the whole unit with {@link #sendContinuation}.
     */
    default boolean canSend() {
        return isOpen();
    }

    /**
     * Sends bytes that belong to a unit already accepted: refused only when the connection is closed, never for
     * the queue limit, so the unit is never cut. The queue may then exceed its limit by at most that unit.
     */
    default SendStatus sendContinuation(ByteBuffer data) {
        return send(data);
    }

    /** Bytes accepted by {@link #send} and not yet handed to the socket. */
    long queuedBytes();

    /** Stops reading from this client (TCP backpressure to it) until {@link #resumeReading()}. */
    void pauseReading();

    void resumeReading();

    boolean isReadingPaused();

    /** Writes everything queued, then closes the connection. */
    void close();

    /** Writes everything queued, then shuts down the output (TCP FIN), leaving the input open. */
    void shutdownOutput();

    /** Closes at once, discarding anything queued. */
    void abort();

    boolean isOpen();

    InetSocketAddress remoteAddress();

    InetSocketAddress localAddress();

    /** Runs {@code task} on this connection's event loop (at once when already there); safe from any thread. */
    void execute(Runnable task);

    /** Runs {@code task} on this connection's loop after the delay; the returned handle cancels it. */
    Timer schedule(Runnable task, long delay, TimeUnit unit);

    /** Per-connection user data: the typed form of the seed's user-data slots. */
    <T> T get(UserDataKey<T> key);

    <T> void set(UserDataKey<T> key, T value);

    /** The handler's own per-connection object, one slot that costs no lookup. */
    Object attachment();

    void attach(Object attachment);

    /** The TLS session when the connection is secure (TLS layer) and its handshake is done, else null. */
    default javax.net.ssl.SSLSession tlsSession() {
        return null;
    }

    default boolean isSecure() {
        return false;
    }
}
