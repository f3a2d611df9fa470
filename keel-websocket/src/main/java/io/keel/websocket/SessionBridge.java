package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.SendStatus;
import io.keel.websocket.http.HttpRequest;
import io.keel.websocket.protocol.CloseCodes;
import io.keel.websocket.protocol.CloseState;
import io.keel.websocket.protocol.HandshakeResult;
import io.keel.websocket.protocol.Opcode;
import io.keel.websocket.protocol.OutputSink;
import io.keel.websocket.protocol.ProtocolVersion;
import io.keel.websocket.protocol.WebSocketListener;
import io.keel.websocket.protocol.WebSocketSession;
import java.nio.ByteBuffer;

/**
 * Drives one connection's WebSocket: feeds the connection's bytes to the opening handshake ({@link HandshakePhase})
 * until the upgrade, then to the sans-I/O {@link WebSocketSession}, whose events go to the application (as the
 * session's {@link WebSocketListener}) and whose frames go to the connection (as its {@link OutputSink}); and
 * reacts to the connection's events (writable, idle, shutdown, closed). Its one subclass,
 * {@link WebSocketConnection}, completes it into the application's {@link WebSocket} handle: one object per
 * connection plays every role, because its size is memory per idle connection (the helpers it uses are made only
 * when needed: {@link CloseHandshake}, {@link Backpressure}, {@link PubSubState}).
 */
abstract class SessionBridge implements WebSocket, WebSocketListener, OutputSink<SendStatus> {
    private static final System.Logger LOG = System.getLogger(WebSocketConnection.class.getName());

    final WebSocketProtocolHandler owner;
    final Connection connection;
    /** The opening handshake, until onOpen has returned; then null (and the rest of a refused request ignored). */
    private HandshakePhase handshake;
    WebSocketSession<SendStatus> session;
    private String path;
    private String subprotocol;
    /** The close code to report and the close timeout; null until a close starts. */
    CloseHandshake closing; // null until a close starts; read by WebSocketConnection.closeInitiator
    /** Why reading is paused and what the policy did about a slow client; null until the first such event. */
    Backpressure backpressure;
    /** Keep-alive pings ({@link KeepAlive}): its state, and the ping periods without a message, and their limit. */
    byte pingState;
    int quietPings;
    int quietPingsBeforeIdle;

    SessionBridge(WebSocketProtocolHandler owner, Connection connection) {
        this.owner = owner;
        this.connection = connection;
        this.handshake = new HandshakePhase(owner, connection);
    }

    // ---- connection events ----

    void onData(ByteBuffer data) {
        if (session != null) {
            if (pingState == KeepAlive.PINGED) {
                KeepAlive.answered(this); // any bytes from the client prove it alive, not only the pong
            }
            session.receive(data);
            if (data.hasRemaining()) {
                pausedWithInput(data);
            }
            afterSessionWork();
            return;
        }
        if (handshake == null) {
            data.position(data.limit()); // refused or answered: the rest is ignored while we close
            return;
        }
        HandshakeResult r = handshake.receive(data);
        if (r instanceof HandshakeResult.Accepted a) {
            open(a, data);
        } else if (r != HandshakeResult.NeedMoreData.INSTANCE) {
            handshake = null; // refused or served as plain HTTP: answered, and the connection is closing
        }
    }

    /** The upgrade is accepted: answer it, start the session, tell the application, then read what followed. */
    private void open(HandshakeResult.Accepted a, ByteBuffer data) {
        path = HandshakePhase.sharedPath(a.request().path());
        subprotocol = a.subprotocol();
        connection.send(ByteBuffer.wrap(a.response()));
        session = new WebSocketSession<>(a.version(), owner.sessionConfig, this, this,
            owner.frameScratch(connection.eventLoop()));
        if (a.deflate() != null) {
            owner.compression.attach(session, a.deflate(), connection.eventLoop());
        }
        owner.stats.handshakes.get(a.version()).increment();
        owner.stats.open.increment();
        KeepAlive.start(this);
        try {
            owner.app.onOpen(this);
        } finally {
            handshake = null; // request() answers null from now on
        }
        if (owner.shuttingDown()) {
            close(CloseCodes.GOING_AWAY, "server shutting down");
        }
        if (data.hasRemaining() && session.closeState() == CloseState.OPEN) {
            session.receive(data);
            if (data.hasRemaining()) {
                pausedWithInput(data);
            }
        }
        afterSessionWork();
    }

