package io.keel.transport.iouring;

import io.keel.core.AcceptEvents;
import io.keel.core.SocketEvents;
import io.keel.core.Transport;
import io.keel.core.TransportLoop;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@link Transport} on io_uring: one ring per event loop. Listeners keep one multishot accept in the kernel,
 * connections one multishot receive that picks buffers from the loop's provided-buffer ring (so an idle connection
 * holds no buffer). Writes are copied into a staging chunk ({@link SendBuffers}) and submitted, for all
 * connections at once, with the wait for the next completions: in the steady state a loop iteration is one
 * io_uring_enter(2), whatever the number of connections that read and wrote in it. Wake-ups from other threads
 * complete a read of an eventfd.
 */
final class IoUringTransport implements Transport, CompletionHandler {
    static final short BUFFER_GROUP = 0;
    /**
     * The loop's receive buffers: 128 of 64 KiB (8 MiB per loop, touched once at start). 64 KiB is what a readiness
     * transport reads at once: smaller buffers split TLS records and cost throughput (16 KiB: a quarter less on
     * pipelined wss); fewer buffers make more connections wait for one (-ENOBUFS) when many receive at once.
     */
    static final int RECV_BUFFERS = 128;
    static final int RECV_BUFFER_SIZE = 64 * 1024;
    static final int SQ_ENTRIES = 4096;
    static final int CQ_ENTRIES = 16384;

    private final TransportLoop loop;
    /** Made by the loop's thread at its first poll (see startRing); null before. */
    private Ring ring;
    private BufferGroup recvBuffers;
    /** The kernel outside the ring: {@link KernelSockets}, or a test's fake. */
    private final Sockets sockets;
    private final SendBuffers sendBuffers = new SendBuffers();
    private final SlotTable slots = new SlotTable();
    private final int wakeFd;
    private final Arena wakeArena = Arena.ofShared();
    private final long wakeAddress = wakeArena.allocate(8, 8).address();
    /** Sockets with staged bytes and no send in flight, submitted at the next poll. */
    private UringSocket[] sendQueue = new UringSocket[64];
    private int sendQueued;
    /** Sockets that asked for writability while their staging had room: told at the end of this poll. */
    private UringSocket[] writableQueue = new UringSocket[16];
    private int writableQueued;
    /** Sockets whose receive ended for lack of provided buffers: re-armed after this poll's completions. */
    private final List<UringSocket> starved = new ArrayList<>();
    private boolean released;
    /** Set under the lock of wakeArena when the eventfd is closed. */
    private boolean wakeClosed;

    IoUringTransport(TransportLoop loop) throws IOException {
        this(loop, KernelSockets.INSTANCE);
    }

    /** A transport over {@code sockets}, which also makes its ring: {@link KernelSockets}, or a test's fake kernel. */
    IoUringTransport(TransportLoop loop, Sockets sockets) throws IOException {
        this.loop = loop;
        this.sockets = sockets;
        this.wakeFd = sockets.eventFd();
    }

