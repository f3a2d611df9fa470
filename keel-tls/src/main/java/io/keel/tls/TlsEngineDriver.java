package io.keel.tls;

import java.nio.ByteBuffer;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

import io.keel.core.SendStatus;

/**
 * The {@link SSLEngine} loops of a {@link TlsConnection}: unwrap, handshake wrap, close wrap, wrap-and-send, and
 * the sizing of their buffers. It never does I/O and never calls the inner handler itself: it reports to the
 * connection (plaintext to deliver, records to send, handshake finished, tasks needed, close_notify received), as
 * Jetty's {@code SslConnection} keeps its engine methods passive. Stateless, so it costs no object per connection:
 * the per-connection sizes stay in the connection ({@link TlsNetworkSide#appSize}, {@link TlsNetworkSide#packetSize}).
 */
final class TlsEngineDriver {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private TlsEngineDriver() {
    }

    /**
     * Unwraps what {@code in} holds (and what the engine still needs to wrap for the handshake) until it needs more
     * input, a task, or the reader is paused. Plaintext goes to {@link TlsConnection#deliver}, decrypted into
     * {@code scratchApp} (the loop's buffer, cleared) or into the plaintext the handler left.
     *
     * @param in ciphertext, read mode; what is left is a partial record (or held input while paused)
     * @throws SSLException a TLS error: the connection fails
     */
    static void unwrap(TlsNetworkSide c, ByteBuffer in, ByteBuffer scratchApp) throws SSLException {
        SSLEngine engine = c.engine();
        EngineQuirks quirks = c.quirks;
        ByteBuffer dst = null;
        int overflows = 0;
        boolean poll = false;
        boolean flush = false;
        while (c.mayUnwrap()) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                c.startTasks();
                break;
            }
            if (hs == HandshakeStatus.NEED_WRAP || flush) {
                boolean flushing = flush;
                flush = false;
                if (wrapHandshake(c, flushing)) {
                    continue;
                }
                break;
            }
            if (c.readingHeld() || engine.isInboundDone()) {
                break;
            }
            if (!in.hasRemaining() && hs != HandshakeStatus.NEED_UNWRAP_AGAIN && !poll) {
                break;
            }
            if (dst == null) {
                dst = c.decryptTarget(scratchApp);
            }
            SSLEngineResult r = engine.unwrap(in, dst);
            SSLEngineResult.Status st = r.getStatus();
            if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                c.handshakeFinished();
                sendHeldHandshakeMessages(c);
            }
            poll = quirks.pollAfterUnwrap(r, c.handshaking());
            flush = quirks.wrapRequestedInResultOnly(r, engine);
            if (st == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                    continue; // whatever the end of the handshake left to send goes out first
                }
                break; // a partial record: wait for more
            }
            if (st == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                c.appSize = Math.max(c.appSize, engine.getSession().getApplicationBufferSize());
                if (dst.position() == 0 && ++overflows > 1) {
                    c.appSize *= 2;
                }
                c.deliver(dst);
                if (dst == scratchApp && scratchApp.capacity() < c.appSize) {
                    scratchApp = ByteBuffer.allocate(c.appSize);
                }
                dst = null;
                continue;
            }
            overflows = 0;
            if (st == SSLEngineResult.Status.CLOSED) {
                c.deliver(dst);
                dst = null;
                c.closeNotifyReceived();
                break;
            }
            if (dst.remaining() < c.appSize) {
                c.deliver(dst);
                dst = null;
            }
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0 && r.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP) {
                break; // no progress (cannot happen without an underflow, but never spin)
            }
        }
        if (dst != null) {
            c.deliver(dst);
        }
    }

    /**
     * Sends what the engine held back of the handshake ({@link EngineQuirks#releaseHeldHandshakeMessages}) at once,
     * in as many wraps as its buffer needs (bounded: a few hundred bytes of tickets take two or three).
     *
     * @throws SSLException a TLS error from a wrap
     */
    private static void sendHeldHandshakeMessages(TlsNetworkSide c) throws SSLException {
        SSLEngine engine = c.engine();
        for (int round = 0; round < 64 && c.mayUnwrap() && !engine.isOutboundDone(); round++) {
            int held = c.quirks.releaseHeldHandshakeMessages(engine);
            if (held == EngineQuirks.HELD_NONE || !wrapHandshake(c, true) || held == EngineQuirks.HELD_ALL) {
                return;
            }
        }
    }

    /**
     * Wraps what the handshake needs and hands it to {@link TlsConnection#sendRecords}; true when it produced
     * bytes (or finished). With {@code flush}, wraps until a wrap produces nothing whatever the engine's status
     * says. Calls {@link TlsConnection#handshakeFinished()} when a wrap reports FINISHED.
     *
     * @throws SSLException a TLS error (the alert wrapped before it is sent first)
     */
    static boolean wrapHandshake(TlsNetworkSide c, boolean flush) throws SSLException {
        SSLEngine engine = c.engine();
        TlsScratch s = c.scratch();
        ByteBuffer net = s.takeNet(c.packetSize);
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
                    c.sendRecords(net);
                    continue;
                }
                produced += r.bytesProduced();
                if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                    finished = true;
                }
                if (r.getStatus() == SSLEngineResult.Status.CLOSED || r.bytesProduced() == 0) {
                    break;
                }
                more = flush || c.quirks.wantsWrap(r, engine);
            }
            c.sendRecords(net);
        } catch (SSLException e) {
            c.sendRecords(net); // the alert wrapped before the error still goes out
            throw e;
        } finally {
            s.releaseNet(net);
        }
        if (finished) {
            c.handshakeFinished();
        }
        return produced > 0 || finished;
    }

    /** After {@link SSLEngine#closeOutbound()}: wraps the close_notify (or alert) and hands it to the connection. */
    static void wrapClose(TlsNetworkSide c) throws SSLException {
        SSLEngine engine = c.engine();
        TlsScratch s = c.scratch();
        ByteBuffer net = s.takeNet(c.packetSize);
        try {
            while (!engine.isOutboundDone()) {
                SSLEngineResult r = engine.wrap(EMPTY, net);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW && net.position() > 0) {
                    c.sendRecords(net);
                    continue;
                }
                if (r.bytesProduced() == 0) {
                    break;
                }
            }
            c.sendRecords(net);
        } finally {
            s.releaseNet(net);
        }
    }

    /**
     * Encrypts all of {@code src} (read mode; consumed) into records and hands them to the connection, a few
     * records at a time.
     *
     * @return the worst status the raw connection gave; {@code DROPPED} when the engine is closed or the stream
     *     broke (a TLS error here fails the connection)
     */
    static SendStatus wrapAndSend(TlsNetworkSide c, ByteBuffer src) {
        SSLEngine engine = c.engine();
        TlsScratch s = c.scratch();
        ByteBuffer net = s.takeNet(c.packetSize);
        SendStatus worst = SendStatus.SENT;
        try {
            while (src.hasRemaining()) {
                if (net.remaining() < c.packetSize) {
                    worst = worst.worse(c.sendRecords(net));
                    if (c.ended()) {
                        return SendStatus.DROPPED;
                    }
                }
                SSLEngineResult r = engine.wrap(src, net);
                switch (r.getStatus()) {
                    case BUFFER_OVERFLOW -> {
                        if (net.position() == 0) {
                            c.packetSize = Math.max(c.packetSize * 2, engine.getSession().getPacketBufferSize());
                            s.releaseNet(net);
                            net = ByteBuffer.allocate(2 * c.packetSize);
                        } else {
                            worst = worst.worse(c.sendRecords(net));
                        }
                    }
                    case CLOSED -> {
                        c.sendRecords(net);
                        return SendStatus.DROPPED;
                    }
                    default -> {
                    }
                }
            }
            worst = worst.worse(c.sendRecords(net));
        } catch (SSLException | RuntimeException e) {
            c.fail(e instanceof SSLException ssl ? ssl : new SSLException(e.toString(), e));
            return SendStatus.DROPPED;
        } finally {
            s.releaseNet(net);
        }
        return c.ended() ? SendStatus.DROPPED : worst;
    }
}
