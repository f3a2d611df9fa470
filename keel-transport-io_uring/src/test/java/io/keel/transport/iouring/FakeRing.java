package io.keel.transport.iouring;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A fake io_uring for {@link IoUringTransport}: it records every prepared request and completes none by itself; the
 * test completes any submitted request, in any order, with any result the kernel could give. It keeps only the
 * kernel's guarantees: nothing runs before it is submitted; a multishot request completes with CQE_F_MORE until its
 * one final completion; only a request a cancel reached may end with -ECANCELED (it may still end otherwise: a
 * cancel can race with a request already running, -EALREADY); nothing completes twice; a
 * provided buffer is lent until recycled ({@link FakeBufferGroup}); a send's bytes are read at its completion (the
 * caller must keep them unchanged until then). Completions wait in a queue until {@link #drain}.
 */
final class FakeRing implements Ring {
    enum Op { RECV, SEND, ACCEPT, READ, CANCEL }

    /** One prepared request. */
    static final class Request {
        final int serial;
        final Op op;
        final int fd;
        final long address;
        final int length;
        final long userData;
        final boolean multishot;
        boolean submitted;
        /** A cancel naming it was submitted while it was pending. */
        boolean cancelSeen;
        boolean done;
        /** For a cancel: whether it found its target. */
        boolean found;

        Request(int serial, Op op, int fd, long address, int length, long userData, boolean multishot) {
            this.serial = serial;
            this.op = op;
            this.fd = fd;
            this.address = address;
            this.length = length;
            this.userData = userData;
            this.multishot = multishot;
        }

        @Override
        public String toString() {
            return "#" + serial + " " + op + (multishot ? "*" : "") + " fd " + fd + " ud 0x"
                    + Long.toHexString(userData) + (cancelSeen ? " (cancelled)" : "");
        }
    }

    private final FakeSockets kernel;
    private final int sqEntries;
    final List<Request> all = new ArrayList<>();
    private final List<Request> queued = new ArrayList<>(); // prepared, not submitted
    final List<Request> pending = new ArrayList<>(); // submitted, no final completion yet
    private final ArrayDeque<long[]> cq = new ArrayDeque<>(); // {userData, result, flags, serial}
    /** Called for each prepared request (the test's checks). */
    Consumer<Request> onPrepare = r -> { };
    /** Called at each submitAndWait, where the kernel would wait (the test may complete requests here). */
    Runnable onWait = () -> { };
    /** The request whose completion the transport is handling now, or null. */
    Request draining;
    boolean closed;
    int submitCalls;

    FakeRing(FakeSockets kernel, int sqEntries) {
        this.kernel = kernel;
        this.sqEntries = sqEntries;
    }

    private boolean prepare(Op op, int fd, long address, int length, long userData, boolean multishot) {
        if (closed) {
            kernel.violation(op + " prepared on a closed ring");
        }
        if (queued.size() == sqEntries) {
            return false;
        }
        if (op != Op.CANCEL) {
            FakeSockets.Fd f = kernel.fd(fd);
            if (f.closed()) {
                kernel.violation(op + " prepared on closed " + f);
            }
            for (Request r : live()) {
                if (r.userData == userData) {
                    kernel.violation(op + " prepared with the user data of " + r + ", still live");
                }
            }
        }
        if (op == Op.SEND && length <= 0) {
            kernel.violation("send of " + length + " bytes");
        }
        Request r = new Request(all.size(), op, fd, address, length, userData, multishot);
        all.add(r);
        queued.add(r);
        onPrepare.accept(r);
        return true;
    }

    private List<Request> live() {
        List<Request> l = new ArrayList<>(queued);
        l.addAll(pending);
        return l;
    }

    @Override
    public boolean send(int fd, long address, int length, long userData) {
        return prepare(Op.SEND, fd, address, length, userData, false);
    }

    @Override
    public boolean recv(int fd, short bufferGroup, long userData) {
        return prepare(Op.RECV, fd, 0, 0, userData, false);
    }

    @Override
    public boolean recvMultishot(int fd, short bufferGroup, long userData) {
        return prepare(Op.RECV, fd, 0, 0, userData, true);
    }

    @Override
    public boolean acceptMultishot(int listenFd, long userData) {
        return prepare(Op.ACCEPT, listenFd, 0, 0, userData, true);
    }

    @Override
    public boolean read(int fd, long address, int length, long userData) {
        return prepare(Op.READ, fd, address, length, userData, false);
    }

    @Override
    public boolean cancel(long targetUserData, long userData) {
        return prepare(Op.CANCEL, -1, targetUserData, 0, userData, false);
    }

    @Override
    public int submit() {
        if (closed) {
            kernel.violation("submit on a closed ring");
        }
        submitCalls++;
        int n = queued.size();
        for (Request r : queued) {
            r.submitted = true;
            if (r.op == Op.CANCEL) {
                for (Request t : pending) { // the first pending request with that user data, as the kernel does
                    if (t.op != Op.CANCEL && t.userData == r.address) {
                        t.cancelSeen = true;
                        r.found = true;
                        break;
                    }
                }
            }
            pending.add(r);
        }
        queued.clear();
        return n;
    }

    @Override
    public int submitAndWait(long timeoutNanos) {
        int n = submit();
        if (timeoutNanos != 0) {
            onWait.run();
        }
        return n;
    }

    @Override
    public int drain(CompletionHandler handler) {
        int n = cq.size(); // what is posted while these run waits for the next drain
        for (int i = 0; i < n; i++) {
            long[] cqe = cq.poll();
            Request r = all.get((int) cqe[3]);
            Request outer = draining;
            draining = r;
            try {
                if (r.op == Op.RECV && cqe[1] > 0) {
                    kernel.fd(r.fd).drainedIn += (int) cqe[1];
                }
                handler.complete(cqe[0], (int) cqe[1], (int) cqe[2]);
            } finally {
                draining = outer;
            }
        }
        return n;
    }

    @Override
    public void close() {
        closed = true; // the kernel cancels what is still pending; nothing completes any more
    }

    // ---- the kernel side, driven by the test ----

    /** Posts a completion of a submitted request; {@code more} keeps a multishot one pending. */
    void post(Request r, int result, int flags, boolean more) {
        if (closed || !r.submitted || r.done) {
            throw new IllegalStateException("cannot complete " + r);
        }
        if (more && !r.multishot) {
            throw new IllegalStateException("CQE_F_MORE on a single-shot " + r);
        }
        if (result == -Errno.ECANCELED && !r.cancelSeen) {
            throw new IllegalStateException("-ECANCELED without a cancel: " + r);
        }
        if (!more) {
            r.done = true;
            pending.remove(r);
        }
        cq.add(new long[] {r.userData, result, flags | (more ? IoUring.CQE_F_MORE : 0), r.serial});
    }

    /** A receive brings {@code data} in a provided buffer; with none free it ends with -ENOBUFS (returns false). */
    boolean receive(Request r, byte[] data, boolean more) {
        int id = kernel.buffers.fill(data);
        if (id < 0) {
            post(r, -Errno.ENOBUFS, 0, false);
            return false;
        }
        kernel.fd(r.fd).injected.writeBytes(data);
        post(r, data.length, IoUring.CQE_F_BUFFER | id << 16, more);
        return true;
    }

    /** A send takes its first {@code result} bytes (read now from the caller's memory), or fails with -errno. */
    void send(Request r, int result) {
        if (result > r.length) {
            throw new IllegalStateException("sent more than asked: " + result + " of " + r);
        }
        if (result > 0) {
            FakeSockets.Fd fd = kernel.fd(r.fd);
            if (fd.sentAtFin >= 0) {
                kernel.violation("bytes sent after the FIN on " + fd);
            }
            byte[] bytes = MemorySegment.ofAddress(r.address).reinterpret(result).toArray(
                    java.lang.foreign.ValueLayout.JAVA_BYTE);
            fd.sent.writeBytes(bytes);
        } else if (result < 0 && result != -Errno.ECANCELED) {
            kernel.fd(r.fd).sendFailed = true;
        }
        post(r, result, 0, false);
    }

    /** A multishot accept brings a new connection's descriptor. */
    int accept(Request r, boolean more) {
        int fd = kernel.open("connection").number;
        post(r, fd, 0, more);
        return fd;
    }
}
