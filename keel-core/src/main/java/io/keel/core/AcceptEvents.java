package io.keel.core;

import java.io.IOException;

/**
 * What a {@link Transport} tells a listener, on the listener's loop thread. Part of the transport SPI:
 * applications never call these.
 */
public interface AcceptEvents {

    /**
     * A connection was accepted: the listener admits it (connection limit) and hands it to a loop.
     *
     * @param socket the accepted socket, in the transport's own form (for NIO a {@code SocketChannel}, for io_uring
     *     its file descriptor): from now on the listener's, which registers it on a loop of the same server (the same
     *     transport) or gives it back with {@link Transport#closeAccepted}
     */
    void accepted(Object socket);

    /**
     * Accepting failed (too many open files...): the listener pauses accepting for a moment rather than spin on a
     * listener that stays ready.
     *
     * @param e what failed, for the log
     */
    void acceptFailed(IOException e);
}
