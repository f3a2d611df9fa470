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
import java.util.function.LongSupplier;

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
     * The loop's receive buffers: 512 of 32 KiB (16 MiB per loop, touched once at start). A buffer holds a whole TLS
     * record (16 KiB buffers split them: a quarter less on pipelined wss); 512 of them let 1,000 clients sending 16 KiB
     * at once mostly find one (128 made most wait for one, -ENOBUFS, a quarter less than NIO on that load).
     */
    static final int RECV_BUFFERS = 512;
    static final int RECV_BUFFER_SIZE = 32 * 1024;
    static final int SQ_ENTRIES = 4096;
    static final int CQ_ENTRIES = 16384;

    private final TransportLoop loop;
    /** Made by the loop's thread at its first poll (see startRing); null before. */
    private Ring ring;
    private BufferGroup recvBuffers;
    /** The kernel outside the ring: {@link KernelSockets}, or a test's fake. */
    private final Sockets sockets;
    private final SlotTable slots = new SlotTable();
    private final Requests requests = new Requests(BUFFER_GROUP);
    private final OutputStaging output;
    private final Listeners listeners;
    private final InputReceiving input;
    private final int wakeFd;
    private final Arena wakeArena = Arena.ofShared();
    private final long wakeAddress = wakeArena.allocate(8, 8).address();
    private boolean released;
    /** Set under the lock of wakeArena when the eventfd is closed. */
    private boolean wakeClosed;

    IoUringTransport(TransportLoop loop) throws IOException {
        this(loop, KernelSockets.INSTANCE);
    }

    /** A transport over {@code sockets}, which also makes its ring: {@link KernelSockets}, or a test's fake kernel. */
    IoUringTransport(TransportLoop loop, Sockets sockets) throws IOException {
        this(loop, sockets, System::nanoTime);
    }

    /** As {@link #IoUringTransport(TransportLoop, Sockets)}, with the clock that times lingering closes. */
    IoUringTransport(TransportLoop loop, Sockets sockets, LongSupplier nanoClock) throws IOException {
        this.loop = loop;
        this.sockets = sockets;
        this.output = new OutputStaging(loop, sockets, requests, slots, nanoClock);
        this.listeners = new Listeners(sockets, requests, slots);
        this.input = new InputReceiving(requests, output, RECV_BUFFER_SIZE);
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
        requests.ring = r;
        input.buffers = recvBuffers;
        requests.wake(wakeFd, wakeAddress);
    }

    // ---- connections ----

    @Override
    public Object register(Object socket, SocketEvents connection) throws IOException {
        int fd = (Integer) socket;
        sockets.setTcpNoDelay(fd);
        int slot = slots.allocate();
        UringSocket s = new UringSocket(fd, slot, connection);
        slots.set(slot, s);
        requests.receive(s);
        return s;
    }

    @Override
    public int read(Object handle, ByteBuffer dst) {
        return 0; // the ring reads: input arrives through SocketEvents.received
    }

    @Override
    public int write(Object handle, ByteBuffer src) throws IOException {
        return output.write((UringSocket) handle, src);
    }

    @Override
    public long write(Object handle, ByteBuffer[] srcs, int offset, int length) throws IOException {
        return output.write((UringSocket) handle, srcs, offset, length);
    }

    @Override
    public void interest(Object handle, boolean read, boolean write) {
        UringSocket s = (UringSocket) handle;
        if (s.closing) {
            return;
        }
        s.wantRead = read;
        if (read && !s.recvArmed) {
            requests.receive(s);
        } else if (!read && s.recvArmed && !s.recvCancelling) {
            requests.cancelReceive(s); // input in flight until then is still delivered; the connection keeps it
            s.singleShot = true;
        }
        output.wantWritable(s, write);
    }

    @Override
    public void shutdownOutput(Object handle) throws IOException {
        UringSocket s = (UringSocket) handle;
        if (!s.closing) { // after a close its descriptor number may already be another socket's
            output.shutdownOutput(s);
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
            requests.cancelReceive(s);
        }
        if (!output.staged(s)) {
            output.closeDescriptor(s);
        } else {
            output.lingerUntilSent(s); // what was written before goes out first, within a bound
        }
        output.freeIfDone(s);
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
        return listeners.bind(address, backlog, reusePort);
    }

    @Override
    public InetSocketAddress listenerAddress(Object listener) throws IOException {
        return listeners.address((UringListener) listener);
    }

    @Override
    public void listen(Object listener, AcceptEvents acceptor) {
        listeners.listen((UringListener) listener, acceptor);
    }

    @Override
    public void accepting(Object listener, boolean on) {
        listeners.accepting((UringListener) listener, on);
    }

    @Override
    public void closeListener(Object listener) {
        listeners.close((UringListener) listener);
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
        output.flush();
        long wait = timeoutMillis < 0 || output.writableOwed() || input.starving() ? 0
            : timeoutMillis == 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        long linger = output.untilLingerEnds();
        if (linger >= 0 && (wait < 0 || linger < wait)) {
            wait = linger;
        }
        ring.submitAndWait(wait);
        loop.eventsArrived();
        ring.drain(this);
        if (linger >= 0) {
            output.endExpiredLingers();
        }
        output.tellWritable();
        if (input.starving()) {
            input.rearmStarved();
        }
    }

    /** A completion, from {@link IoUring#drain}: to its socket, listener or the wake-up. */
    @Override
    public void complete(long userData, int result, int flags) {
        try {
            switch (UserData.op(userData)) {
                case UserData.RECV -> input.received((UringSocket) slots.get(UserData.slot(userData)), result, flags);
                case UserData.SEND -> output.sent((UringSocket) slots.get(UserData.slot(userData)), result);
                case UserData.ACCEPT -> listeners.accepted((UringListener) slots.get(UserData.slot(userData)), result,
                    flags);
                case UserData.WAKE -> requests.wake(wakeFd, wakeAddress);
                default -> {
                    // a cancel's own result: what counts is the cancelled request's completion
                }
            }
        } catch (Throwable e) {
            loop.unexpectedFailure(e); // one connection's failure must not end the loop that serves the others
        }
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
                listeners.close(l);
            }
        }
        for (int i = 0; i < slots.limit(); i++) {
            if (slots.get(i) instanceof UringSocket s) {
                output.closeDescriptor(s); // output still staged when the loop ends is dropped
                if (s.sendInFlight) {
                    requests.cancel(UserData.of(s.slot, UserData.SEND));
                }
                output.freeIfDone(s); // staged but never submitted, receive ended: no completion would free it
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
        output.release();
        synchronized (wakeArena) {
            wakeClosed = true;
            sockets.close(wakeFd);
        }
        wakeArena.close();
    }

    /** Chunks of staged output held now (for tests: none once every connection closed). */
    int sendChunksInUse() {
        return output.chunksInUse();
    }

    /** Closed sockets still waiting for their staged bytes to be sent (for tests). */
    int closesLingering() {
        return output.lingering();
    }

    /** Sockets and listeners holding a slot now (for tests: none once closeAll returned). */
    int slotsInUse() {
        return slots.used();
    }
}
