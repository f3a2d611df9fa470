package io.keel.tls;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

import io.keel.core.Connection;
import io.keel.core.HandOver;
import io.keel.core.SendStatus;
import io.keel.core.Timer;
import io.keel.core.UserDataKey;

/**
 * The secure connection an inner handler sees: what it sends is encrypted into TLS records and sent on the raw
 * connection; what arrives is decrypted and handed to it with the same "leave unconsumed bytes in the buffer"
 * contract as the core. Like every connection it belongs to one loop: its sends, closes and pauses may be called
 * from any thread and are handed to that loop (see {@link Connection}); the rest is loop only.
 */
public final class TlsConnection implements Connection {
    private static final System.Logger LOG = System.getLogger(TlsConnection.class.getName());
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** The largest plaintext of one TLS record: the cork flushes at this size. */
    static final int MAX_RECORD_PLAINTEXT = 16384;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(() -> new Scratch(false));
    private static final ThreadLocal<Scratch> DIRECT_SCRATCH = ThreadLocal.withInitial(() -> new Scratch(true));

    /**
     * Buffers owned by one loop thread, shared by all its connections: the decryption target, the encryption
     * target and the cork (plaintext gathered during a callback, owned by one connection at a time). Heap buffers
     * for the JDK's engine, which works on arrays; direct ones for the OpenSSL engine, which hands their addresses
     * to BoringSSL and would otherwise copy every heap buffer through a direct one.
     */
    static final class Scratch {
        final boolean direct;
        ByteBuffer app;
        boolean appInUse;
        ByteBuffer net;
        boolean netInUse;
        final ByteBuffer cork;
        TlsConnection corkOwner;

        Scratch(boolean direct) {
            this.direct = direct;
            // room for several records: what one read brought is decrypted and handed up together (fewer
            // callbacks, and a close frame right behind a message is seen with it)
            app = allocate(4 * (MAX_RECORD_PLAINTEXT + 2048));
            net = allocate(4 * (MAX_RECORD_PLAINTEXT + 2048));
            cork = allocate(MAX_RECORD_PLAINTEXT);
        }

        ByteBuffer allocate(int size) {
            return direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
        }
    }

    private final TlsServerLayer layer;
    private final Connection raw;
    private final SSLEngine engine;
    private final ThreadLocal<Scratch> scratch;
    private int appSize;
    private int packetSize;

    Timer handshakeTimer;
    boolean handshakeDone;
    /** The inner handler's onOpen was called: it gets the other callbacks. */
    boolean opened;
    /** The handshake failed or timed out (counted once), or the stream broke: nothing more is processed. */
    boolean failed;
    private boolean closing;
    private boolean inputClosedDelivered;
    private boolean closeDelivered;
    /** The engine was given back ({@link TlsContext#release}): it must not be used any more. */
    private boolean released;
    private boolean taskRunning;
    private boolean processing;
    /** Set while an inner-handler callback runs from {@link #process}: its exceptions are not TLS errors. */
    private boolean innerCalling;
    private boolean rerun;
    private boolean readingPaused;
    private int depth;
    private SendStatus lastStatus = SendStatus.SENT;
    /** Raw input that cannot be processed now (a handshake task runs, or the handler paused reading). */
    private ByteBuffer heldNet;
    /** Plaintext the inner handler left unconsumed (write mode), null when none. */
    private ByteBuffer pendingPlain;
    private Object attachment;

    TlsConnection(TlsServerLayer layer, Connection raw, SSLEngine engine) {
        this.layer = layer;
        this.raw = raw;
        this.engine = engine;
        this.scratch = layer.context.provider() == TlsProvider.OPENSSL ? DIRECT_SCRATCH : SCRATCH;
        SSLSession s = engine.getSession();
        this.appSize = Math.max(s.getApplicationBufferSize(), MAX_RECORD_PLAINTEXT);
        this.packetSize = Math.max(s.getPacketBufferSize(), MAX_RECORD_PLAINTEXT + 256);
    }

    /** The raw (TCP) connection underneath. */
    public Connection rawConnection() {
        return raw;
    }

    /** The engine, for inspection (do not wrap or unwrap with it). */
    public SSLEngine engine() {
        return engine;
    }

