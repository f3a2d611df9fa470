package io.keel.transport.iouring;

import java.util.ArrayList;
import java.util.List;

/**
 * The receive half of the io_uring transport: a receive's completions to the connection, the provided buffers back
 * to the kernel as soon as the connection returns, and the receive armed again while the connection wants input.
 * A receive that fills a whole buffer (a client that streams) switches its socket to one buffer per wait; one that
 * ran out of provided buffers waits for the end of the poll, when buffers have come back. Loop thread only.
 */
final class InputReceiving {
    private final Requests requests;
    private final OutputStaging output;
    private final int bufferSize;
    /** The loop's provided buffers, registered with the ring at its first poll. */
    BufferGroup buffers;
    /** Sockets whose receive ended for lack of provided buffers: re-armed after this poll's completions. */
    private final List<UringSocket> starved = new ArrayList<>();

    InputReceiving(Requests requests, OutputStaging output, int bufferSize) {
        this.requests = requests;
        this.output = output;
        this.bufferSize = bufferSize;
    }

    /** Whether a receive waits for buffers: the poll then does not wait. */
    boolean starving() {
        return !starved.isEmpty();
    }

    /** After a poll's completions gave buffers back: the starved receives again. */
    void rearmStarved() {
        for (UringSocket s : starved) {
            if (s.wantRead && !s.closing && !s.recvArmed) {
                requests.receive(s);
            }
        }
        starved.clear();
    }

    void received(UringSocket s, int result, int flags) {
        if (s == null) { // cannot happen: a slot is freed only after its receive's last completion
            if ((flags & IoUring.CQE_F_BUFFER) != 0) {
                buffers.recycle(IoUring.bufferId(flags));
            }
            return;
        }
        boolean more = (flags & IoUring.CQE_F_MORE) != 0;
        if (!more) {
            s.recvArmed = false;
            s.recvCancelling = false;
        }
        boolean again = true;
        if ((flags & IoUring.CQE_F_BUFFER) != 0) {
            int id = IoUring.bufferId(flags);
            try {
                if (result > 0 && !s.closing) {
                    s.events.received(buffers.buffer(id, result));
                }
            } finally {
                buffers.recycle(id);
            }
            if (result == bufferSize && more && !s.singleShot && !s.recvCancelling && s.recvArmed) {
                // a full buffer: a client that streams. A multishot receive would bring it up to 32 buffers per
                // wait, ahead of every other connection; one buffer per wait is what a readiness transport's read
                // gives it, so the connection receives one completion at a time from now on
                s.singleShot = true;
                requests.cancelReceive(s);
            }
        }
        if (result == 0) {
            again = false;
            if (s.wantRead) {
                s.wantRead = false;
                if (!s.closing) {
                    s.events.receiveEnded();
                }
            } // else paused (its cancel raced the FIN): the end is read again on resume, after the kept input
        } else if (result < 0) {
            int errno = -result;
            if (errno == Errno.ENOBUFS) {
                if (!more) {
                    starved.add(s); // every provided buffer is out: re-armed once this poll gave some back
                }
                again = false;
            } else if (errno != Errno.ECANCELED) {
                again = false;
                if (!s.closing) {
                    s.events.receiveFailed(Errno.exception("recv", errno));
                }
            }
        }
        if (!more) {
            if (again && s.wantRead && !s.closing && !s.recvArmed) {
                requests.receive(s);
            }
            output.freeIfDone(s);
        }
    }
}