    /**
     * Makes the ring on the loop's thread, at its first poll: a single-issuer ring (IORING_SETUP_SINGLE_ISSUER with
     * IORING_SETUP_DEFER_TASKRUN, kernel 6.1+) belongs to the thread that made it, and runs the kernel's completion
     * work only when that thread waits, so completions come in batches instead of interrupting the loop. A kernel
     * that refuses those flags gets a plain ring.
     */
    private void startRing() throws IOException {
        Ring r;
        try {
            r = sockets.openRing(SQ_ENTRIES, CQ_ENTRIES, true);
        } catch (IOException e) {
            r = sockets.openRing(SQ_ENTRIES, CQ_ENTRIES, false);
        }
        try {
            recvBuffers = sockets.registerBuffers(r, BUFFER_GROUP, RECV_BUFFERS, RECV_BUFFER_SIZE);
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
        ring = r;
        armWake();
    }

    // ---- connections ----

    @Override
    public Object register(Object socket, SocketEvents connection) throws IOException {
        int fd = (Integer) socket;
        sockets.setTcpNoDelay(fd);
        int slot = slots.allocate();
        UringSocket s = new UringSocket(fd, slot, connection);
        slots.set(slot, s);
        armRecv(s);
        return s;
    }

    @Override
    public int read(Object handle, ByteBuffer dst) {
        return 0; // the ring reads: input arrives through SocketEvents.received
    }

    @Override
    public int write(Object handle, ByteBuffer src) throws IOException {
        UringSocket s = (UringSocket) handle;
        ByteBuffer staging = staging(s);
        int n = stage(src, staging);
        if (n > 0) {
            queueSend(s);
        }
        return n;
    }

    @Override
    public long write(Object handle, ByteBuffer[] srcs, int offset, int length) throws IOException {
        UringSocket s = (UringSocket) handle;
        ByteBuffer staging = staging(s);
        long n = 0;
        for (int i = offset; i < offset + length && staging.hasRemaining(); i++) {
            n += stage(srcs[i], staging);
        }
        if (n > 0) {
            queueSend(s);
        }
        return n;
    }

    /** The socket's staging chunk, taken when it has none, compacted when no send reads it. */
    private ByteBuffer staging(UringSocket s) throws IOException {
        if (s.failure != null) {
            throw s.failure;
        }
        if (s.closing) {
            throw new IOException("the connection is closed");
        }
        if (s.chunk < 0) {
            s.chunk = sendBuffers.acquire();
            return sendBuffers.view(s.chunk);
        }
        ByteBuffer b = sendBuffers.view(s.chunk);
        if (!s.sendInFlight && s.sendStart > 0 && !b.hasRemaining()) {
            b.limit(b.position()).position(s.sendStart);
            b.compact();
            s.sendStart = 0;
            s.inFlightEnd = 0;
        }
        return b;
    }

    private static int stage(ByteBuffer src, ByteBuffer staging) {
        int n = Math.min(src.remaining(), staging.remaining());
        if (n == src.remaining()) {
            staging.put(src);
        } else if (n > 0) {
            int limit = src.limit();
            src.limit(src.position() + n);
            staging.put(src);
            src.limit(limit);
        }
        return n;
    }

    private void queueSend(UringSocket s) {
        if (s.sendQueued || s.sendInFlight) {
            return; // a send in flight submits what was staged behind it when it completes
        }
        s.sendQueued = true;
        if (sendQueued == sendQueue.length) {
            sendQueue = java.util.Arrays.copyOf(sendQueue, sendQueued * 2);
        }
        sendQueue[sendQueued++] = s;
    }

    private void submitSend(UringSocket s) {
        ByteBuffer b = sendBuffers.view(s.chunk);
        int end = b.position();
        long ud = UserData.of(s.slot, UserData.SEND);
        while (!ring.send(s.fd, sendBuffers.address(s.chunk) + s.sendStart, end - s.sendStart, ud)) {
            submitToMakeRoom();
        }
        s.inFlightEnd = end;
        s.sendInFlight = true;
    }

    @Override
    public void interest(Object handle, boolean read, boolean write) {
        UringSocket s = (UringSocket) handle;
        if (s.closing) {
            return;
        }
        s.wantRead = read;
        if (read && !s.recvArmed) {
            armRecv(s);
        } else if (!read && s.recvArmed && !s.recvCancelling) {
            cancel(UserData.of(s.slot, UserData.RECV));
            s.recvCancelling = true; // input in flight until then is still delivered; the connection keeps it
            s.singleShot = true;
        }
        if (write != s.wantWritable) {
            s.wantWritable = write;
            if (write && hasRoom(s)) {
                queueWritable(s);
            }
        }
    }

    private boolean hasRoom(UringSocket s) {
        return s.chunk < 0 || sendBuffers.view(s.chunk).hasRemaining()
            || (!s.sendInFlight && s.sendStart > 0);
    }

    private void queueWritable(UringSocket s) {
        if (writableQueued == writableQueue.length) {
            writableQueue = java.util.Arrays.copyOf(writableQueue, writableQueued * 2);
        }
        writableQueue[writableQueued++] = s;
    }

    private boolean staged(UringSocket s) {
        return s.chunk >= 0 && s.sendStart < sendBuffers.view(s.chunk).position();
    }

    @Override
    public void shutdownOutput(Object handle) throws IOException {
        UringSocket s = (UringSocket) handle;
        if (staged(s)) {
            s.shutdownPending = true; // after the staged bytes: the FIN must follow them
        } else {
            sockets.shutdownOutput(s.fd);
        }
    }

    @Override
    public void close(Object handle) {
        UringSocket s = (UringSocket) handle;
        if (s.closing) {
            return;
        }
        s.closing = true;
        s.wantRead = false;
        s.wantWritable = false;
        if (s.recvArmed && !s.recvCancelling) {
            cancel(UserData.of(s.slot, UserData.RECV));
            s.recvCancelling = true;
        }
        if (!staged(s)) {
            closeFd(s); // else when the last staged byte is sent: what the connection wrote before closing goes out
        }
        freeIfDone(s);
    }

    private void closeFd(UringSocket s) {
        if (!s.fdClosed) {
            s.fdClosed = true;
            sockets.close(s.fd);
        }
    }

    /** Frees the socket's slot and chunk once it is closed and the kernel holds no request of it. */
    private void freeIfDone(UringSocket s) {
        if (s.closing && s.fdClosed && !s.busy() && slots.get(s.slot) == s) {
            if (s.chunk >= 0) {
                sendBuffers.release(s.chunk);
                s.chunk = -1;
            }
            slots.release(s.slot);
        }
    }

    @Override
    public InetSocketAddress remoteAddress(Object handle) {
        UringSocket s = (UringSocket) handle;
        return s.fdClosed ? null : sockets.remoteAddress(s.fd);
    }

    @Override
    public InetSocketAddress localAddress(Object handle) {
        UringSocket s = (UringSocket) handle;
        return s.fdClosed ? null : sockets.localAddress(s.fd);
    }

    // ---- listeners ----

    @Override
    public Object bind(InetSocketAddress address, int backlog, boolean reusePort) throws IOException {
        return new UringListener(sockets.openListener(address, backlog, reusePort));
    }

    @Override
    public InetSocketAddress listenerAddress(Object listener) throws IOException {
        InetSocketAddress a = sockets.localAddress(((UringListener) listener).fd);
        if (a == null) {
            throw new IOException("the listener's address is unknown (closed?)");
        }
        return a;
    }

    @Override
    public void listen(Object listener, AcceptEvents acceptor) {
        UringListener l = (UringListener) listener;
        l.acceptor = acceptor;
        l.slot = slots.allocate();
        slots.set(l.slot, l);
        l.wanted = true;
        armAccept(l);
    }

    @Override
    public void accepting(Object listener, boolean on) {
        UringListener l = (UringListener) listener;
        if (l.closed) {
            return;
        }
        l.wanted = on;
        if (on && !l.armed) {
            armAccept(l);
        } else if (!on && l.armed && !l.cancelling) {
            cancel(UserData.of(l.slot, UserData.ACCEPT));
            l.cancelling = true;
        }
    }

    @Override
    public void closeListener(Object listener) {
        UringListener l = (UringListener) listener;
        if (l.closed) {
            return;
        }
        l.closed = true;
        l.wanted = false;
        if (l.armed && !l.cancelling) {
            cancel(UserData.of(l.slot, UserData.ACCEPT));
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

    @Override
    public void closeAccepted(Object socket) {
        sockets.close((Integer) socket);
    }

    // ---- the loop ----

    @Override
    public void poll(long timeoutMillis) throws IOException {
        if (ring == null) {
            startRing();
        }
        flushSends();
        long wait = timeoutMillis < 0 || writableQueued > 0 || !starved.isEmpty() ? 0
            : timeoutMillis == 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        ring.submitAndWait(wait);
        loop.eventsArrived();
        ring.drain(this);
        tellWritable();
        if (!starved.isEmpty()) {
            rearmStarved();
        }
    }

    private void flushSends() {
        for (int i = 0; i < sendQueued; i++) {
            UringSocket s = sendQueue[i];
            sendQueue[i] = null;
            s.sendQueued = false;
            if (!s.sendInFlight && staged(s) && !s.fdClosed) {
                submitSend(s);
            }
        }
        sendQueued = 0;
    }

    private void tellWritable() {
        int n = writableQueued;
        for (int i = 0; i < n; i++) {
            UringSocket s = writableQueue[i];
            writableQueue[i] = null;
            if (s.wantWritable && !s.closing) {
                deliverWritable(s);
            }
        }
        // sockets queued while telling these are told at the next poll, which does not wait for them
        System.arraycopy(writableQueue, n, writableQueue, 0, writableQueued - n);
        java.util.Arrays.fill(writableQueue, writableQueued - n, writableQueued, null);
        writableQueued -= n;
    }

    private void deliverWritable(UringSocket s) {
        try {
            s.events.writable();
        } catch (Throwable e) {
            loop.unexpectedFailure(e);
        }
    }

    private void rearmStarved() {
        for (UringSocket s : starved) {
            if (s.wantRead && !s.closing && !s.recvArmed) {
                armRecv(s);
            }
        }
        starved.clear();
    }

    /** A completion, from {@link IoUring#drain}: to its socket, listener or the wake-up. */
    @Override
    public void complete(long userData, int result, int flags) {
        try {
            switch (UserData.op(userData)) {
                case UserData.RECV -> received((UringSocket) slots.get(UserData.slot(userData)), result, flags);
                case UserData.SEND -> sent((UringSocket) slots.get(UserData.slot(userData)), result);
                case UserData.ACCEPT -> accepted((UringListener) slots.get(UserData.slot(userData)), result, flags);
                case UserData.WAKE -> armWake();
                default -> {
                    // a cancel's own result: what counts is the cancelled request's completion
                }
            }
        } catch (Throwable e) {
            loop.unexpectedFailure(e); // one connection's failure must not end the loop that serves the others
        }
    }

    private void received(UringSocket s, int result, int flags) {
        if (s == null) { // cannot happen: a slot is freed only after its receive's last completion
            if ((flags & IoUring.CQE_F_BUFFER) != 0) {
                recvBuffers.recycle(IoUring.bufferId(flags));
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
                    s.events.received(recvBuffers.buffer(id, result));
                }
            } finally {
                recvBuffers.recycle(id);
            }
            if (result == RECV_BUFFER_SIZE && more && !s.singleShot && !s.recvCancelling && s.recvArmed) {
                // a full buffer: a client that streams. A multishot receive would bring it up to 32 buffers per
                // wait, ahead of every other connection; one buffer per wait is what a readiness transport's read
                // gives it, so the connection receives one completion at a time from now on
                s.singleShot = true;
                s.recvCancelling = true;
                cancel(UserData.of(s.slot, UserData.RECV));
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
                armRecv(s);
            }
            freeIfDone(s);
        }
    }

    private void sent(UringSocket s, int result) {
        s.sendInFlight = false;
        if (s.fdClosed) { // the loop is closing: what is left is dropped (its descriptor number may be reused)
            sendBuffers.release(s.chunk);
            s.chunk = -1;
            freeIfDone(s);
            return;
        }
        if (result < 0) {
            sendBuffers.release(s.chunk);
            s.chunk = -1;
            s.sendStart = 0;
            if (s.closing) {
                closeFd(s);
                freeIfDone(s);
            } else {
                s.failure = Errno.exception("send", -result);
                s.events.receiveFailed(s.failure);
            }
            return;
        }
        s.sendStart += result;
        if (staged(s)) {
            submitSend(s); // a short send, or bytes staged while it was in flight
        } else {
            sendBuffers.release(s.chunk);
            s.chunk = -1;
            s.sendStart = 0;
            s.inFlightEnd = 0;
            if (s.shutdownPending) {
                s.shutdownPending = false;
                try {
                    sockets.shutdownOutput(s.fd);
                } catch (IOException e) {
                    if (!s.closing) {
                        s.events.receiveFailed(e);
                    }
                }
            }
            if (s.closing) {
                closeFd(s);
                freeIfDone(s);
                return;
            }
        }
        if (s.wantWritable && !s.closing && hasRoom(s)) {
            s.events.writable();
        }
    }

    private void accepted(UringListener l, int result, int flags) {
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
                armAccept(l);
            }
        }
    }

