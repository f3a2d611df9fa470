package io.keel.transport.iouring;

import io.keel.core.AcceptEvents;

/** A listening socket on an io_uring transport: the listener's handle, with its multishot accept. */
final class UringListener {
    final int fd;
    int slot = -1;
    AcceptEvents acceptor;
    /** Accepting is wanted (not paused by a back-off, not closed). */
    boolean wanted;
    /** A multishot accept is in the kernel. */
    boolean armed;
    boolean cancelling;
    boolean closed;

    UringListener(int fd) {
        this.fd = fd;
    }
}
