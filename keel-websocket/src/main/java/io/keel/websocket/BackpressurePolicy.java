package io.keel.websocket;

import io.keel.core.SendStatus;

/**
 * What the WebSocket layer does for the application when a client reads its messages slower than they are sent,
 * that is when a send reports {@link SendStatus#BACKPRESSURE} (the connection's queue is over its high watermark)
 * or the connection's queue limit refuses a message. Set per layer with
 * {@link WebSocketProtocolHandler.Builder#backpressure}.
 *
 * <p>Whatever the policy, a WebSocket is never left with a silent gap: when a message cannot be queued, the
 * client is closed with 1008 (RFC 6455 section 7.4.1, policy violation) and a reason (or, when even the close
 * cannot be delivered, the connection is aborted), counted in {@link WebSocketStats#sendQueueOverflows()} and
 * logged at a limited rate. Only {@link #MANUAL} leaves that to the application.
 */
public enum BackpressurePolicy {
    /**
     * The default: when a send reports {@link SendStatus#BACKPRESSURE}, stop reading this client (no further
     * message is delivered, not even those already received) until its queue drains under the low watermark; then
     * reading resumes and {@link WebSocketHandler#onDrain} is called. An echo or a request/response handler is then
     * one send per message, and a client that does not read is not read either.
     */
    PAUSE_READING,
    /**
     * Keep reading; when the connection's queue limit refuses a message, close the client with 1008. For
     * fan-out, where a slow subscriber must not hold back its own messages to others.
     */
    CLOSE,
    /**
     * Do nothing: the application sees every {@link SendStatus} and acts on it itself (a {@code DROPPED} message
     * is simply not sent).
     */
    MANUAL
}
