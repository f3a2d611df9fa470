package io.keel.transport.iouring;

import io.keel.core.AcceptEvents;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The listeners of the io_uring transport: bound with {@link Sockets#openListener}, each with one multishot accept
 * in the kernel while accepting is wanted, paused and resumed by cancelling and arming it again. Loop thread only,
 * except {@link #bind}.
 */
final class Listeners {
    private final Sockets sockets;
    private final Requests requests;
    private final SlotTable slots;

    Listeners(Sockets sockets, Requests requests, SlotTable slots) {
        this.sockets = sockets;
        this.requests = requests;
        this.slots = slots;
    }

    UringListener bind(InetSocketAddress address, int backlog, boolean reusePort) throws IOException {
        return new UringListener(sockets.openListener(address, backlog, reusePort));
    }

    InetSocketAddress address(UringListener l) throws IOException {
        InetSocketAddress a = sockets.localAddress(l.fd);
        if (a == null) {
            throw new IOException("the listener's address is unknown (closed?)");
        }
        return a;
    }

    void listen(UringListener l, AcceptEvents acceptor) {
        l.acceptor = acceptor;
        l.slot = slots.allocate();
        slots.set(l.slot, l);
        l.wanted = true;
        requests.accept(l);
    }

    void accepting(UringListener l, boolean on) {
        if (l.closed) {
            return;
        }
        l.wanted = on;
        if (on && !l.armed) {
            requests.accept(l);
        } else if (!on && l.armed && !l.cancelling) {
            requests.cancel(UserData.of(l.slot, UserData.ACCEPT));
            l.cancelling = true;
        }
    }

    void close(UringListener l) {
        if (l.closed) {
            return;
        }
        l.closed = true;
        l.wanted = false;
        if (l.armed && !l.cancelling) {
            requests.cancel(UserData.of(l.slot, UserData.ACCEPT));
            l.cancelling = true;
        }
        sockets.close(l.fd);
        if (!l.armed) {
            releaseSlot(l);
        }
    }

    /** Once: a listener closed from inside its own accept callback is freed there, not again after it. */
    private void releaseSlot(UringListener l) {
        if (l.slot >= 0) {
            slots.release(l.slot);
            l.slot = -1;
        }
    }

    /** An accept completed: the new descriptor to the acceptor, or the failure; armed again while wanted. */
    void accepted(UringListener l, int result, int flags) {
        boolean more = (flags & IoUring.CQE_F_MORE) != 0;
        if (!more) {
            l.armed = false;
            l.cancelling = false;
        }
        if (result >= 0) {
            if (l.closed) {
                sockets.close(result);
            } else {
                l.acceptor.accepted(result); // the descriptor, boxed: once per connection
            }
        } else if (-result != Errno.ECANCELED && !l.closed) {
            l.acceptor.acceptFailed(Errno.exception("accept", -result));
        }
        if (!more) {
            if (l.closed) {
                releaseSlot(l);
            } else if (l.wanted && !l.armed) { // the acceptor may have resumed accepting already
                requests.accept(l);
            }
        }
    }
}
