package io.keel.websocket;

/**
 * Which side started the end of a WebSocket ({@link WebSocket#closeInitiator()}), for logs: RFC 6455 section 7
 * lets either endpoint start the closing handshake (section 7.1.2), or the connection can end without one (section
 * 7.1.5, close code 1006).
 */
public enum CloseInitiator {
    /** The client sent the first close frame; the server answered it. */
    CLIENT,
    /**
     * The server sent the first close frame: {@link WebSocket#close}, an idle timeout or shutdown (1001), a client
     * that does not read (1008), or a protocol error the server failed the connection with (1002, 1007, 1009).
     */
    SERVER,
    /** The connection ended without a close handshake (1006): a reset, a timeout, or {@link WebSocket#terminate()}. */
    ABORT
}