    // ---- requests ----

    private void armRecv(UringSocket s) {
        long ud = UserData.of(s.slot, UserData.RECV);
        while (!(s.singleShot ? ring.recv(s.fd, BUFFER_GROUP, ud) : ring.recvMultishot(s.fd, BUFFER_GROUP, ud))) {
            submitToMakeRoom();
        }
        s.recvArmed = true;
    }

    private void armAccept(UringListener l) {
        while (!ring.acceptMultishot(l.fd, UserData.of(l.slot, UserData.ACCEPT))) {
            submitToMakeRoom();
        }
        l.armed = true;
    }

    private void armWake() {
        while (!ring.read(wakeFd, wakeAddress, 8, UserData.of(0, UserData.WAKE))) {
            submitToMakeRoom();
        }
    }

    private void cancel(long target) {
        while (!ring.cancel(target, UserData.of(0, UserData.CANCEL))) {
            submitToMakeRoom();
        }
    }

    /** The submission queue is full: hand it to the kernel now (rare: the queue holds thousands). */
    private void submitToMakeRoom() {
        try {
            if (ring.submit() > 0) {
                return;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException("the io_uring submission queue stays full");
    }

    @Override
    public void wakeup() {
        // locked against release(): a descriptor number closed and reused meanwhile must never get the 8 bytes
        synchronized (wakeArena) {
            if (wakeClosed) {
                return; // the loop has ended: nothing to wake
            }
            try {
                sockets.signalEventFd(wakeFd);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e); // an open eventfd refused a write: a kernel fault
            }
        }
    }

    @Override
    public List<SocketEvents> connections() {
        List<SocketEvents> list = new ArrayList<>();
        for (int i = 0; i < slots.limit(); i++) {
            if (slots.get(i) instanceof UringSocket s && !s.closing && s.events.isOpen()) {
                list.add(s.events);
            }
        }
        return list;
    }

    @Override
    public void closeAll() {
        for (int i = 0; i < slots.limit(); i++) {
            Object e = slots.get(i);
            if (e instanceof UringSocket s && !s.closing) {
                s.events.abort();
            } else if (e instanceof UringListener l) {
                closeListener(l);
            }
        }
        for (int i = 0; i < slots.limit(); i++) {
            if (slots.get(i) instanceof UringSocket s) {
                closeFd(s); // output still staged when the loop ends is dropped
                if (s.sendInFlight) {
                    cancel(UserData.of(s.slot, UserData.SEND));
                }
                freeIfDone(s); // staged but never submitted, receive ended: no completion would free it
            }
        }
        awaitQuiet();
        release();
    }

    /**
     * Waits (a bounded time) until every cancelled request has completed, so that no receive or send still uses
     * buffer memory when {@link #release()} frees it.
     */
    private void awaitQuiet() {
        if (ring == null) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        try {
            while (slots.used() > 0 && System.nanoTime() < deadline) {
                ring.submitAndWait(TimeUnit.MILLISECONDS.toNanos(10));
                ring.drain(this);
            }
        } catch (IOException e) {
            loop.unexpectedFailure(e); // the ring's teardown cancels what is left
        }
    }

    @Override
    public void release() {
        if (released) {
            return;
        }
        released = true;
        if (ring != null) {
            ring.close(); // the kernel cancels what is still in flight
            recvBuffers.close();
        }
        sendBuffers.close();
        synchronized (wakeArena) {
            wakeClosed = true;
            sockets.close(wakeFd);
        }
        wakeArena.close();
    }

    /** Chunks of staged output held now (for tests: none once every connection closed). */
    int sendChunksInUse() {
        return sendBuffers.inUse();
    }

    /** Sockets and listeners holding a slot now (for tests: none once closeAll returned). */
    int slotsInUse() {
        return slots.used();
    }
}
