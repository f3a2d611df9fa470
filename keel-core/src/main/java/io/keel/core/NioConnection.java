package io.keel.core;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A TCP connection owned by one {@link EventLoop}. It holds no buffer while idle: input is read into the loop's
 * buffer, and only bytes the handler left unconsumed, or bytes the socket would not take, are kept here, in
 * pooled chunks that go back to the pool as soon as they are empty.
 */
final class NioConnection extends TimerWheel.Node implements Connection {
    private static final System.Logger LOG = System.getLogger(NioConnection.class.getName());
    private static final Object[] NO_USER_DATA = new Object[0];
    private static final VarHandle OFF_LOOP_BYTES;

    static {
        try {
            OFF_LOOP_BYTES = MethodHandles.lookup().findVarHandle(NioConnection.class, "offLoopBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final EventLoop loop;
    private final SocketChannel channel;
    private final ConnectionHandler handler;
    SelectionKey key;

    /** Unconsumed input, in read mode (position..limit), or null. */
    private ByteBuffer pendingInput;
    /** What the socket has not taken yet; null when nothing is queued (created on demand, dropped when drained). */
    private OutboundQueue outbound;
    /** Bytes of sends handed over from other threads and not yet taken by the loop (see reserveOffLoop). */
    private volatile long offLoopBytes;

    private boolean open = true;
    private boolean readPaused;
    private boolean inputClosed;
    private boolean closeRequested;
    private boolean writableNotifyPending;
    private boolean registeredForWrite;
    // seldom-changed states share one byte: a connection object's size is memory per connection
    private static final byte SHUTDOWN_OUTPUT_REQUESTED = 1, OUTPUT_SHUT = 2, REDELIVER_SCHEDULED = 4, IDLE_TIMED_OUT = 8;
    private byte flags;

    private long lastActivityNanos;

    // the handler callbacks, for dispatch
    private static final byte OPEN = 0, DATA = 1, INPUT_CLOSED = 2, WRITABLE = 3, IDLE_TIMEOUT = 4, SHUTDOWN = 5;

    private Object attachment;
    private Object[] userData = NO_USER_DATA;
    private InetSocketAddress remote;

    NioConnection(EventLoop loop, SocketChannel channel) {
        this.loop = loop;
        this.channel = channel;
        this.handler = loop.server.config.handler;
        this.lastActivityNanos = loop.nowNanos;
    }

    void opened() {
        loop.server.connectionOpened();
        long idle = loop.server.config.idleTimeoutNanos;
        if (idle > 0) {
            loop.rearm(this, idle);
        }
        dispatch(OPEN, null);
    }

    // ---- reading ----

    void readable() {
        if (readPaused || inputClosed || !open) {
            return;
        }
        ByteBuffer buf = loop.readBuffer;
        buf.clear();
        int n;
        try {
            n = channel.read(buf);
        } catch (IOException e) {
            failed(e);
            return;
        }
        if (n < 0) {
            inputEnded();
            return;
        }
        if (n == 0) {
            return;
        }
        loop.bytesIn += n;
        lastActivityNanos = loop.nowNanos;
        buf.flip();
        deliver(buf);
    }

    private void deliver(ByteBuffer fresh) {
        ByteBuffer data;
        if (pendingInput != null) {
            if (fresh != null && fresh.hasRemaining()) {
                pendingInput = InputRemainder.append(pendingInput, fresh, loop.pool);
            }
            data = pendingInput;
        } else {
            data = fresh;
        }
        dispatch(DATA, data);
    }

    private void inputEnded() {
        inputClosed = true;
        updateInterest();
        if (has(OUTPUT_SHUT)) {
            closeNow();
            return;
        }
        dispatch(INPUT_CLOSED, null);
    }

    @Override
    public void pauseReading() {
        if (!loop.inLoop()) {
            loop.submit(this::pauseReading);
            return;
        }
        if (!readPaused) {
            readPaused = true;
            updateInterest();
        }
    }

    @Override
    public void resumeReading() {
        if (!loop.inLoop()) {
            loop.submit(this::resumeReading);
            return;
        }
        if (readPaused && open && !closeRequested) {
            readPaused = false;
            updateInterest();
            // bytes that were left while paused may already hold complete messages: offer them again
            if (pendingInput != null && !has(REDELIVER_SCHEDULED)) {
                set(REDELIVER_SCHEDULED, true);
                loop.submit(() -> {
                    set(REDELIVER_SCHEDULED, false);
                    if (open && !readPaused && pendingInput != null) {
                        deliver(null);
                    }
                });
            }
        }
    }

    @Override
    public boolean isReadingPaused() {
        return readPaused;
    }

    // ---- writing ----

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
                long n = channel.write(g, 0, 3);
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
        s = worse(s, accept(b));
        return worse(s, accept(c));
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
        if (!open || closeRequested || has(SHUTDOWN_OUTPUT_REQUESTED)) {
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
        return open && !closeRequested && !has(SHUTDOWN_OUTPUT_REQUESTED);
    }

    @Override
    public SendStatus sendContinuation(ByteBuffer data) {
        if (!open || closeRequested || has(SHUTDOWN_OUTPUT_REQUESTED)) {
            return SendStatus.DROPPED;
        }
        return accept(data);
    }

    private static SendStatus worse(SendStatus x, SendStatus y) {
        return x.ordinal() >= y.ordinal() ? x : y;
    }

    private boolean refuses() {
        return !open || closeRequested || has(SHUTDOWN_OUTPUT_REQUESTED)
            || (outbound != null && outbound.queued() >= loop.server.config.maxQueuedBytes);
    }

    /** Sends or queues {@code data}; the queue limit was checked by the caller. */
    private SendStatus accept(ByteBuffer data) {
        if (!open) {
            return SendStatus.DROPPED;
        }
        int len = data.remaining();
        if (len == 0) {
            return outbound == null ? SendStatus.SENT : queueStatus();
        }
        if (outbound != null) {
            enqueue(data);
            return queueStatus();
        }
        Cork<NioConnection> cork = loop.cork;
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
            int n = channel.write(data);
            loop.bytesOut += n;
            lastActivityNanos = loop.nowNanos;
            return true;
        } catch (IOException e) {
            failed(e);
            return false;
        }
    }

    /** Writes the cork buffer (this connection's corked sends); what the socket does not take is queued. */
    private void flushCork() {
        Cork<NioConnection> c = loop.cork;
        if (c.isEmpty()) {
            return;
        }
        ByteBuffer cork = c.drain();
        try {
            if (outbound == null && open) {
                writeDirect(cork);
            }
            if (cork.hasRemaining() && open) {
                enqueue(cork);
                if (outbound.above(loop.server.config.highWatermark)) {
                    writableNotifyPending = true;
                }
            }
        } finally {
            c.reset();
        }
    }

    /**
     * Runs one handler callback, corked: the connection owns the loop's cork while it runs, so its sends leave in
     * one write when it returns. A handler that throws is counted and logged, and its connection aborted. After
     * {@code onData}, what the handler left of {@code data} is kept for the next call.
     */
    private void dispatch(byte event, ByteBuffer data) {
        NioConnection outer = loop.cork.enter(this);
        try {
            switch (event) {
                case OPEN -> handler.onOpen(this);
                case DATA -> handler.onData(this, data);
                case INPUT_CLOSED -> handler.onInputClosed(this);
                case WRITABLE -> handler.onWritable(this);
                case IDLE_TIMEOUT -> handler.onIdleTimeout(this);
                default -> handler.onShutdown(this);
            }
        } catch (RuntimeException e) {
            handlerFailed(callbackName(event), e);
        } finally {
            if (event == DATA) {
                pendingInput = InputRemainder.keepUnconsumed(data, pendingInput, loop.pool, open);
            }
            uncork(outer);
        }
    }

    private static String callbackName(byte event) {
        return switch (event) {
            case OPEN -> "onOpen";
            case DATA -> "onData";
            case INPUT_CLOSED -> "onInputClosed";
            case WRITABLE -> "onWritable";
            case IDLE_TIMEOUT -> "onIdleTimeout";
            default -> "onShutdown";
        };
    }

    private void uncork(NioConnection outer) {
        if (loop.cork.isOwnedBy(this)) {
            flushCork();
        }
        loop.cork.leave(outer);
        if (open && outbound == null) {
            afterDrained();
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
    void writable() {
        if (!open) {
            return;
        }
        ByteBuffer[] gather = loop.gather;
        while (outbound != null) {
            int n = outbound.gather(gather);
            long written;
            try {
                written = channel.write(gather, 0, n);
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
    private void afterDrained() {
        if (outbound != null || !open) {
            return;
        }
        if (closeRequested) {
            closeNow();
        } else if (has(SHUTDOWN_OUTPUT_REQUESTED) && !has(OUTPUT_SHUT)) {
            set(OUTPUT_SHUT, true);
            try {
                channel.shutdownOutput();
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

    // ---- closing ----

    @Override
    public void close() {
        if (!loop.inLoop()) {
            loop.submit(this::close);
            return;
        }
        if (!open || closeRequested) {
            return;
        }
        closeRequested = true;
        readPaused = true;
        updateInterest();
        if (!loop.cork.isOwnedBy(this) && outbound == null) {
            closeNow();
        }
        // else: closed by uncork() or writable() once everything queued is written
    }

    @Override
    public void shutdownOutput() {
        if (!loop.inLoop()) {
            loop.submit(this::shutdownOutput);
            return;
        }
        if (!open || has(SHUTDOWN_OUTPUT_REQUESTED)) {
            return;
        }
        set(SHUTDOWN_OUTPUT_REQUESTED, true);
        if (!loop.cork.isOwnedBy(this)) {
            afterDrained();
        }
    }

    @Override
    public void abort() {
        if (!loop.inLoop()) {
            loop.submit(this::abort);
            return;
        }
        if (loop.cork.isOwnedBy(this)) {
            loop.cork.reset();
        }
        closeNow();
    }

    private void failed(IOException e) {
        if (!open) {
            return;
        }
        loop.server.connectionFailed();
        if (loop.cork.isOwnedBy(this)) {
            loop.cork.reset();
        }
        try {
            handler.onError(this, e);
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "onError failed", ex);
        }
        closeNow();
    }

    private void handlerFailed(String callback, RuntimeException e) {
        loop.server.handlerFailed(callback, e);
        abort();
    }

    private void closeNow() {
        if (!open) {
            return;
        }
        open = false;
        if (key != null) {
            key.cancel();
        }
        EventLoop.closeQuietly(channel);
        loop.cancelTimer(this);
        pendingInput = InputRemainder.release(pendingInput, loop.pool);
        if (outbound != null) {
            outbound.releaseAll();
            outbound = null;
        }
        loop.server.connectionClosed();
        try {
            handler.onClose(this);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "onClose failed", e);
        }
    }

    private void updateInterest() {
        if (key == null || !key.isValid()) {
            return;
        }
        int ops = (readPaused || inputClosed ? 0 : SelectionKey.OP_READ)
            | (registeredForWrite ? SelectionKey.OP_WRITE : 0);
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    /** The idle-timeout check: this connection is its own timer node (see TimerWheel.Node). */
    @Override
    public void run() {
        if (!open) {
            return;
        }
        long timeout = loop.server.config.idleTimeoutNanos;
        long idleFor = loop.nowNanos - lastActivityNanos;
        if (idleFor < timeout) {
            loop.rearm(this, timeout - idleFor);
            return;
        }
        if (!has(IDLE_TIMED_OUT)) {
            set(IDLE_TIMED_OUT, true); // counted once, even when the handler's answer (a close) needs another period
            loop.server.idleTimedOut();
        }
        dispatch(IDLE_TIMEOUT, null);
        if (open) {
            loop.rearm(this, timeout);
        }
    }

    void serverShutdown() {
        if (!open) {
            return;
        }
        dispatch(SHUTDOWN, null);
    }

    // ---- the rest of Connection ----

    @Override
    public boolean isOpen() {
        return open && !closeRequested;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        if (remote == null) {
            try {
                remote = (InetSocketAddress) channel.getRemoteAddress();
            } catch (IOException e) {
                return null;
            }
        }
        return remote;
    }

    @Override
    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public boolean inEventLoop() {
        return loop.inLoop();
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public void execute(Runnable task) {
        loop.execute(task);
    }

    @Override
    public Timer schedule(Runnable task, long delay, TimeUnit unit) {
        return loop.schedule(task, delay, unit);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(UserDataKey<T> key) {
        return key.index < userData.length ? (T) userData[key.index] : null;
    }

    @Override
    public <T> void set(UserDataKey<T> key, T value) {
        if (key.index >= userData.length) {
            userData = java.util.Arrays.copyOf(userData, key.index + 1);
        }
        userData[key.index] = value;
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    @Override
    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    EventLoop loop() {
        return loop;
    }

    @Override
    public String toString() {
        return "Connection[" + remoteAddress() + " on " + loop + "]";
    }

    private boolean has(byte flag) {
        return (flags & flag) != 0;
    }

    private void set(byte flag, boolean on) {
        flags = (byte) (on ? flags | flag : flags & ~flag);
    }
}
