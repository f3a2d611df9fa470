package io.keel.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The application side of a connection: its lifecycle callbacks (opened, data, the client closed its output,
 * writable again, failed, idle, server shutdown, closed).
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
     * Bytes arrived: they are in {@code data} from its position (not necessarily 0) to its limit.
     *
     * <p>The handler consumes bytes by moving the position past them ({@code get}, {@code position(int)}); it
     * leaves the limit as it is. Bytes still between the position and the limit when the call returns (still
     * {@code data.remaining()}) are kept for the connection and handed back first, followed by the next bytes, in
     * the next call: a parser that needs more input simply leaves the partial message in the buffer. The handler
     * may also leave bytes behind after {@link Connection#pauseReading()}; they are offered again on
     * {@link Connection#resumeReading()}.
     *
     * <p>{@code data} belongs to the connection's loop and is valid only during the call (it is the loop's read
     * buffer, shared by all its connections, or the connection's pooled remainder): copy what must outlive the
     * call, never keep the buffer. It may be direct or heap.
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