    // ------------------------------------------------------------------------------------------------ inbound

    void onNetData(ByteBuffer data) {
        if (failed || closeDelivered) {
            data.position(data.limit());
            return;
        }
        if (heldNet != null || taskRunning || processing) {
            heldNet = append(heldNet, data);
            if (!taskRunning && !processing) {
                processHeld();
            }
            return;
        }
        process(data);
        if (data.hasRemaining() && mustHold()) {
            heldNet = append(null, data);
        }
        // otherwise what is left is a partial record: the core keeps it and hands it back with the next bytes
    }

    private boolean mustHold() {
        return !failed && (taskRunning || opened && readingPaused);
    }

    private void processHeld() {
        ByteBuffer h = heldNet;
        process(h);
        if (heldNet == h && !h.hasRemaining()) {
            heldNet = null;
        }
    }

    private void resume() {
        if (failed || closeDelivered || released) {
            return;
        }
        if (heldNet != null) {
            processHeld();
        } else {
            process(EMPTY);
        }
    }

    private static ByteBuffer append(ByteBuffer held, ByteBuffer data) {
        int have = held == null ? 0 : held.remaining();
        ByteBuffer b = ByteBuffer.allocate(have + data.remaining());
        if (held != null) {
            b.put(held);
        }
        b.put(data);
        return b.flip();
    }

    private void process(ByteBuffer in) {
        if (processing) {
            rerun = true;
            return;
        }
        processing = true;
        Scratch s = scratch.get();
        boolean ownApp = !s.appInUse;
        ByteBuffer scratchApp;
        if (ownApp) {
            s.appInUse = true;
            if (s.app.capacity() < appSize) {
                s.app = s.allocate(appSize);
            }
            scratchApp = s.app;
            scratchApp.clear();
        } else {
            scratchApp = ByteBuffer.allocate(appSize);
        }
        depth++;
        try {
            do {
                rerun = false;
                unwrapLoop(in, scratchApp);
            } while (rerun && !failed && !closeDelivered);
            if (!handshakeDone && !failed && !taskRunning && engine.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                    && !engine.isInboundDone() && !engine.isOutboundDone()) {
                handshakeFinished(); // a provider that did not report FINISHED
            }
        } catch (SSLException e) {
            fail(e);
        } catch (RuntimeException e) {
            if (innerCalling) {
                innerCalling = false;
                throw e; // the inner handler's own failure: the core reports it and closes the connection
            }
            // a provider bug or an engine in a bad state: this connection cannot go on
            fail(new SSLException(e.toString(), e));
        } finally {
            if (ownApp) {
                scratchApp.clear();
                s.appInUse = false;
            }
            processing = false;
            exit();
        }
    }

