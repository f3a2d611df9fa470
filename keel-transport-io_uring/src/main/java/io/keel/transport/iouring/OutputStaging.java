package io.keel.transport.iouring;

import io.keel.core.TransportLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The send half of the io_uring transport. A write copies into the socket's staging chunk ({@link SendBuffers})
 * and queues the socket; at the next poll every queued socket's bytes go to the kernel as one send each, submitted
 * with the wait. One send per socket is in flight at a time (two sends on one socket may complete out of order);
 * bytes staged meanwhile go in the next one, when it completes. Also the end of a socket's life, which waits for
 * its staged bytes: the FIN and the close follow them, for at most {@link #LINGER_NANOS}. Loop thread only.
 */
final class OutputStaging {
    /**
     * How long a closed socket may wait for its staged bytes to be sent: a peer that stops reading would otherwise
     * keep its descriptor, slot and chunk forever. Where NIO leaves such bytes to the kernel, which drops an
     * orphaned socket after its own retries, this is the bound: that of the kernel's orphans in FIN_WAIT2
     * ({@code net.ipv4.tcp_fin_timeout}, 60 s by default).
     */
    static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final TransportLoop loop;
    private final Sockets sockets;
    private final Requests requests;
    private final SlotTable slots;
    private final SendBuffers sendBuffers = new SendBuffers();
    /** Sockets with staged bytes and no send in flight, submitted at the next poll. */
    private UringSocket[] sendQueue = new UringSocket[64];
    private int sendQueued;
    /** Sockets that asked for writability while their staging had room: told at the end of this poll. */
    private UringSocket[] writableQueue = new UringSocket[16];
    private int writableQueued;
    /**
     * Closed sockets waiting for their staged bytes to be sent, linked through their own fields, oldest first (each
     * has the same linger): one leaves the list when its descriptor closes, so a closed connection is not kept
     * reachable for the whole linger.
     */
    private UringSocket lingerHead;
    private UringSocket lingerTail;
    private final LongSupplier nanoClock;

    OutputStaging(TransportLoop loop, Sockets sockets, Requests requests, SlotTable slots, LongSupplier nanoClock) {
        this.loop = loop;
        this.sockets = sockets;
        this.requests = requests;
        this.slots = slots;
        this.nanoClock = nanoClock;
    }

    int write(UringSocket s, ByteBuffer src) throws IOException {
        int n = stage(src, staging(s));
        if (n > 0) {
            queueSend(s);
        }
        return n;
    }

    long write(UringSocket s, ByteBuffer[] srcs, int offset, int length) throws IOException {
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
            sendQueue = Arrays.copyOf(sendQueue, sendQueued * 2);
        }
        sendQueue[sendQueued++] = s;
    }

    private void submitSend(UringSocket s) {
        requests.send(s, sendBuffers.address(s.chunk), sendBuffers.view(s.chunk).position());
    }

    /** Whether the socket has bytes the kernel has not taken yet. */
    boolean staged(UringSocket s) {
        return s.chunk >= 0 && s.sendStart < sendBuffers.view(s.chunk).position();
    }

    /** The write half of {@code Transport.interest}: writability is told at once when the staging has room. */
    void wantWritable(UringSocket s, boolean write) {
        if (write != s.wantWritable) {
            s.wantWritable = write;
            if (write && hasRoom(s)) {
                if (writableQueued == writableQueue.length) {
                    writableQueue = Arrays.copyOf(writableQueue, writableQueued * 2);
                }
                writableQueue[writableQueued++] = s;
            }
        }
    }

    private boolean hasRoom(UringSocket s) {
        return s.chunk < 0 || sendBuffers.view(s.chunk).hasRemaining() || (!s.sendInFlight && s.sendStart > 0);
    }

    /** Whether writability is owed now: the poll then does not wait. */
    boolean writableOwed() {
        return writableQueued > 0;
    }

    /** The FIN after the staged bytes. */
    void shutdownOutput(UringSocket s) throws IOException {
        if (staged(s)) {
            s.shutdownPending = true; // sent when the last staged byte is
        } else {
            sockets.shutdownOutput(s.fd);
        }
    }

    /** Submits every queued socket's staged bytes: at the start of each poll, with the wait. */
    void flush() {
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

    /** Tells the sockets owed writability; those queued meanwhile are told at the next poll, which does not wait. */
    void tellWritable() {
        int n = writableQueued;
        for (int i = 0; i < n; i++) {
            UringSocket s = writableQueue[i];
            writableQueue[i] = null;
            if (s.wantWritable && !s.closing) {
                try {
                    s.events.writable();
                } catch (Throwable e) {
                    loop.unexpectedFailure(e);
                }
            }
        }
        System.arraycopy(writableQueue, n, writableQueue, 0, writableQueued - n);
        Arrays.fill(writableQueue, writableQueued - n, writableQueued, null);
        writableQueued -= n;
    }

    /** A send completed: the next one, the FIN or the close it waited for, and writability. */
    void sent(UringSocket s, int result) {
        s.sendInFlight = false;
        if (s.fdClosed) { // the loop is closing: what is left is dropped (its descriptor number may be reused)
            releaseChunk(s);
            freeIfDone(s);
            return;
        }
        if (result < 0) {
            releaseChunk(s);
            if (s.closing) {
                closeDescriptor(s);
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
            releaseChunk(s);
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
                closeDescriptor(s);
                freeIfDone(s);
                return;
            }
        }
        if (s.wantWritable && !s.closing && hasRoom(s)) {
            s.events.writable();
        }
    }

    private void releaseChunk(UringSocket s) {
        if (s.chunk >= 0) {
            sendBuffers.release(s.chunk);
            s.chunk = -1;
        }
        s.sendStart = 0;
        s.inFlightEnd = 0;
    }

    /** A socket closed with bytes still staged: its descriptor is closed when they are sent, or at the linger's end. */
    void lingerUntilSent(UringSocket s) {
        s.lingerDeadline = nanoClock.getAsLong() + LINGER_NANOS;
        s.lingering = true;
        s.lingerPrevious = lingerTail;
        if (lingerTail == null) {
            lingerHead = s;
        } else {
            lingerTail.lingerNext = s;
        }
        lingerTail = s;
    }

    private void stopLingering(UringSocket s) {
        if (!s.lingering) {
            return;
        }
        s.lingering = false;
        if (s.lingerPrevious == null) {
            lingerHead = s.lingerNext;
        } else {
            s.lingerPrevious.lingerNext = s.lingerNext;
        }
        if (s.lingerNext == null) {
            lingerTail = s.lingerPrevious;
        } else {
            s.lingerNext.lingerPrevious = s.lingerPrevious;
        }
        s.lingerPrevious = null;
        s.lingerNext = null;
    }

    /**
     * Nanoseconds until the oldest lingering socket's linger ends (0 when it has), or -1 when none lingers: the
     * poll waits no longer than this.
     */
    long untilLingerEnds() {
        return lingerHead == null ? -1 : Math.max(0, lingerHead.lingerDeadline - nanoClock.getAsLong());
    }

    /**
     * Closes the descriptors of the sockets whose linger has ended, dropping their unsent bytes; a send still in
     * the kernel is cancelled, and frees the socket when its completion comes.
     */
    void endExpiredLingers() {
        long now = nanoClock.getAsLong();
        for (UringSocket s; (s = lingerHead) != null && now - s.lingerDeadline >= 0;) {
            if (s.sendInFlight) {
                requests.cancel(UserData.of(s.slot, UserData.SEND));
            } else {
                releaseChunk(s); // queued behind the close, not yet submitted: flush skips a closed descriptor
            }
            closeDescriptor(s); // which takes it off the list
            freeIfDone(s);
        }
    }

    /** Closes the descriptor, once. */
    void closeDescriptor(UringSocket s) {
        if (!s.fdClosed) {
            s.fdClosed = true;
            stopLingering(s);
            sockets.close(s.fd);
        }
    }

    /** Frees the socket's slot and chunk once it is closed and the kernel holds no request of it. */
    void freeIfDone(UringSocket s) {
        if (s.closing && s.fdClosed && !s.busy() && slots.get(s.slot) == s) {
            releaseChunk(s);
            slots.release(s.slot);
        }
    }

    /** Closed sockets on the linger list now. */
    int lingering() {
        int n = 0;
        for (UringSocket s = lingerHead; s != null; s = s.lingerNext) {
            n++;
        }
        return n;
    }

    /** Chunks of staged output held now. */
    int chunksInUse() {
        return sendBuffers.inUse();
    }

    /** Frees the chunks' memory: only once the ring is closed. */
    void release() {
        sendBuffers.close();
    }
}