    /**
     * Delivery stopped for a pause with input left (the connection keeps it for after the resume). When that
     * input already holds the client's close, the client has started the close handshake: it gets the close
     * timeout to read what we still owe it, as if we had sent our close, instead of the idle timeout.
     */
    private void pausedWithInput(ByteBuffer rest) {
        if ((closing == null || !closing.timeoutStarted()) && session.closeState() == CloseState.OPEN
                && session.closeFrameAhead(rest)) {
            startCloseTimeout();
        }
    }

    /** The close handshake's state, made when a close starts (an open WebSocket has none). */
    final CloseHandshake closing() {
        CloseHandshake c = closing;
        if (c == null) {
            c = closing = new CloseHandshake();
        }
        return c;
    }

    private void startCloseTimeout() {
        closing().startTimeout(connection, owner.stats, owner.closeTimeoutMillis);
    }

    void onInputClosed() {
        if (session != null) {
            session.onTransportClosed();
        }
        connection.close();
    }

    void onWritable() {
        if (backpressure != null) {
            backpressure.onWritable();
        }
        if (session != null && session.closeState() == CloseState.OPEN) {
            owner.app.onDrain(this);
        } else if (backpressure == null || !backpressure.isPausedByApplication()) {
            connection.resumeReading();
        }
    }

    void onIdleTimeout() {
        if (session != null && session.closeState() == CloseState.OPEN) {
            if (pingState != KeepAlive.OFF) {
                KeepAlive.onIdle(this);
                return;
            }
            close(CloseCodes.GOING_AWAY, "idle timeout");
        } else {
            connection.abort();
        }
    }

    void onServerShutdown() {
        if (session != null && session.closeState() == CloseState.OPEN) {
            close(CloseCodes.GOING_AWAY, "server shutting down");
        } else if (session == null) {
            connection.close();
        }
    }