    private void unwrapLoop(ByteBuffer in, ByteBuffer scratchApp) throws SSLException {
        if (pendingPlain != null && pendingPlain.position() > 0 && opened && !readingPaused) {
            deliver(pendingPlain);
        }
        ByteBuffer dst = null;
        int overflows = 0;
        boolean pollHandshake = false;
        boolean flush = false;
        while (!failed && !closeDelivered && raw.isOpen()) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                startTasks();
                break;
            }
            if (hs == HandshakeStatus.NEED_WRAP || flush) {
                boolean flushing = flush;
                flush = false;
                if (wrapHandshake(flushing)) {
                    continue;
                }
                break;
            }
            if (opened && readingPaused || engine.isInboundDone()) {
                break;
            }
            if (!in.hasRemaining() && hs != HandshakeStatus.NEED_UNWRAP_AGAIN && !pollHandshake) {
                break;
            }
            if (dst == null) {
                dst = target(scratchApp);
            }
            SSLEngineResult r = engine.unwrap(in, dst);
            SSLEngineResult.Status st = r.getStatus();
            if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                handshakeFinished();
            }
            // Netty's OpenSSL engine reads the record that completes the handshake (TLS 1.3: the client's Finished)
            // but reports FINISHED only from its next call: make that call, with no input, even if none follows
            pollHandshake = !handshakeDone && r.bytesConsumed() > 0 && r.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP;
            // it also asks for a wrap in a result only (its status says NOT_HANDSHAKING), for the alert refusing a
            // renegotiation for one: flush what it has, and the error behind the alert comes with the next wrap
            flush = r.getHandshakeStatus() == HandshakeStatus.NEED_WRAP && engine.getHandshakeStatus() != HandshakeStatus.NEED_WRAP;
            if (st == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                    continue; // whatever the end of the handshake left to send goes out first
                }
                break; // a partial record: wait for more
            }
            if (st == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                appSize = Math.max(appSize, engine.getSession().getApplicationBufferSize());
                if (dst.position() == 0 && ++overflows > 1) {
                    appSize *= 2;
                }
                if (dst == scratchApp && scratchApp.capacity() < appSize) {
                    deliver(dst);
                    scratchApp = ByteBuffer.allocate(appSize);
                } else {
                    deliver(dst);
                }
                dst = null;
                continue;
            }
            overflows = 0;
            if (st == SSLEngineResult.Status.CLOSED) {
                deliver(dst);
                dst = null;
                closeNotifyReceived();
                break;
            }
            if (dst.remaining() < appSize) {
                deliver(dst);
                dst = null;
            }
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0 && r.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP) {
                break; // no progress (cannot happen without an underflow, but never spin)
            }
        }
        if (dst != null) {
            deliver(dst);
        }
    }

    private ByteBuffer target(ByteBuffer scratchApp) {
        if (pendingPlain == null) {
            return scratchApp;
        }
        if (pendingPlain.remaining() < appSize) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pendingPlain.capacity() * 2, pendingPlain.position() + appSize));
            pendingPlain.flip();
            bigger.put(pendingPlain);
            pendingPlain = bigger;
        }
        return pendingPlain;
    }

    /** Hands the plaintext in {@code dst} (write mode) to the inner handler and keeps what it leaves. */
    private void deliver(ByteBuffer dst) {
        if (dst.position() == 0) {
            if (dst == pendingPlain) {
                pendingPlain = null;
            }
            return;
        }
        dst.flip();
        if (opened && !closeDelivered && !readingPaused) {
            innerCalling = true;
            layer.inner.onData(this, dst);
            innerCalling = false;
        } else if (!opened || closeDelivered) {
            dst.position(dst.limit()); // nobody to give it to
        }
        if (dst.hasRemaining()) {
            if (dst == pendingPlain) {
                dst.compact();
            } else {
                ByteBuffer keep = ByteBuffer.allocate(Math.max(dst.remaining() + appSize, 2 * appSize));
                keep.put(dst);
                dst.clear();
                pendingPlain = keep;
            }
        } else if (dst == pendingPlain) {
            pendingPlain = null;
        } else {
            dst.clear();
        }
    }

    private void closeNotifyReceived() {
        if (!handshakeDone) {
            abandoned();
            raw.close();
            return;
        }
        if (!inputClosedDelivered) {
            inputClosedDelivered = true;
            // TLS 1.2 answers at once (NEED_WRAP); TLS 1.3 allows the half-close and lets the handler decide
            if (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                try {
                    wrapHandshake(false);
                } catch (SSLException e) {
                    // the peer is gone anyway
                }
            }
            innerCalling = true;
            layer.inner.onInputClosed(this);
            innerCalling = false;
        }
    }

    private void startTasks() {
        List<Runnable> tasks = new ArrayList<>(2);
        for (Runnable t; (t = engine.getDelegatedTask()) != null;) {
            tasks.add(t);
        }
        if (tasks.isEmpty()) {
            return;
        }
        taskRunning = true;
        Runnable job = () -> {
            try {
                for (Runnable t : tasks) {
                    t.run();
                }
            } finally {
                raw.execute(this::tasksDone);
            }
        };
        try {
            layer.taskExecutor.execute(job);
        } catch (RejectedExecutionException e) {
            taskRunning = false;
            for (Runnable t : tasks) {
                t.run();
            }
            rerun = true;
        }
    }

    private void tasksDone() {
        taskRunning = false;
        if (raw.isOpen()) {
            resume();
        }
    }

    private void handshakeFinished() {
        if (handshakeDone) {
            return;
        }
        handshakeDone = true;
        if (handshakeTimer != null) {
            handshakeTimer.cancel();
            handshakeTimer = null;
        }
        SSLSession session = engine.getSession();
        appSize = Math.max(appSize, session.getApplicationBufferSize());
        packetSize = Math.max(packetSize, session.getPacketBufferSize());
        layer.stats.completed(session.getProtocol());
        opened = true;
        innerCalling = true;
        if (layer.listener != null) {
            layer.listener.onSecureConnectionEstablished(this, TlsHandshakeInfo.of(engine, session));
        }
        layer.inner.onOpen(this);
        innerCalling = false;
    }

    void handshakeTimedOut() {
        handshakeTimer = null;
        if (!handshakeDone && !failed && raw.isOpen()) {
            failed = true;
            layer.stats.timedOut();
            raw.abort();
        }
    }

    private void abandoned() {
        if (!failed) {
            failed = true;
            layer.stats.abandoned();
        }
    }

    private void fail(SSLException e) {
        if (failed) {
            return;
        }
        failed = true;
        if (!handshakeDone) {
            layer.stats.failed();
            if (handshakeTimer != null) {
                handshakeTimer.cancel();
                handshakeTimer = null;
            }
        }
        heldNet = null;
        pendingPlain = null;
        engine.closeOutbound();
        try {
            wrapClose(); // the alert the engine prepared
        } catch (SSLException ignored) {
            // nothing more to say to this peer
        }
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, (handshakeDone ? "TLS error on " : "TLS handshake failed on ") + raw
                    + ": " + e.getMessage());
        }
        if (opened && !closeDelivered) {
            innerCalling = true;
            layer.inner.onError(this, e);
            innerCalling = false;
        }
        raw.close();
    }

    // ----------------------------------------------------------------------------------------------- outbound

    private ByteBuffer takeNet(Scratch s) {
        if (s.netInUse) {
            return ByteBuffer.allocate(4 * packetSize);
        }
        s.netInUse = true;
        if (s.net.capacity() < 2 * packetSize) {
            s.net = s.allocate(4 * packetSize);
        }
        s.net.clear();
        return s.net;
    }

    private static void releaseNet(Scratch s, ByteBuffer net) {
        if (net == s.net) {
            net.clear();
            s.netInUse = false;
        }
    }

    /**
     * Wraps what the handshake needs; true when it produced bytes (or finished). With {@code flush}, wraps until
     * a wrap produces nothing whatever the engine's status says.
     */
    private boolean wrapHandshake(boolean flush) throws SSLException {
        Scratch s = scratch.get();
        ByteBuffer net = takeNet(s);
        boolean finished = false;
        int produced = 0;
        try {
            boolean more = flush || engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP;
            while (more) {
                SSLEngineResult r = engine.wrap(EMPTY, net);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    if (net.position() == 0) {
                        throw new SSLException("TLS handshake record larger than " + net.capacity() + " bytes");
                    }
                    sendNet(net);
                    continue;
                }
                produced += r.bytesProduced();
                if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                    finished = true;
                }
                if (r.getStatus() == SSLEngineResult.Status.CLOSED || r.bytesProduced() == 0) {
                    break;
                }
                // Netty's OpenSSL engine may ask for the next wrap in its result only: after a fatal alert, the
                // next wrap throws the error behind it
                more = flush || r.getHandshakeStatus() == HandshakeStatus.NEED_WRAP
                        || engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP;
            }
            sendNet(net);
        } catch (SSLException e) {
            sendNet(net); // the alert wrapped before the error still goes out
            throw e;
        } finally {
            releaseNet(s, net);
        }
        if (finished) {
            handshakeFinished();
        }
        return produced > 0 || finished;
    }

    /** After closeOutbound: wraps and sends the close_notify (or alert). */
    private void wrapClose() throws SSLException {
        Scratch s = scratch.get();
        ByteBuffer net = takeNet(s);
        try {
            while (!engine.isOutboundDone()) {
                SSLEngineResult r = engine.wrap(EMPTY, net);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW && net.position() > 0) {
                    sendNet(net);
                    continue;
                }
                if (r.bytesProduced() == 0) {
                    break;
                }
            }
            sendNet(net);
        } finally {
            releaseNet(s, net);
        }
    }

    private SendStatus sendNet(ByteBuffer net) {
        if (net.position() == 0) {
            return SendStatus.SENT;
        }
        net.flip();
        // records are encrypted with fixed sequence numbers: once wrapped they must all go out, so the queue
        // limit is checked before wrapping (send -> raw.canSend) and records themselves are never refused for it
        SendStatus st = raw.sendContinuation(net);
        net.clear();
        if (st == SendStatus.DROPPED) {
            // the raw connection is closed: the stream cannot continue
            if (!failed) {
                failed = true;
                raw.abort();
            }
        } else if (st == SendStatus.BACKPRESSURE) {
            lastStatus = SendStatus.BACKPRESSURE;
        }
        return st;
    }

    private SendStatus wrapAndSend(ByteBuffer src) {
        Scratch s = scratch.get();
        ByteBuffer net = takeNet(s);
        SendStatus worst = SendStatus.SENT;
        try {
            while (src.hasRemaining()) {
                if (net.remaining() < packetSize) {
                    worst = worse(worst, sendNet(net));
                    if (failed) {
                        return SendStatus.DROPPED;
                    }
                }
                SSLEngineResult r = engine.wrap(src, net);
                switch (r.getStatus()) {
                    case BUFFER_OVERFLOW -> {
                        if (net.position() == 0) {
                            packetSize = Math.max(packetSize * 2, engine.getSession().getPacketBufferSize());
                            releaseNet(s, net);
                            net = ByteBuffer.allocate(2 * packetSize);
                        } else {
                            worst = worse(worst, sendNet(net));
                        }
                    }
                    case CLOSED -> {
                        sendNet(net);
                        return SendStatus.DROPPED;
                    }
                    default -> {
                    }
                }
            }
            worst = worse(worst, sendNet(net));
        } catch (SSLException | RuntimeException e) {
            fail(e instanceof SSLException ssl ? ssl : new SSLException(e.toString(), e));
            return SendStatus.DROPPED;
        } finally {
            releaseNet(s, net);
        }
        return failed ? SendStatus.DROPPED : worst;
    }

    private static SendStatus worse(SendStatus a, SendStatus b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    private SendStatus corkedStatus() {
        if (lastStatus == SendStatus.BACKPRESSURE) {
            return SendStatus.BACKPRESSURE;
        }
        return raw.queuedBytes() > 0 ? SendStatus.QUEUED : SendStatus.SENT;
    }

    private SendStatus flushCork(Scratch s) {
        if (s.corkOwner != this) {
            return SendStatus.SENT;
        }
        s.corkOwner = null;
        ByteBuffer c = s.cork.flip();
        try {
            return wrapAndSend(c);
        } finally {
            c.clear();
        }
    }

    @Override
    public SendStatus send(ByteBuffer data) {
        if (!raw.inEventLoop()) {
            return handOver(data, null, null, false);
        }
        if (!canSend()) {
            return SendStatus.DROPPED;
        }
        return sendAccepted(data);
    }

    @Override
    public boolean canSend() {
        return handshakeDone && !closing && !failed && raw.canSend();
    }

    @Override
    public boolean canSendControl() {
        return handshakeDone && !closing && !failed && raw.canSendControl();
    }

    @Override
    public SendStatus sendContinuation(ByteBuffer data) {
        if (!handshakeDone || closing || failed || !raw.isOpen()) {
            return SendStatus.DROPPED;
        }
        return sendAccepted(data);
    }

    @Override
    public SendStatus sendControl(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix) {
        if (!raw.inEventLoop()) {
            return handOver(prefix, payload, suffix, true);
        }
        if (!canSendControl()) {
            return SendStatus.DROPPED;
        }
        return sendUnit(prefix, payload, suffix);
    }

    @Override
    public SendStatus reserveOffLoop(long bytes, boolean control) {
        return raw.reserveOffLoop(bytes, control);
    }

    @Override
    public void releaseOffLoop(long bytes) {
        raw.releaseOffLoop(bytes);
    }

    /**
     * A send made on another thread: copied here, then encrypted and sent on the loop in this thread's order
     * (the engine and the cork are the loop's alone: encrypting here would corrupt the record stream). The status
     * is a promise (see {@link Connection}); a BACKPRESSURE promise is kept with one onWritable.
     */
    private SendStatus handOver(ByteBuffer a, ByteBuffer b, ByteBuffer c, boolean control) {
        long n = HandOver.remaining(a, b, c);
        SendStatus promised = raw.reserveOffLoop(n, control);
        if (promised == SendStatus.DROPPED) {
            return promised;
        }
        ByteBuffer copy = HandOver.copy(a, b, c);
        raw.execute(() -> callInner(() -> {
            raw.releaseOffLoop(n);
            SendStatus s = sendContinuation(copy); // admitted against the limit when it was reserved
            if (promised == SendStatus.BACKPRESSURE && s != SendStatus.BACKPRESSURE && s != SendStatus.DROPPED
                    && opened && !closeDelivered) {
                layer.inner.onWritable(this);
            }
        }));
        return promised;
    }

    private SendStatus sendAccepted(ByteBuffer data) {
        int n = data.remaining();
        if (n == 0) {
            return corkedStatus();
        }
        if (depth == 0) {
            return wrapAndSend(data);
        }
        Scratch s = scratch.get();
        if (s.corkOwner != null && s.corkOwner != this) {
            s.corkOwner.flushCork(s);
        }
        ByteBuffer cork = s.cork;
        if (cork.remaining() >= n) {
            cork.put(data);
            s.corkOwner = this;
            return corkedStatus();
        }
        SendStatus st = SendStatus.SENT;
        if (s.corkOwner == this) {
            // top the pending record up to a full one and encrypt it
            int take = cork.remaining();
            ByteBuffer part = data.slice(data.position(), take);
            cork.put(part);
            data.position(data.position() + take);
            st = flushCork(s);
            if (st == SendStatus.DROPPED) {
                return st;
            }
        }
        if (data.remaining() >= cork.capacity()) {
            return worse(st, wrapAndSend(data));
        }
        cork.put(data);
        s.corkOwner = this;
        return worse(st, corkedStatus());
    }

    /**
     * The three parts go into the same cork, so they leave in the same records. A refusal can only come before
     * the first byte is taken (the raw queue is full), so a frame is never cut on the wire.
     */
    @Override
    public SendStatus send(ByteBuffer a, ByteBuffer b, ByteBuffer c) {
        if (!raw.inEventLoop()) {
            return handOver(a, b, c, false);
        }
        if (!canSend()) {
            return SendStatus.DROPPED;
        }
        return sendUnit(a, b, c);
    }

    private SendStatus sendUnit(ByteBuffer a, ByteBuffer b, ByteBuffer c) {
        SendStatus st = sendAccepted(a);
        if (b.hasRemaining() && st != SendStatus.DROPPED) {
            st = worse(st, sendAccepted(b));
        }
        if (c.hasRemaining() && st != SendStatus.DROPPED) {
            st = worse(st, sendAccepted(c));
        }
        return st;
    }

    void enter() {
        depth++;
    }

    void exit() {
        if (--depth == 0) {
            Scratch s = scratch.get();
            if (s.corkOwner == this) {
                flushCork(s);
            }
        }
    }

    /** Runs an inner-handler callback with sends corked. */
    void callInner(Runnable r) {
        enter();
        try {
            r.run();
        } finally {
            exit();
        }
    }

    void onNetWritable() {
        lastStatus = SendStatus.SENT;
        if (opened && !closeDelivered) {
            callInner(() -> layer.inner.onWritable(this));
        }
    }

    void onNetInputClosed() {
        if (!handshakeDone) {
            abandoned();
            raw.close();
            return;
        }
        if (inputClosedDelivered || failed) {
            return;
        }
        inputClosedDelivered = true;
        try {
            engine.closeInbound();
        } catch (SSLException e) {
            // a FIN without close_notify (truncation): treated as the end of input all the same
        }
        callInner(() -> layer.inner.onInputClosed(this));
    }

    void onNetClose() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel();
            handshakeTimer = null;
        }
        if (!handshakeDone) {
            abandoned();
        }
        Scratch s = scratch.get();
        if (s.corkOwner == this) {
            s.cork.clear();
            s.corkOwner = null;
        }
        heldNet = null;
        pendingPlain = null;
        try {
            engine.closeOutbound();
            try {
                engine.closeInbound();
            } catch (SSLException ignored) {
                // truncation does not matter any more
            }
            if (opened && !closeDelivered) {
                closeDelivered = true;
                layer.inner.onClose(this);
            }
        } finally {
            // exactly once per engine: the raw connection closes once (the session stays readable afterwards)
            if (!released) {
                released = true;
                layer.context.release(engine);
            }
        }
    }

    private void closeOutbound(boolean shutdownOnly) {
        if (!closing) {
            closing = true;
            Scratch s = scratch.get();
            if (s.corkOwner == this) {
                flushCork(s);
            }
            engine.closeOutbound();
            try {
                wrapClose();
            } catch (SSLException ignored) {
                // close anyway
            }
        }
        if (shutdownOnly) {
            raw.shutdownOutput();
        } else {
            raw.close();
        }
    }

    // --------------------------------------------------------------------------------------------- Connection

    @Override
    public long queuedBytes() {
        Scratch s = scratch.get();
        return raw.queuedBytes() + (s.corkOwner == this ? s.cork.position() : 0);
    }

    @Override
    public void pauseReading() {
        if (!raw.inEventLoop()) {
            raw.execute(this::pauseReading);
            return;
        }
        readingPaused = true;
        raw.pauseReading();
    }

    @Override
    public void resumeReading() {
        if (!raw.inEventLoop()) {
            raw.execute(this::resumeReading);
            return;
        }
        if (!readingPaused) {
            return;
        }
        readingPaused = false;
        raw.resumeReading();
        if (pendingPlain != null || heldNet != null) {
            if (processing) {
                rerun = true;
            } else {
                raw.execute(this::resume);
            }
        }
    }

    @Override
    public boolean isReadingPaused() {
        return readingPaused;
    }

    /** Sends close_notify after everything queued, then closes. */
    @Override
    public void close() {
        if (!raw.inEventLoop()) {
            raw.execute(this::close);
            return;
        }
        closeOutbound(false);
    }

    /** Sends close_notify after everything queued, then shuts the TCP output down. */
    @Override
    public void shutdownOutput() {
        if (!raw.inEventLoop()) {
            raw.execute(this::shutdownOutput);
            return;
        }
        closeOutbound(true);
    }

    @Override
    public void abort() {
        raw.abort(); // safe from any thread: the raw connection hands it over
    }

    @Override
    public boolean isOpen() {
        return raw.isOpen() && !closing && !failed;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return raw.remoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return raw.localAddress();
    }

    @Override
    public boolean inEventLoop() {
        return raw.inEventLoop();
    }

    @Override
    public io.keel.core.EventLoop eventLoop() {
        return raw.eventLoop();
    }

    @Override
    public void execute(Runnable task) {
        raw.execute(() -> callInner(task));
    }

    @Override
    public Timer schedule(Runnable task, long delay, TimeUnit unit) {
        return raw.schedule(() -> callInner(task), delay, unit);
    }

    @Override
    public <T> T get(UserDataKey<T> key) {
        return raw.get(key);
    }

    @Override
    public <T> void set(UserDataKey<T> key, T value) {
        raw.set(key, value);
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    @Override
    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    @Override
    public SSLSession tlsSession() {
        return handshakeDone ? engine.getSession() : null;
    }

    @Override
    public boolean isSecure() {
        return true;
    }

    /** Protocol, cipher suite, ALPN, SNI and client certificates; null before the handshake completes. */
    public TlsHandshakeInfo handshakeInfo() {
        return handshakeDone ? TlsHandshakeInfo.of(engine, engine.getSession()) : null;
    }

    /** Decrypted bytes the handler left unconsumed plus raw bytes held back (for tests and diagnostics). */
    int bufferedBytes() {
        return (pendingPlain == null ? 0 : pendingPlain.position()) + (heldNet == null ? 0 : heldNet.remaining());
    }

    /** True while this connection holds a buffer of its own (idle connections hold none). */
    boolean holdsBuffers() {
        return pendingPlain != null || heldNet != null;
    }

    @Override
    public String toString() {
        return "TlsConnection[" + raw + (handshakeDone ? ", " + engine.getSession().getProtocol() : ", handshaking") + "]";
    }
}
