package io.keel.core;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * The send half of a connection: sends on the loop and handed over from other threads, the loop's {@link Cork}
 * while a callback runs, the {@link OutboundQueue} and its watermarks. The lifecycle (reading, closing, interest
 * ops, the handler callbacks) is {@link NioConnection}'s, reached through the abstract methods below.
 */
abstract class SendingConnection extends AbstractConnection {
    private static final VarHandle OFF_LOOP_BYTES;

    static {
        try {
            OFF_LOOP_BYTES = MethodHandles.lookup().findVarHandle(SendingConnection.class, "offLoopBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // the handler callbacks, for dispatch
    static final byte OPEN = 0, DATA = 1, INPUT_CLOSED = 2, WRITABLE = 3, IDLE_TIMEOUT = 4, SHUTDOWN = 5;

    /** What the socket has not taken yet; null when nothing is queued (created on demand, dropped when drained). */
    OutboundQueue outbound;
    /** Bytes of sends handed over from other threads and not yet taken by the loop (see reserveOffLoop). */
    private volatile long offLoopBytes;
    /** A send reported BACKPRESSURE: onWritable is owed once the queue falls to the low watermark. */
    boolean writableNotifyPending;
    /** Asked the transport for writability (only while output is queued). */
    boolean registeredForWrite;

    SendingConnection(EventLoop loop) {
        super(loop);
    }

    /** The connection failed (an I/O error): onError, then closed. */
    abstract void failed(IOException e);

    /** Closes at once: the socket, the timer, the buffers; onClose. */
    abstract void closeNow();

    /** Tells the transport which events this connection wants now. */
    abstract void updateInterest();

    /** Runs the handler callback {@code event} (one of the constants above), corked. */
    abstract void dispatch(byte event, ByteBuffer data);

    @Override
    public SendStatus send(ByteBuffer data) {
        if (!loop.inLoop()) {
            return handOver(data, null, null, false);
        }
        if (refuses()) {
            return SendStatus.DROPPED;
        }
        return accept(data);
    }

    @Override
    public SendStatus send(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix) {
        if (!loop.inLoop()) {
            return handOver(prefix, payload, suffix, false);
        }
        if (refuses()) {
            return SendStatus.DROPPED;
        }
        return sendUnit(prefix, payload, suffix);
    }

    @Override
    public SendStatus sendControl(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix) {
        if (!loop.inLoop()) {
            return handOver(prefix, payload, suffix, true);
        }
        if (!canSendControl()) {
            return SendStatus.DROPPED;
        }
        return sendUnit(prefix, payload, suffix);
    }

    private SendStatus sendUnit(ByteBuffer a, ByteBuffer b, ByteBuffer c) {
        if (outbound == null && !loop.cork.isOwnedBy(this)) {
            // not corked and nothing queued: one gathering write
            ByteBuffer[] g = loop.gather;
            g[0] = a;
            g[1] = b;
            g[2] = c;
            try {
                long n = loop.transport.write(handle, g, 0, 3);
                loop.bytesOut += n;
                lastActivityNanos = loop.nowNanos;
            } catch (IOException e) {
                failed(e);
                return SendStatus.DROPPED;
            } finally {
                g[0] = g[1] = g[2] = null;
            }
            if (!a.hasRemaining() && !b.hasRemaining() && !c.hasRemaining()) {
                return SendStatus.SENT;
            }
        }
        SendStatus s = accept(a);
        s = s.worse(accept(b));
        return s.worse(accept(c));
    }

    /**
     * A send from another thread: copied here, sent on the loop in this thread's call order. The status is a
     * promise (see {@link Connection}): once admitted, only a close refuses it; a BACKPRESSURE promise is kept
     * with one onWritable.
     */
    private SendStatus handOver(ByteBuffer a, ByteBuffer b, ByteBuffer c, boolean control) {
        long n = HandOver.remaining(a, b, c);
        SendStatus promised = reserveOffLoop(n, control);
        if (promised == SendStatus.DROPPED) {
            return promised;
        }
        ByteBuffer copy = HandOver.copy(a, b, c);
        loop.submit(() -> {
            releaseOffLoop(n);
            SendStatus s = sendContinuation(copy); // admitted against the limit when it was reserved
            if (promised == SendStatus.BACKPRESSURE && s != SendStatus.DROPPED) {
                writableNotifyPending = true;
                notifyWritableIfDrained();
            }
        });
        return promised;
    }

    @Override
    public SendStatus reserveOffLoop(long bytes, boolean control) {
        if (!outputOpen()) {
            return SendStatus.DROPPED; // a snapshot: the loop checks again when it sends
        }
        ServerConfig cfg = loop.server.config;
        long before = (long) OFF_LOOP_BYTES.getAndAdd(this, bytes);
        OutboundQueue q = outbound; // read racily: an estimate is all a promise needs
        long waiting = before + (q == null ? 0 : q.queued());
        if (!control && waiting >= cfg.maxQueuedBytes) {
            OFF_LOOP_BYTES.getAndAdd(this, -bytes);
            return SendStatus.DROPPED;
        }
        return waiting + bytes > cfg.highWatermark ? SendStatus.BACKPRESSURE : SendStatus.QUEUED;
    }

    @Override
    public void releaseOffLoop(long bytes) {
        OFF_LOOP_BYTES.getAndAdd(this, -bytes);
    }

    @Override
    public boolean canSend() {
        return !refuses();
    }

    @Override
    public boolean canSendControl() {
        return outputOpen();
    }

    @Override
    public SendStatus sendContinuation(ByteBuffer data) {
        if (!outputOpen()) {
            return SendStatus.DROPPED;
        }
        return accept(data);
    }

    private boolean refuses() {
        return !outputOpen() || (outbound != null && outbound.queued() >= loop.server.config.maxQueuedBytes);
    }

    /** Sends or queues {@code data}; the queue limit was checked by the caller. */
    private SendStatus accept(ByteBuffer data) {
        if (!open) {
            return SendStatus.DROPPED;
        }
        if (!data.hasRemaining()) {
            return outbound == null ? SendStatus.SENT : queueStatus();
        }
        if (outbound != null) {
            enqueue(data);
            return queueStatus();
        }
        Cork<SendingConnection> cork = loop.cork;
        if (cork.isOwnedBy(this)) {
            if (cork.offer(data)) {
                return SendStatus.SENT;
            }
            flushCork();
            if (outbound != null) {
                enqueue(data);
                return queueStatus();
            }
            if (cork.offer(data)) {
                return SendStatus.SENT;
            }
        }
        if (!writeDirect(data)) {
            return SendStatus.DROPPED;
        }
        if (data.hasRemaining()) {
            enqueue(data);
            return queueStatus();
        }
        return SendStatus.SENT;
    }

    private SendStatus queueStatus() {
        if (outbound.above(loop.server.config.highWatermark)) {
            writableNotifyPending = true;
            return SendStatus.BACKPRESSURE;
        }
        return SendStatus.QUEUED;
    }

    /** Writes what the socket takes; false if the connection failed. */
    private boolean writeDirect(ByteBuffer data) {
        try {
            int n = loop.transport.write(handle, data);
            loop.bytesOut += n;
            lastActivityNanos = loop.nowNanos;
            return true;
        } catch (IOException e) {
            failed(e);
            return false;
        }
    }

    /** Writes the cork (this connection's corked sends); what the socket does not take is queued. */
    final void flushCork() {
        Cork<SendingConnection> c = loop.cork;
        if (c.isEmpty()) {
            return;
        }
        ByteBuffer corked = c.drain();
        try {
            if (outbound == null && open) {
                writeDirect(corked);
            }
            if (corked.hasRemaining() && open) {
                enqueue(corked);
                if (outbound.above(loop.server.config.highWatermark)) {
                    writableNotifyPending = true;
                }
            }
        } finally {
            c.reset();
        }
    }

    private void enqueue(ByteBuffer data) {
        if (outbound == null) {
            outbound = new OutboundQueue(loop.pool);
        }
        outbound.enqueue(data);
        if (!registeredForWrite) {
            registeredForWrite = true;
            updateInterest();
        }
    }

    /** The socket became writable: gather-write the queue. */
    public void writable() {
        if (!open) {
            return;
        }
        ByteBuffer[] gather = loop.gather;
        while (outbound != null) {
            int n = outbound.gather(gather);
            long written;
            try {
                written = loop.transport.write(handle, gather, 0, n);
            } catch (IOException e) {
                java.util.Arrays.fill(gather, 0, n, null);
                failed(e);
                return;
            }
            java.util.Arrays.fill(gather, 0, n, null);
            loop.bytesOut += written;
            if (written > 0) {
                lastActivityNanos = loop.nowNanos;
            }
            outbound.written(written);
            if (outbound.isEmpty()) {
                outbound = null;
                registeredForWrite = false;
                updateInterest();
                break;
            }
            if (written == 0 || outbound.headPartlyWritten()) {
                break; // the socket is full again
            }
        }
        afterDrained();
        notifyWritableIfDrained();
    }

    private void notifyWritableIfDrained() {
        if (open && writableNotifyPending
                && (outbound == null || !outbound.above(loop.server.config.lowWatermark))) {
            writableNotifyPending = false;
            dispatch(WRITABLE, null);
        }
    }

    /** Finishes a close or output shutdown that waited for the queue to empty. */
    final void afterDrained() {
        if (outbound != null || !open) {
            return;
        }
        if (closeRequested) {
            closeNow();
        } else if (has(SHUTDOWN_OUTPUT_REQUESTED) && !has(OUTPUT_SHUT)) {
            set(OUTPUT_SHUT, true);
            try {
                loop.transport.shutdownOutput(handle);
            } catch (IOException e) {
                failed(e);
                return;
            }
            if (inputClosed) {
                closeNow();
            }
        }
    }

    @Override
    public long queuedBytes() {
        OutboundQueue q = outbound;
        return (q == null ? 0 : q.queued()) + (loop.cork.isOwnedBy(this) ? loop.cork.size() : 0);
    }
}
