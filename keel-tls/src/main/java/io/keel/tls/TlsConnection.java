package io.keel.tls;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

import io.keel.core.Connection;
import io.keel.core.HandOver;
import io.keel.core.SendStatus;
import io.keel.core.Timer;

/**
 * The secure connection an inner handler sees: what it sends is encrypted into TLS records and sent on the raw
 * connection; what arrives is decrypted and handed to it with the same "leave unconsumed bytes in the buffer"
 * contract as the core. Like every connection it belongs to one loop: its sends, closes and pauses may be called
 * from any thread and are handed to that loop (see {@link Connection}); the rest is loop only. Methods it does not
 * change (addresses, user data, abort, off-loop reservations) go to the raw connection
 * ({@link io.keel.core.ForwardingConnection}).
 *
 * <p>This class is the handler's side: sends (corked per callback into as few records as possible, in the loop's
 * {@link TlsScratch}), close and shutdown with close_notify, pause and resume, the session, and the raw
 * connection's writable, end-of-input and close events. The inbound side (decryption, the handshake phase,
 * failures) is its superclass {@link TlsNetworkSide}; the engine loops are {@link TlsEngineDriver}'s.
 */
public final class TlsConnection extends TlsNetworkSide {
    /** The raw connection said BACKPRESSURE and has not called onWritable since: corked sends say so too. */
    private boolean writeBackpressured;
    /** Nesting of callbacks during which sends are corked. */
    private int depth;
    private Object attachment;

    TlsConnection(TlsServerLayer layer, Connection raw, SSLEngine engine) {
        super(layer, raw, engine);
    }

    // ----------------------------------------------------------------------------------------------- outbound

    /** Records have fixed sequence numbers: the limit is checked before wrapping ({@link #canSend}), never here. */
    @Override
    SendStatus sendRecords(ByteBuffer net) {
        if (net.position() == 0) {
            return SendStatus.SENT;
        }
        SendStatus st = delegate.sendContinuation(net.flip());
        net.clear();
        if (st == SendStatus.DROPPED) {
            if (!ended()) { // the raw connection is closed: the stream cannot continue
                phase = TlsPhase.FAILED;
                delegate.abort();
            }
        } else if (st == SendStatus.BACKPRESSURE) {
            writeBackpressured = true;
        }
        return st;
    }

    /** What a corked send reports: BACKPRESSURE until onWritable, else whether the raw connection queues. */
    SendStatus corkedStatus() {
        return writeBackpressured ? SendStatus.BACKPRESSURE
                : delegate.queuedBytes() > 0 ? SendStatus.QUEUED : SendStatus.SENT;
    }

    @Override
    public SendStatus send(ByteBuffer data) {
        if (!delegate.inEventLoop()) {
            return handOver(data, null, null, false);
        }
        return canSend() ? sendAccepted(data) : SendStatus.DROPPED;
    }

    /**
     * The three parts go into the same cork, so they leave in the same records. A refusal can only come before
     * the first byte is taken (the raw queue is full), so a frame is never cut on the wire.
     */
    @Override
    public SendStatus send(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix) {
        if (!delegate.inEventLoop()) {
            return handOver(prefix, payload, suffix, false);
        }
        return canSend() ? sendUnit(prefix, payload, suffix) : SendStatus.DROPPED;
    }

    @Override
    public SendStatus sendControl(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix) {
        if (!delegate.inEventLoop()) {
            return handOver(prefix, payload, suffix, true);
        }
        return canSendControl() ? sendUnit(prefix, payload, suffix) : SendStatus.DROPPED;
    }

    @Override
    public boolean canSend() {
        return phase == TlsPhase.OPEN && delegate.canSend();
    }

    @Override
    public boolean canSendControl() {
        return phase == TlsPhase.OPEN && delegate.canSendControl();
    }

    @Override
    public SendStatus sendContinuation(ByteBuffer data) {
        return phase == TlsPhase.OPEN && delegate.isOpen() ? sendAccepted(data) : SendStatus.DROPPED;
    }

    /**
     * A send made on another thread: copied here, then encrypted and sent on the loop in this thread's order
     * (the engine and the cork are the loop's alone: encrypting here would corrupt the record stream). The status
     * is a promise (see {@link Connection}); a BACKPRESSURE promise is kept with one onWritable.
     */
    private SendStatus handOver(ByteBuffer a, ByteBuffer b, ByteBuffer c, boolean control) {
        long n = HandOver.remaining(a, b, c);
        SendStatus promised = delegate.reserveOffLoop(n, control);
        if (promised == SendStatus.DROPPED) {
            return promised;
        }
        ByteBuffer copy = HandOver.copy(a, b, c);
        delegate.execute(() -> callInner(() -> {
            delegate.releaseOffLoop(n);
            SendStatus s = sendContinuation(copy); // admitted against the limit when it was reserved
            if (promised == SendStatus.BACKPRESSURE && s != SendStatus.BACKPRESSURE && s != SendStatus.DROPPED
                    && opened() && phase != TlsPhase.CLOSED) {
                layer.inner.onWritable(this);
            }
        }));
        return promised;
    }

