package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.SendStatus;

/**
 * What the layer does about one client that reads slower than it is sent to: the {@link BackpressurePolicy}
 * applied to a send's status (pause reading, or give up with 1008), the bound on pings and pongs past the queue
 * limit (control frames are exempt from the limit, so a client that floods pings and never reads would otherwise
 * grow its queue), the abort when not even a control frame can reach the client, and why reading is paused (by
 * the application, by the policy, or both). {@link WebSocketConnection} makes it on the first such event (a
 * pause, a send that met backpressure or was refused, a ping or pong past the limit), so that a WebSocket whose
 * client keeps up pays one null reference for it; loop only.
 */
final class Backpressure {
    /** Pings and pongs a client whose queue is over its limit gets before they are refused (and it aborted). */
    static final int MAX_CONTROL_PAST_LIMIT = 64;

    private static final byte APP_PAUSED = 1, POLICY_PAUSED = 2, GAVE_UP = 4, CONTROL_REFUSED = 8;

    private final Connection connection;
    private final BackpressurePolicy policy;
    private final WebSocketStats stats;
    private byte flags;
    private byte controlPastLimit;

    Backpressure(Connection connection, BackpressurePolicy policy, WebSocketStats stats) {
        this.connection = connection;
        this.policy = policy;
        this.stats = stats;
    }

    /**
     * Applies the policy to a send that did not simply go out.
     *
     * @param written the connection's status for the frame, or null when nothing was written
     * @param refusedForLimit nothing was written because the connection's queue limit refused it (not because
     *     the WebSocket or the connection is closing)
     * @return true the first time the client must be given up on: the caller closes it with 1008 (RFC 6455
     *     section 7.4.1, policy violation); counted in {@link WebSocketStats#sendQueueOverflows()} and logged here
     */
    boolean afterSend(SendStatus written, boolean refusedForLimit) {
        if (written == SendStatus.BACKPRESSURE && policy == BackpressurePolicy.PAUSE_READING) {
            if (!has(POLICY_PAUSED)) {
                set(POLICY_PAUSED, true);
                connection.pauseReading();
            }
            return false;
        }
        if (!refusedForLimit || policy == BackpressurePolicy.MANUAL || has(GAVE_UP)) {
            return false;
        }
        set(GAVE_UP, true);
        stats.sendQueueOverflows.increment();
        stats.overflowLog.log(System.Logger.Level.WARNING, "closing " + connection.remoteAddress()
            + " with 1008: it does not read its messages (" + connection.queuedBytes() + " bytes queued)", null);
        return true;
    }

    /**
     * A ping or pong is about to be sent while the connection's queue is at its limit ({@link
     * Connection#canSend()} false).
     *
     * @return true while the client has had fewer than {@link #MAX_CONTROL_PAST_LIMIT} of them since it was last
     *     under its limit
     */
    boolean admitControlPastLimit() {
        if (controlPastLimit < MAX_CONTROL_PAST_LIMIT) {
            controlPastLimit++;
            return true;
        }
        return false;
    }

    /** The client's queue is under its limit again: the bound on pings and pongs starts over. */
    void backUnderLimit() {
        controlPastLimit = 0;
    }

    /** A control frame the protocol requires (a pong, a close) could not be queued; acted on after the send. */
    void controlRefused() {
        set(CONTROL_REFUSED, true);
    }

    /** True once a required control frame was refused: the client must be aborted ({@link #abortUnreachable}). */
    boolean isControlRefused() {
        return has(CONTROL_REFUSED);
    }

    /** Nothing more can reach {@code connection}'s client, not even a close: abort it, counted and logged. */
    static void abortUnreachable(Connection connection, WebSocketStats stats, String why) {
        stats.undeliverableAborts.increment();
        stats.abortLog.log(System.Logger.Level.WARNING, "aborting " + connection.remoteAddress() + ": "
            + why + " (" + connection.queuedBytes() + " bytes queued)", null);
        connection.abort();
    }

    /** The application pauses reading ({@link WebSocket#pauseReading()}). */
    void pauseByApplication() {
        set(APP_PAUSED, true);
        connection.pauseReading();
    }

    /** The application resumes reading: the connection reads again unless the policy still holds it paused. */
    void resumeByApplication() {
        set(APP_PAUSED, false);
        if (!has(POLICY_PAUSED)) {
            connection.resumeReading();
        }
    }

    /** The queue drained under its low watermark: a pause of the policy ends (the application's stays). */
    void onWritable() {
        if (has(POLICY_PAUSED)) {
            set(POLICY_PAUSED, false);
            if (!has(APP_PAUSED)) {
                connection.resumeReading();
            }
        }
    }

    boolean isPausedByApplication() {
        return has(APP_PAUSED);
    }

    /** True while delivery must stop: paused by the application or the policy, or a required frame refused. */
    boolean holdsDelivery() {
        return (flags & (APP_PAUSED | POLICY_PAUSED | CONTROL_REFUSED)) != 0;
    }

    private boolean has(byte flag) {
        return (flags & flag) != 0;
    }

    private void set(byte flag, boolean on) {
        flags = (byte) (on ? flags | flag : flags & ~flag);
    }
}
