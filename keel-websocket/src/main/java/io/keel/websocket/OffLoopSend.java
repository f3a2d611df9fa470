package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.HandOver;
import io.keel.core.SendStatus;
import java.nio.ByteBuffer;
import java.util.function.Function;

/**
 * A send made on a thread other than the WebSocket's event loop: its bytes are counted against the connection's
 * queue limit at once ({@link Connection#reserveOffLoop}), copied, and the send runs on the loop in that thread's
 * order. The caller gets a promise instead of the loop's status (see {@link WebSocket}'s class comment); a
 * {@code BACKPRESSURE} promise is kept with one {@link WebSocketHandler#onDrain} once the loop's send has gone
 * out. Stateless: the allocations here (the copy, the task) are those of a hand-over, never of a send on the loop.
 */
final class OffLoopSend {
    /** The largest frame header (HyBi, 64-bit length, RFC 6455 section 5.2): what a send adds to its payload. */
    static final int MAX_FRAME_OVERHEAD = 10;

    private OffLoopSend() {
    }

    /**
     * Hands a send over to {@code ws}'s loop.
     *
     * @param payload from position to limit; copied before this returns (the copy moves a duplicate, so the
     *     caller's position is not moved) unless the promise is {@code DROPPED}
     * @param control a control frame (a ping): not refused for the data queue limit
     * @param send the send to run on the loop with the copy; returns the loop's status
     * @return {@code QUEUED}, {@code BACKPRESSURE} (over the high watermark: {@code onDrain} follows once) or
     *     {@code DROPPED} (closing, or the queue limit is reached: nothing copied, nothing runs)
     */
    static SendStatus handOver(WebSocket ws, WebSocketHandler app, ByteBuffer payload, boolean control,
            Function<ByteBuffer, SendStatus> send) {
        Connection connection = ws.connection();
        long n = payload.remaining() + MAX_FRAME_OVERHEAD;
        SendStatus promised = connection.reserveOffLoop(n, control);
        if (promised == SendStatus.DROPPED) {
            return promised;
        }
        ByteBuffer copy = HandOver.copy(payload.duplicate(), null, null);
        connection.execute(() -> {
            connection.releaseOffLoop(n);
            SendStatus s = send.apply(copy);
            if (promised == SendStatus.BACKPRESSURE && s != SendStatus.BACKPRESSURE && s != SendStatus.DROPPED
                    && ws.isOpen()) {
                app.onDrain(ws);
            }
        });
        return promised;
    }
}
