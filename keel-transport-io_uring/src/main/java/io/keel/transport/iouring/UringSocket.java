package io.keel.transport.iouring;

import io.keel.core.SocketEvents;
import java.io.IOException;

/**
 * A connection's socket on an io_uring transport: the handle the connection keeps (see {@code Transport}). It is
 * the whole per-connection state of the transport: the descriptor, the armed multishot receive, and the staged
 * output, which lives in a {@link SendBuffers} chunk only while there is some.
 *
 * <p>Staged output is the chunk's bytes from {@link #sendStart} to the chunk's position: those up to
 * {@link #inFlightEnd} are in a send the kernel has not completed; those after it were staged since and go in the
 * next send. The socket's slot (its index in the transport's table, in every request's user data) is freed only
 * when no request of it is left in the kernel, so a late completion never reaches another connection.
 */
final class UringSocket {
    final int fd;
    final int slot;
    final SocketEvents events;

    /** The connection wants input (not paused, not at end of input). */
    boolean wantRead = true;
    /** A multishot receive is in the kernel: its last completion (without CQE_F_MORE) has not arrived. */
    boolean recvArmed;
    /** A cancel of the receive was asked and its receive has not ended yet. */
    boolean recvCancelling;
    /**
     * Receives one completion at a time from now on: set at the connection's first pause, because a multishot
     * receive keeps bringing bytes until its cancel runs (up to the provided ring's size), which a paused connection
     * must keep, while a single receive brings at most one buffer more; and when a receive fills a whole buffer (a
     * client that streams), so that it gets one buffer per loop iteration like every other connection.
     */
    boolean singleShot;

    /** The staging chunk, or -1 when nothing is staged. */
    int chunk = -1;
    int sendStart;
    int inFlightEnd;
    boolean sendInFlight;
    /** On the transport's list of sockets with bytes to submit. */
    boolean sendQueued;
    /** The connection asked for writability: told when the staging chunk has room again. */
    boolean wantWritable;
    /** The FIN is owed once everything staged is sent. */
    boolean shutdownPending;
    /** The connection closed: the descriptor is closed once everything staged is sent. */
    boolean closing;
    /** The descriptor is closed. */
    boolean fdClosed;
    /** When a close waiting for staged bytes gives up on them ({@link System#nanoTime()} scale). */
    long lingerDeadline;
    /** On the transport's list of closes waiting for their staged bytes, between these two. */
    boolean lingering;
    UringSocket lingerPrevious;
    UringSocket lingerNext;
    /** A send failed: later writes fail with this. */
    IOException failure;

    UringSocket(int fd, int slot, SocketEvents events) {
        this.fd = fd;
        this.slot = slot;
        this.events = events;
    }

    /** Whether some request of this socket is still in the kernel. */
    boolean busy() {
        return recvArmed || sendInFlight;
    }
}
