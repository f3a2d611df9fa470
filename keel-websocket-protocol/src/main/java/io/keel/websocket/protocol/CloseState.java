package io.keel.websocket.protocol;

/** Close handshake state of a {@link WebSocketSession}. */
public enum CloseState {
    /** Normal operation. */
    OPEN,
    /** We sent a close and wait for the peer's (glue: arm a close timeout, then close TCP). */
    CLOSE_SENT,
    /** The peer sent a close and we have not answered yet (only with {@code autoCloseReply=false}). */
    CLOSE_RECEIVED,
    /** Both closes exchanged, or the connection failed: flush pending output, then close TCP. */
    CLOSED
}
