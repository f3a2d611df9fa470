package io.keel.tls;

import java.nio.ByteBuffer;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

import io.keel.core.Connection;
import io.keel.core.ForwardingConnection;
import io.keel.core.SendStatus;

/**
 * The network side of a {@link TlsConnection}: its phase and flags, the ciphertext it holds back and the plaintext
 * its handler left, and what the network does to it: ciphertext arrives (decrypted through {@link TlsEngineDriver}
 * and delivered), the handshake finishes, fails or times out ({@link TlsHandshake}), a close_notify arrives. Its
 * one subclass, {@link TlsConnection}, is the handler's side (sends, cork, close, pause and resume). Split in two
 * classes of one object, as Jetty's {@code AbstractEndPoint} under its end points, so that an established idle
 * connection is still one object.
 */
abstract sealed class TlsNetworkSide extends ForwardingConnection permits TlsConnection {
    private static final System.Logger LOG = System.getLogger(TlsConnection.class.getName());
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    final TlsServerLayer layer;
    final SSLEngine engine;
    final EngineQuirks quirks;
    /** The engine driver's buffer sizes for this connection, kept here so that they cost no object of their own. */
    int appSize;
    int packetSize;
    /** The handshake phase; null once the handshake completed (so: the inner handler was opened). */
    TlsHandshake handshake;
    TlsPhase phase = TlsPhase.HANDSHAKING;
    /** The end of input (close_notify or FIN) was handed to the handler: independent of our own closing. */
    boolean inputClosed;
    boolean taskRunning;
    boolean processing;
    /** Set while an inner-handler callback runs from {@link #process}: its exceptions are not TLS errors. */
    boolean innerCalling;
    /** Input arrived, or reading resumed, while {@link #process} ran: it runs its loop once more. */
    boolean rerun;
    boolean readingPaused;
    /** Raw input that cannot be processed now (a handshake task runs, or the handler paused reading). */
    ByteBuffer heldNet;
    /** Plaintext the inner handler left unconsumed (write mode), null when none. */
    ByteBuffer pendingPlain;

    /** A connection for {@code raw} in its handshake phase (the timeout armed); {@code engine} has begun it. */
    TlsNetworkSide(TlsServerLayer layer, Connection raw, SSLEngine engine) {
        super(raw);
        this.layer = layer;
        this.engine = engine;
        this.quirks = EngineQuirks.of(layer.context.provider());
        SSLSession s = engine.getSession();
        this.appSize = Math.max(s.getApplicationBufferSize(), TlsScratch.MAX_RECORD_PLAINTEXT);
        this.packetSize = Math.max(s.getPacketBufferSize(), TlsScratch.MAX_RECORD_PLAINTEXT + 256);
        this.handshake = TlsHandshake.start(layer, this);
    }

    /** @return the raw (TCP) connection underneath */
    public Connection rawConnection() {
        return delegate;
    }

    /** @return the engine, for inspection (do not wrap or unwrap with it) */
    public SSLEngine engine() {
        return engine;
    }

    TlsScratch scratch() {
        return TlsScratch.of(quirks);
    }

    /** True once the handshake completed and the inner handler was opened (it then gets the other callbacks). */
    boolean opened() {
        return handshake == null;
    }

    /** True once failed or closed: nothing more is processed or sent. */
    boolean ended() {
        return phase.compareTo(TlsPhase.FAILED) >= 0;
    }

    void advance(TlsPhase p) {
        if (p.compareTo(phase) > 0) {
            phase = p;
        }
    }

    // ------------------------------------------------------------------------------------------------ inbound

