package io.keel.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What a {@link Transport} tells a connection about its socket, on the connection's loop thread. Part of the
 * transport SPI: applications never call these; a transport calls them from {@link Transport#poll}.
 *
 * <p>A readiness transport (NIO, epoll) calls {@link #readable()} and lets the connection read; a completion
 * transport (io_uring) reads itself and calls {@link #received}, {@link #receiveEnded()} or
 * {@link #receiveFailed}. Both call {@link #writable()} when queued output may go on.
 */
public interface SocketEvents {

    /** Input, or the end of input, can be read: the connection calls {@link Transport#read} now. */
    void readable();

    /**
     * Bytes the transport has read for this connection.
     *
     * @param data the bytes, in read mode (position to limit); the transport's buffer, lent for this call only: the
     *     connection keeps a copy of what its handler leaves unconsumed, and the transport may reuse the buffer as
     *     soon as this returns
     */
    void received(ByteBuffer data);

    /** The peer ended its output (a FIN: a read returned end of input). */
    void receiveEnded();

    /**
     * Receiving failed: the connection is broken (reset by the peer...); it is closed after its handler is told.
     *
     * @param e what failed, with a message for logs
     */
    void receiveFailed(IOException e);

    /** Output the socket did not take before may go now: the connection writes its queue. */
    void writable();

    /**
     * Whether the connection is open and no close was asked for.
     *
     * @return true while open
     */
    boolean isOpen();

    /** Closes at once, dropping queued output (used when the loop closes). */
    void abort();
}
