package io.keel.transport.iouring;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fake kernel for {@link IoUringTransport}'s seam: descriptors are numbers that are never reused (so a request or
 * call on a closed one is seen, where a real kernel might have given the number to a new socket), each with what
 * was sent on it, when its FIN went out and when it was closed. The ring is a {@link FakeRing}. Every misuse (a
 * call on a closed descriptor, a second close, bytes sent after the FIN) is recorded in {@link #violations} and
 * thrown as an {@link AssertionError}.
 */
final class FakeSockets implements Sockets {
    /** One descriptor as the fake kernel sees it. */
    static final class Fd {
        final int number;
        final String kind;
        /** The bytes that left through completed sends, in completion order. */
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        /** The bytes the peer sent, handed out by receive completions in this order. */
        final Bytes injected = new Bytes();
        /** How many of {@link #injected} the transport has drained (so must have delivered, if open). */
        int drainedIn;
        int closes;
        /** A send on it failed: bytes staged behind it are dropped. */
        boolean sendFailed;
        /** {@link #sent}'s size when shutdown(SHUT_WR) ran, or -1. */
        int sentAtFin = -1;
        /** {@link #sent}'s size when close ran, or -1. */
        int sentAtClose = -1;

        Fd(int number, String kind) {
            this.number = number;
            this.kind = kind;
        }

        boolean closed() {
            return closes > 0;
        }

        @Override
        public String toString() {
            return kind + " fd " + number;
        }
    }

    /** A byte stream whose array a check may read without a copy. */
    static final class Bytes extends ByteArrayOutputStream {
        byte[] array() {
            return buf;
        }
    }

    final Map<Integer, Fd> fds = new LinkedHashMap<>();
    final List<String> violations = new ArrayList<>();
    private final int sqEntries;
    private final int bufferCount;
    private int nextFd = 100;
    FakeRing ring;
    FakeBufferGroup buffers;
    int wakeSignals;

    /**
     * @param sqEntries the fake ring's submission queue size (small, so the transport meets a full queue)
     * @param bufferCount how many receive buffers the fake group has (small, so receives run out: ENOBUFS)
     */
    FakeSockets(int sqEntries, int bufferCount) {
        this.sqEntries = sqEntries;
        this.bufferCount = bufferCount;
    }

    /** A new descriptor, e.g. the result of an accept. */
    Fd open(String kind) {
        Fd fd = new Fd(nextFd++, kind);
        fds.put(fd.number, fd);
        return fd;
    }

    Fd fd(int number) {
        Fd fd = fds.get(number);
        if (fd == null) {
            violation("unknown descriptor " + number);
        }
        return fd;
    }

    /** Records a broken rule and throws it, so the step that broke it fails at once. */
    void violation(String what) {
        violations.add(what);
        throw new AssertionError(what);
    }

    private Fd live(int number, String call) {
        Fd fd = fd(number);
        if (fd.closed()) {
            violation(call + " on closed " + fd);
        }
        return fd;
    }

    @Override
    public void setTcpNoDelay(int fd) {
        live(fd, "setTcpNoDelay");
    }

    @Override
    public void shutdownOutput(int number) {
        Fd fd = live(number, "shutdownOutput");
        if (fd.sentAtFin < 0) {
            fd.sentAtFin = fd.sent.size();
        }
    }

    @Override
    public void close(int number) {
        if (number < 0) {
            return;
        }
        Fd fd = fd(number);
        if (fd.closed()) {
            violation("second close of " + fd);
        }
        fd.closes++;
        fd.sentAtClose = fd.sent.size();
    }

    @Override
    public InetSocketAddress remoteAddress(int fd) {
        live(fd, "getpeername");
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000 + fd);
    }

    @Override
    public InetSocketAddress localAddress(int fd) {
        live(fd, "getsockname");
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080);
    }

    @Override
    public int openListener(InetSocketAddress address, int backlog, boolean reusePort) {
        return open("listener").number;
    }

    @Override
    public int eventFd() {
        return open("eventfd").number;
    }

    @Override
    public void signalEventFd(int fd) {
        live(fd, "eventfd write");
        wakeSignals++;
    }

    @Override
    public Ring openRing(int sqEntries, int cqEntries, boolean singleIssuer) throws IOException {
        if (ring != null) {
            violation("a second ring");
        }
        ring = new FakeRing(this, this.sqEntries);
        return ring;
    }

    @Override
    public BufferGroup registerBuffers(Ring ring, short groupId, int count, int bufferSize) {
        if (ring != this.ring || buffers != null) {
            violation("buffers registered twice or with another ring");
        }
        buffers = new FakeBufferGroup(this, bufferCount, bufferSize);
        return buffers;
    }
}