    /** The connection closed: timers stop, and the application hears of the WebSocket's end once. */
    void onConnectionClosed() {
        if (handshake != null) {
            handshake.cancelTimeout();
        }
        if (closing != null) {
            closing.cancelTimeout();
        }
        if (session != null && closing().markReported()) {
            session.onTransportClosed();
            owner.compression.detach(session);
            owner.stats.open.decrement();
            try {
                owner.app.onClose(this, closing.code(), closing.reason());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "onClose failed", e);
            }
        }
    }

    /**
     * After the session read or wrote: close TCP once the close handshake is over, or time it out; abort when a
     * frame the protocol requires could not be delivered (the peer does not read even control frames).
     */
    final void afterSessionWork() {
        if ((backpressure != null && backpressure.isControlRefused()) || !session.closeDelivered()) {
            if (connection.isOpen()) {
                Backpressure.abortUnreachable(connection, owner.stats, "a control frame could not be queued");
            }
            return;
        }
        CloseState s = session.closeState();
        if (s == CloseState.CLOSED) {
            if (closing != null && closing.lingers()) {
                connection.shutdownOutput(); // see CloseHandshake.lingers: closed when the peer closes (onInputClosed)
                startCloseTimeout();
            } else {
                connection.close();
                if (connection.queuedBytes() > 0) {
                    startCloseTimeout(); // the handshake is over, but the client must still read what is queued for it
                }
            }
        } else if (s == CloseState.CLOSE_SENT && connection.isOpen()) {
            startCloseTimeout();
        }
    }

    // ---- WebSocketListener: session events to the application ----

    @Override
    public void onText(ByteBuffer utf8) {
        quietPings = 0;
        owner.stats.messagesIn.increment();
        owner.stats.bytesIn.add(utf8.remaining());
        owner.app.onText(this, utf8);
    }

    @Override
    public void onBinary(ByteBuffer data) {
        quietPings = 0;
        owner.stats.messagesIn.increment();
        owner.stats.bytesIn.add(data.remaining());
        owner.app.onBinary(this, data);
    }

    @Override
    public void onFragment(ByteBuffer data, boolean text, boolean first, boolean last) {
        if (first) {
            quietPings = 0;
            owner.stats.messagesIn.increment();
        }
        owner.stats.bytesIn.add(data.remaining());
        owner.app.onFragment(this, data, text, first, last);
    }

    @Override
    public void onPing(ByteBuffer payload) {
        owner.app.onPing(this, payload);
    }

    @Override
    public void onPong(ByteBuffer payload) {
        owner.app.onPong(this, payload);
    }

    @Override
    public void onClose(int code, String reason) {
        closing().recordClients(code, reason);
    }

    @Override
    public void onProtocolError(int code, String reason) {
        owner.stats.protocolErrors.increment();
        owner.stats.refusalLog.log(System.Logger.Level.INFO, "closed " + connection.remoteAddress() + " with "
            + code + ": " + reason, null);
        if (code == CloseCodes.MESSAGE_TOO_BIG) {
            owner.stats.messagesTooBig.increment();
        }
        CloseHandshake c = closing();
        c.recordFailure(code, reason);
        c.failedByUs();
    }

    @Override
    public boolean isReadingPaused() {
        return (backpressure != null && backpressure.holdsDelivery()) || connection.isReadingPaused();
    }

    // ---- OutputSink: frames to the connection ----

    @Override
    public SendStatus writeFrame(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix, int opcode) {
        SendStatus s;
        if (!Opcode.isControl(opcode)) {
            s = connection.send(prefix, payload, suffix);
        } else if (opcode != Opcode.CLOSE && !admitPingOrPong()) {
            s = SendStatus.DROPPED;
        } else {
            // never refused for the data limit: a close goes out once, behind whatever is queued
            s = connection.sendControl(prefix, payload, suffix);
        }
        if (s == SendStatus.DROPPED && Opcode.isControl(opcode) && connection.isOpen()) {
            backpressure().controlRefused(); // acted on once the session returns (afterSessionWork)
        }
        return s == SendStatus.DROPPED ? null : s; // null: nothing written, the session does not count it
    }

    /** A ping or pong goes out while the client is under its queue limit, or within the bound past it. */
    private boolean admitPingOrPong() {
        if (connection.canSend()) {
            if (backpressure != null) {
                backpressure.backUnderLimit();
            }
            return true;
        }
        return backpressure().admitControlPastLimit();
    }

    final Backpressure backpressure() {
        Backpressure b = backpressure;
        if (b == null) {
            b = backpressure = new Backpressure(connection, owner.backpressure, owner.stats);
        }
        return b;
    }

    // ---- for the application's handle ----

    @Override
    public boolean isOpen() {
        return session != null && session.closeState() == CloseState.OPEN && connection.isOpen();
    }

    @Override
    public ProtocolVersion version() {
        return session == null ? null : session.version();
    }

    @Override
    public HttpRequest request() {
        HandshakePhase h = handshake;
        return h == null ? null : h.request();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String subprotocol() {
        return subprotocol;
    }

    @Override
    public String extensions() {
        if (session == null) {
            return null;
        }
        var codec = session.compression();
        return codec == null ? "" : codec.agreement().response();
    }

    /**
     * The status of the send the session just made ({@code written}, null when nothing was written), with the
     * backpressure policy applied to it.
     */
    final SendStatus sent(SendStatus written) {
        // nothing written although the session could send (no close of ours yet; a Hixie-76 ping never gets here),
        // so it reached writeFrame, and the connection refused it although it is not closing: its queue limit
        boolean refusedForLimit = written == null && session.canSend() && connection.isOpen();
        if ((written == SendStatus.BACKPRESSURE || refusedForLimit)
                && backpressure().afterSend(written, refusedForLimit)) {
            // the client does not read: a close with 1008 and a reason, which the data limit never refuses
            closing().record(CloseCodes.POLICY_VIOLATION, "send queue full");
            session.close(CloseCodes.POLICY_VIOLATION, "send queue full");
        }
        afterSessionWork();
        return written == null ? SendStatus.DROPPED : written;
    }
}