    void onNetData(ByteBuffer data) {
        if (ended()) {
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
        if (data.hasRemaining() && !ended() && (taskRunning || readingHeld())) {
            heldNet = append(null, data);
        }
        // otherwise what is left is a partial record: the core keeps it and hands it back with the next bytes
    }

    private void processHeld() {
        ByteBuffer h = heldNet;
        process(h);
        if (heldNet == h && !h.hasRemaining()) {
            heldNet = null;
        }
    }

    void resume() {
        if (ended()) {
            return;
        }
        if (heldNet != null) {
            processHeld();
        } else {
            process(EMPTY);
        }
    }

    private static ByteBuffer append(ByteBuffer held, ByteBuffer data) {
        ByteBuffer b = ByteBuffer.allocate((held == null ? 0 : held.remaining()) + data.remaining());
        if (held != null) {
            b.put(held);
        }
        return b.put(data).flip();
    }

    private void process(ByteBuffer in) {
        if (processing) {
            rerun = true;
            return;
        }
        processing = true;
        TlsScratch s = scratch();
        ByteBuffer app = s.takeApp(appSize);
        enter();
        try {
            do {
                rerun = false;
                if (pendingPlain != null && pendingPlain.position() > 0 && opened() && !readingPaused) {
                    deliver(pendingPlain);
                }
                TlsEngineDriver.unwrap(this, in, app);
            } while (rerun && !ended());
            if (handshake != null && !ended() && !taskRunning && engine.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
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
            s.releaseApp(app);
            processing = false;
            exit();
        }
    }

    /** For the driver: unwrapping may go on (not failed or closed, the raw connection open). */
    boolean mayUnwrap() {
        return !ended() && delegate.isOpen();
    }

    /** For the driver: the handler paused reading, so input waits. */
    boolean readingHeld() {
        return opened() && readingPaused;
    }

    /** True until the handshake completed (also after a failed one). */
    boolean handshaking() {
        return handshake != null;
    }

    /** For the driver: where to decrypt: the loop's buffer, or behind the plaintext the handler left. */
    ByteBuffer decryptTarget(ByteBuffer scratchApp) {
        if (pendingPlain == null) {
            return scratchApp;
        }
        if (pendingPlain.remaining() < appSize) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pendingPlain.capacity() * 2, pendingPlain.position() + appSize));
            pendingPlain = bigger.put(pendingPlain.flip());
        }
        return pendingPlain;
    }

    /** Hands the plaintext in {@code dst} (write mode) to the inner handler and keeps what it leaves. */
    void deliver(ByteBuffer dst) {
        if (dst.position() == 0) {
            if (dst == pendingPlain) {
                pendingPlain = null;
            }
            return;
        }
        dst.flip();
        if (opened() && phase != TlsPhase.CLOSED && !readingPaused) {
            innerCalling = true;
            layer.inner.onData(this, dst);
            innerCalling = false;
        } else if (!opened() || phase == TlsPhase.CLOSED) {
            dst.position(dst.limit()); // nobody to give it to
        }
        if (dst.hasRemaining()) {
            if (dst == pendingPlain) {
                dst.compact();
            } else {
                pendingPlain = ByteBuffer.allocate(Math.max(dst.remaining() + appSize, 2 * appSize)).put(dst);
                dst.clear();
            }
        } else if (dst == pendingPlain) {
            pendingPlain = null;
        } else {
            dst.clear();
        }
    }

    /** For the driver: the peer's close_notify was read. */
    void closeNotifyReceived() {
        if (handshake != null) {
            handshake.abandoned();
            delegate.close();
            return;
        }
        if (!inputClosed) {
            inputClosed = true;
            // TLS 1.2 answers at once (NEED_WRAP); TLS 1.3 allows the half-close and lets the handler decide
            if (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                try {
                    TlsEngineDriver.wrapHandshake(this, false);
                } catch (SSLException e) {
                    // the peer is gone anyway
                }
            }
            innerCalling = true;
            layer.inner.onInputClosed(this);
            innerCalling = false;
        }
    }

    // ------------------------------------------------------------------------------------- handshake phase

    /** For the driver: the engine needs its delegated tasks run. */
    void startTasks() {
        TlsHandshake.runDelegatedTasks(this, engine, layer.taskExecutor);
    }

    void tasksStarted() {
        taskRunning = true;
    }

    void tasksRanHere() {
        taskRunning = false;
        rerun = true;
    }

    /** On the loop, after the tasks ran elsewhere: processing goes on. */
    void tasksDone() {
        taskRunning = false;
        if (delegate.isOpen()) {
            resume();
        }
    }

    /** For the driver: the engine reported the handshake finished: the inner handler is opened. */
    void handshakeFinished() {
        TlsHandshake h = handshake;
        if (h == null) {
            return;
        }
        handshake = null;
        advance(TlsPhase.OPEN);
        SSLSession session = engine.getSession();
        appSize = Math.max(appSize, session.getApplicationBufferSize());
        packetSize = Math.max(packetSize, session.getPacketBufferSize());
        innerCalling = true;
        h.completed(engine, session);
        layer.inner.onOpen(this);
        innerCalling = false;
    }

    /** The raw connection idled out before the handshake completed: counted as a timeout. */
    void handshakeIdledOut() {
        if (handshake != null) {
            handshake.idledOut();
        }
    }

    /** For the driver: a TLS error: the alert goes out, the handler hears of it (if opened), the raw closes. */
    void fail(SSLException e) {
        if (ended()) {
            return;
        }
        phase = TlsPhase.FAILED;
        if (handshake != null) {
            handshake.failed();
        }
        heldNet = null;
        pendingPlain = null;
        engine.closeOutbound();
        try {
            TlsEngineDriver.wrapClose(this); // the alert the engine prepared
        } catch (SSLException ignored) {
            // nothing more to say to this peer
        }
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, (opened() ? "TLS error on " : "TLS handshake failed on ") + delegate
                    + ": " + e.getMessage());
        }
        if (opened()) {
            innerCalling = true;
            layer.inner.onError(this, e);
            innerCalling = false;
        }
        delegate.close();
    }

    // ------------------------------------------------------------------------------ the handler side's part

    /** A callback begins: sends are corked until the matching {@link #exit()}. */
    abstract void enter();

    /** A callback ends: the outermost one encrypts and sends what was corked. */
    abstract void exit();

    /** Runs an inner-handler callback with sends corked. */
    abstract void callInner(Runnable r);

    /**
     * For the driver: sends the records in {@code net} (write mode; cleared after).
     *
     * @return the raw connection's status; DROPPED breaks the stream (the connection fails)
     */
    abstract SendStatus sendRecords(ByteBuffer net);

    /** Decrypted bytes the handler left unconsumed plus raw bytes held back (for tests and diagnostics). */
    int bufferedBytes() {
        return (pendingPlain == null ? 0 : pendingPlain.position()) + (heldNet == null ? 0 : heldNet.remaining());
    }

    /** True while this connection holds a buffer of its own (idle connections hold none). */
    boolean holdsBuffers() {
        return pendingPlain != null || heldNet != null;
    }
}
