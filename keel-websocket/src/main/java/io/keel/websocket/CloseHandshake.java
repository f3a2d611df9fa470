package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.Timer;
import io.keel.websocket.protocol.CloseCodes;
import java.util.concurrent.TimeUnit;

/**
 * The close handshake of one WebSocket as the server tracks it (RFC 6455 sections 5.5.1 and 7.1): the close code
 * and reason that {@link WebSocketHandler#onClose} will report, and the close timeout that bounds how long a
 * client may take to answer our close or to read what we still owe it. Made by {@link WebSocketConnection} when
 * a close starts (either side's close frame, a protocol error, the client's close seen ahead in paused input),
 * so that an open WebSocket pays one null reference for it; loop only.
 */
final class CloseHandshake {
    private int code = CloseCodes.ABNORMAL_CLOSURE;
    private String reason = "";
    private Timer timeout;
    private boolean reported;
    /** We failed the connection (a protocol error): the peer may still be sending. */
    private boolean failedByUs;
    /** The recorded close is the client's: it started the closing handshake. */
    private boolean byClient;

    /**
     * Records the close that ends this WebSocket unless one is recorded already: the first close wins, whether
     * the client's (RFC 6455 section 7.1.5, "the WebSocket Connection Close Code"), ours, or a give-up.
     *
     * @param reason null for none
     */
    void record(int code, String reason) {
        if (this.code == CloseCodes.ABNORMAL_CLOSURE) {
            recordFailure(code, reason);
        }
    }

    /** {@link #record} for the client's close frame: when it is the first, the client started the close. */
    void recordClients(int code, String reason) {
        if (this.code == CloseCodes.ABNORMAL_CLOSURE) {
            recordFailure(code, reason);
            byClient = true;
        }
    }

    /**
     * Records the close code of a protocol error we fail the connection with (1002, 1007, 1009: RFC 6455 section
     * 7.1.7), over anything recorded before.
     */
    void recordFailure(int code, String reason) {
        this.code = code;
        this.reason = reason == null ? "" : reason;
        this.byClient = false;
    }

    /** Who started the close recorded so far (see {@link CloseInitiator}). */
    CloseInitiator initiator() {
        return code == CloseCodes.ABNORMAL_CLOSURE ? CloseInitiator.ABORT
            : byClient ? CloseInitiator.CLIENT : CloseInitiator.SERVER;
    }

    /** Marks a close we start because the peer broke the protocol (RFC 6455 section 7.1.7, fail the connection). */
    void failedByUs() {
        failedByUs = true;
    }

    /**
     * True after {@link #failedByUs()}: the peer may still be sending, so the connection is half-closed and its
     * input read (and dropped) until the peer closes or the close timeout, rather than closed at once. A socket
     * closed with input still arriving answers with a reset, and a reset can destroy what we sent last (the
     * close frame and the messages in front of it) in the peer's receive buffer, or in a TLS proxy's.
     */
    boolean lingers() {
        return failedByUs;
    }

    /** The code to report: the recorded close's, or 1006 (RFC 6455 section 7.1.5) when there is none. */
    int code() {
        return code;
    }

    /** The reason to report, never null. */
    String reason() {
        return reason;
    }

    /**
     * Starts the close timeout unless it runs already: when it expires the connection is aborted and counted in
     * {@link WebSocketStats#closeTimeouts()}.
     */
    void startTimeout(Connection connection, WebSocketStats stats, long millis) {
        if (timeout == null) {
            timeout = connection.schedule(() -> {
                stats.closeTimeouts.increment();
                connection.abort();
            }, millis, TimeUnit.MILLISECONDS);
        }
    }

    boolean timeoutStarted() {
        return timeout != null;
    }

    /** Stops the close timeout (the connection closed). */
    void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel();
        }
    }

    /** True the first time only: the application hears of the close once. */
    boolean markReported() {
        if (reported) {
            return false;
        }
        reported = true;
        return true;
    }
}
