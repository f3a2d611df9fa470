package io.keel.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The application side of a connection: the lifecycle callbacks of the seed's stream socket server
 * (connection established, data, client closed, reset, closed).
 *
 * <p>Every callback for one connection runs on the event loop that owns it, one at a time, so a handler needs
 * no locks for per-connection state. A callback must not block: hand slow work to another executor and come
 * back with {@link Connection#execute(Runnable)}.
 *
 * <p>A layer (TLS, WebSocket) is itself a {@code ConnectionHandler} that wraps the handler above it.
 */
public interface ConnectionHandler {

    /** The connection was accepted (and passed the limiter). */
    default void onOpen(Connection connection) {
    }

    /**
     * Bytes arrived. {@code data} is valid only during the call. Bytes left unconsumed (still
     * {@code data.remaining()}) are kept for the connection and handed back, followed by the next bytes, in the
     * next call: a parser that needs more input simply leaves the partial message in the buffer.
     */
    void onData(Connection connection, ByteBuffer data);

    /**
     * The client shut down its output (TCP FIN). The connection can still write; the default closes once
     * everything queued is written.
     */
    default void onInputClosed(Connection connection) {
        connection.close();
    }

    /** The outbound queue fell under the low watermark after a send returned {@link SendStatus#BACKPRESSURE}. */
    default void onWritable(Connection connection) {
    }

    /** The connection failed: reset by the peer, or an I/O error. {@link #onClose} follows. */
    default void onError(Connection connection, IOException error) {
    }

    /** The connection was idle (nothing read nor written) for the configured idle timeout. Default: abort. */
    default void onIdleTimeout(Connection connection) {
        connection.abort();
    }

    /**
     * The server is shutting down gracefully; the handler should finish and close the connection (the server
     * force-closes what is left at the deadline). The default closes once everything queued is written.
     */
    default void onShutdown(Connection connection) {
        connection.close();
    }

    /** The connection is closed; the last callback for it. */
    default void onClose(Connection connection) {
    }
}