    private SendStatus sendAccepted(ByteBuffer data) {
        if (!data.hasRemaining()) {
            return corkedStatus();
        }
        return depth == 0 ? TlsEngineDriver.wrapAndSend(this, data) : scratch().cork(this, data);
    }

    private SendStatus sendUnit(ByteBuffer a, ByteBuffer b, ByteBuffer c) {
        SendStatus st = sendAccepted(a);
        if (b.hasRemaining() && st != SendStatus.DROPPED) {
            st = st.worse(sendAccepted(b));
        }
        if (c.hasRemaining() && st != SendStatus.DROPPED) {
            st = st.worse(sendAccepted(c));
        }
        return st;
    }

    @Override
    void enter() {
        depth++;
    }

    @Override
    void exit() {
        if (--depth == 0) {
            scratch().flushCork(this);
        }
    }

    /** Runs an inner-handler callback with sends corked. */
    @Override
    void callInner(Runnable r) {
        enter();
        try {
            r.run();
        } finally {
            exit();
        }
    }

    // -------------------------------------------------------------------------------- raw connection events

    void onNetWritable() {
        writeBackpressured = false;
        if (opened() && phase != TlsPhase.CLOSED) {
            enter(); // as callInner, without a lambda per call
            try {
                layer.inner.onWritable(this);
            } finally {
                exit();
            }
        }
    }

    void onNetInputClosed() {
        if (handshake != null) {
            handshake.abandoned();
            delegate.close();
            return;
        }
        if (inputClosed || ended()) {
            return;
        }
        inputClosed = true;
        try {
            engine.closeInbound();
        } catch (SSLException e) {
            // a FIN without close_notify (truncation): treated as the end of input all the same
        }
        callInner(() -> layer.inner.onInputClosed(this));
    }

    void onNetClose() {
        if (handshake != null) {
            handshake.closed();
            handshake.abandoned();
        }
        scratch().dropCork(this);
        heldNet = null;
        pendingPlain = null;
        boolean first = phase != TlsPhase.CLOSED;
        boolean wasOpened = opened() && first;
        phase = TlsPhase.CLOSED;
        try {
            engine.closeOutbound();
            try {
                engine.closeInbound();
            } catch (SSLException ignored) {
                // truncation does not matter any more
            }
            if (wasOpened) {
                layer.inner.onClose(this);
            }
        } finally {
            if (first) { // exactly once per engine (the session stays readable afterwards)
                layer.context.release(engine);
            }
        }
    }

    private void closeOutbound(boolean shutdownOnly) {
        if (phase.compareTo(TlsPhase.CLOSING) < 0) {
            phase = TlsPhase.CLOSING;
            scratch().flushCork(this);
            engine.closeOutbound();
            try {
                TlsEngineDriver.wrapClose(this);
            } catch (SSLException ignored) {
                // close anyway
            }
        }
        if (shutdownOnly) {
            delegate.shutdownOutput();
        } else {
            delegate.close();
        }
    }

    // --------------------------------------------------------------------------------------------- Connection

    @Override
    public long queuedBytes() {
        return delegate.queuedBytes() + scratch().corkedBytes(this);
    }

    @Override
    public void pauseReading() {
        if (!delegate.inEventLoop()) {
            delegate.execute(this::pauseReading);
            return;
        }
        readingPaused = true;
        delegate.pauseReading();
    }

    @Override
    public void resumeReading() {
        if (!delegate.inEventLoop()) {
            delegate.execute(this::resumeReading);
            return;
        }
        if (!readingPaused) {
            return;
        }
        readingPaused = false;
        delegate.resumeReading();
        if (pendingPlain != null || heldNet != null) {
            if (processing) {
                rerun = true;
            } else {
                delegate.execute(this::resume);
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
        if (!delegate.inEventLoop()) {
            delegate.execute(this::close);
            return;
        }
        closeOutbound(false);
    }

    /** Sends close_notify after everything queued, then shuts the TCP output down. */
    @Override
    public void shutdownOutput() {
        if (!delegate.inEventLoop()) {
            delegate.execute(this::shutdownOutput);
            return;
        }
        closeOutbound(true);
    }

    @Override
    public boolean isOpen() {
        return delegate.isOpen() && phase.compareTo(TlsPhase.CLOSING) < 0;
    }

    /** Runs {@code task} on the loop with the sends it makes corked into records. */
    @Override
    public void execute(Runnable task) {
        delegate.execute(() -> callInner(task));
    }

    /** As {@link Connection#schedule}, with the sends {@code task} makes corked into records. */
    @Override
    public Timer schedule(Runnable task, long delay, TimeUnit unit) {
        return delegate.schedule(() -> callInner(task), delay, unit);
    }

    /** This connection's own slot: the raw connection's holds this connection. */
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
        return opened() ? engine.getSession() : null;
    }

    @Override
    public boolean isSecure() {
        return true;
    }

    /** @return protocol, cipher suite, ALPN, SNI and client certificates; null before the handshake completes */
    public TlsHandshakeInfo handshakeInfo() {
        return opened() ? TlsHandshakeInfo.of(engine, engine.getSession()) : null;
    }

    @Override
    public String toString() {
        return "TlsConnection[" + delegate + (opened() ? ", " + engine.getSession().getProtocol() : ", handshaking") + "]";
    }
}
