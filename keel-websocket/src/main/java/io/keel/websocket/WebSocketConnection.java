package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.SendStatus;
import io.keel.websocket.protocol.CloseCodes;
import io.keel.websocket.protocol.CloseState;
import io.keel.websocket.protocol.HandshakeResult;
import io.keel.websocket.protocol.HttpRequest;
import io.keel.websocket.protocol.Opcode;
import io.keel.websocket.protocol.OutputSink;
import io.keel.websocket.protocol.ProtocolVersion;
import io.keel.websocket.protocol.WebSocketListener;
import io.keel.websocket.protocol.WebSocketSession;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The glue of one connection: feeds its bytes to the {@link Handshaker} until the upgrade, then to the sans-I/O
 * {@link WebSocketSession}, whose events go to the application and whose frames go to the connection. One object
 * per connection plays all three roles (WebSocket, session listener, output sink) to keep idle connections small.
 */
final class WebSocketConnection implements WebSocket, WebSocketListener, OutputSink<SendStatus> {
    private static final System.Logger LOG = System.getLogger(WebSocketConnection.class.getName());

    private final WebSocketProtocolHandler owner;
    private final Connection connection;
    /** The opening handshake, until onOpen has returned; then null (and the rest of a refused request ignored). */
    private HandshakePhase handshake;
    private WebSocketSession<SendStatus> session;
    private String path;
    private String subprotocol;
    /** The close code to report and the close timeout; null until a close starts. */
    private CloseHandshake closing;
    /** Why reading is paused and what the policy did about a slow client; null until the first such event. */
    private Backpressure backpressure;
    /** Topics and publishes waiting behind a fragmented send; null until the first subscription. */
    private PubSubState pubsub;
    private Object attachment;
    private CompletableFuture<?> offloadTail;

    WebSocketConnection(WebSocketProtocolHandler owner, Connection connection) {
        this.owner = owner;
        this.connection = connection;
        this.handshake = new HandshakePhase(owner, connection);
    }

    // ---- connection events ----

    void onData(ByteBuffer data) {
        if (session != null) {
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
        session = new WebSocketSession<>(a.version(), owner.sessionConfig, this, this);
        owner.stats.handshakes.get(a.version()).increment();
        owner.stats.open.increment();
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
    private CloseHandshake closing() {
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

    void onConnectionClosed() {
        if (handshake != null) {
            handshake.cancelTimeout();
        }
        if (closing != null) {
            closing.cancelTimeout();
        }
        if (pubsub != null) {
            pubsub.leaveAll(this);
        }
        if (session != null && closing().markReported()) {
            session.onTransportClosed();
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
    private void afterSessionWork() {
        if ((backpressure != null && backpressure.isControlRefused()) || !session.closeDelivered()) {
            if (connection.isOpen()) {
                Backpressure.abortUnreachable(connection, owner.stats, "a control frame could not be queued");
            }
            return;
        }
        CloseState s = session.closeState();
        if (s == CloseState.CLOSED) {
            connection.close();
            if (connection.queuedBytes() > 0) {
                startCloseTimeout(); // the handshake is over, but the client must still read what is queued for it
            }
        } else if (s == CloseState.CLOSE_SENT && connection.isOpen()) {
            startCloseTimeout();
        }
    }

    // ---- WebSocketListener: session events to the application ----

    @Override
    public void onText(ByteBuffer utf8) {
        owner.stats.messagesIn.increment();
        owner.stats.bytesIn.add(utf8.remaining());
        owner.app.onText(this, utf8);
    }

    @Override
    public void onBinary(ByteBuffer data) {
        owner.stats.messagesIn.increment();
        owner.stats.bytesIn.add(data.remaining());
        owner.app.onBinary(this, data);
    }

    @Override
    public void onFragment(ByteBuffer data, boolean text, boolean first, boolean last) {
        if (first) {
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
        closing().record(code, reason);
    }

    @Override
    public void onProtocolError(int code, String reason) {
        owner.stats.protocolErrors.increment();
        owner.stats.refusalLog.log(System.Logger.Level.INFO, "closed " + connection.remoteAddress() + " with "
            + code + ": " + reason, null);
        if (code == CloseCodes.MESSAGE_TOO_BIG) {
            owner.stats.messagesTooBig.increment();
        }
        closing().recordFailure(code, reason);
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

    private Backpressure backpressure() {
        Backpressure b = backpressure;
        if (b == null) {
            b = backpressure = new Backpressure(connection, owner.backpressure, owner.stats);
        }
        return b;
    }

    // ---- WebSocket: the application's handle ----

    /**
     * The status of the send the session just made ({@code written}, null when nothing was written), with the
     * backpressure policy applied to it.
     */
    private SendStatus sent(SendStatus written) {
        SendStatus s = written == null ? SendStatus.DROPPED : written;
        if (s != SendStatus.SENT && s != SendStatus.QUEUED) {
            // nothing written although the session could send (no close of ours yet; a Hixie-76 ping never gets
            // here), so it reached writeFrame, and the connection refused it although it is not closing: its limit
            boolean refusedForLimit = written == null && session.canSend() && connection.isOpen();
            if (backpressure().afterSend(written, refusedForLimit)) {
                // the client does not read: a close with 1008 and a reason, which the data limit never refuses
                closing().record(CloseCodes.POLICY_VIOLATION, "send queue full");
                session.close(CloseCodes.POLICY_VIOLATION, "send queue full");
            }
        }
        afterSessionWork();
        return s;
    }

    @Override
    public SendStatus sendText(ByteBuffer utf8) {
        if (!connection.inEventLoop()) {
            return handOver(utf8, false, this::sendText);
        }
        return session == null ? SendStatus.DROPPED : sent(session.sendText(utf8));
    }

    @Override
    public SendStatus sendText(CharSequence text) {
        if (!connection.inEventLoop()) {
            return handOver(java.nio.charset.StandardCharsets.UTF_8.encode(text.toString()), false, this::sendText);
        }
        return session == null ? SendStatus.DROPPED : sent(session.sendText(text));
    }

    @Override
    public SendStatus sendBinary(ByteBuffer data) {
        if (!connection.inEventLoop()) {
            WebSocketSession<SendStatus> s = session;
            if (s != null && !s.version().isHybi() && !io.keel.websocket.protocol.Utf8Validator.isValid(data)) {
                throw new IllegalArgumentException("Hixie-76 has no binary frames and the data is not valid UTF-8");
            }
            return handOver(data, false, this::sendBinary);
        }
        return session == null ? SendStatus.DROPPED : sent(session.sendBinary(data));
    }

    @Override
    public SendStatus sendFragment(ByteBuffer data, boolean text, boolean first, boolean last) {
        if (!connection.inEventLoop()) {
            return handOver(data, false, copy -> sendFragment(copy, text, first, last));
        }
        if (session == null) {
            return SendStatus.DROPPED;
        }
        SendStatus s = sent(session.sendFragment(data, text, first, last));
        if (last && s != SendStatus.DROPPED && pubsub != null) {
            pubsub.flushDeferred(this);
        }
        return s;
    }

    @Override
    public SendStatus ping(ByteBuffer payload) {
        if (payload.remaining() > 125) {
            throw new IllegalArgumentException("ping payload over 125 bytes: " + payload.remaining());
        }
        if (!connection.inEventLoop()) {
            WebSocketSession<SendStatus> s = session;
            if (s == null || !s.version().isHybi()) {
                return SendStatus.DROPPED; // Hixie-76 has no ping (and no session yet has nothing to ping)
            }
            return handOver(payload, true, this::ping);
        }
        if (session == null || !session.version().isHybi()) {
            return SendStatus.DROPPED; // Hixie-76 has no ping: the session writes nothing
        }
        return sent(session.ping(payload));
    }

    private SendStatus handOver(ByteBuffer payload, boolean control, Function<ByteBuffer, SendStatus> send) {
        return OffLoopSend.handOver(this, owner.app, payload, control, send);
    }

    @Override
    public void close(int code, String reason) {
        if (!CloseCodes.isValidToSend(code)) {
            throw new IllegalArgumentException("invalid close code " + code);
        }
        if (reason != null && reason.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 123) {
            throw new IllegalArgumentException("close reason longer than 123 UTF-8 bytes");
        }
        if (!connection.inEventLoop()) {
            connection.execute(() -> close(code, reason));
            return;
        }
        if (session == null) {
            connection.close();
            return;
        }
        if (session.closeState() == CloseState.OPEN) {
            closing().record(code, reason);
        }
        session.close(code, reason);
        afterSessionWork();
    }

    @Override
    public void close() {
        close(CloseCodes.NORMAL_CLOSURE, "");
    }

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
    public void pauseReading() {
        if (!connection.inEventLoop()) {
            connection.execute(this::pauseReading);
            return;
        }
        backpressure().pauseByApplication();
    }

    @Override
    public void resumeReading() {
        if (!connection.inEventLoop()) {
            connection.execute(this::resumeReading);
            return;
        }
        if (backpressure != null) {
            backpressure.resumeByApplication();
        } else {
            connection.resumeReading();
        }
    }

    // ---- publish/subscribe ----

    @Override
    public void subscribe(String topic) {
        java.util.Objects.requireNonNull(topic, "topic");
        if (!connection.inEventLoop()) {
            connection.execute(() -> subscribe(topic));
            return;
        }
        if (!connection.isOpen()) {
            return;
        }
        if (pubsub == null) {
            pubsub = new PubSubState(owner.topics.forLoop(connection.eventLoop()));
        }
        pubsub.join(topic, this);
    }

    @Override
    public void unsubscribe(String topic) {
        if (!connection.inEventLoop()) {
            connection.execute(() -> unsubscribe(topic));
            return;
        }
        if (pubsub != null) {
            pubsub.leave(topic, this);
        }
    }

    @Override
    public void publish(String topic, ByteBuffer message, boolean text) {
        owner.publish(topic, message, text);
    }

    boolean isHybi() {
        return session == null || session.version().isHybi();
    }

    /**
     * A published message for this subscriber, framed for its wire format (null: it cannot be, a binary message
     * for Hixie-76). On this WebSocket's loop. The subscriber's backpressure policy applies.
     */
    void deliverPublished(ByteBuffer frame, boolean text) {
        if (session == null || !connection.isOpen()) {
            return;
        }
        if (frame == null) {
            owner.stats.publishUndeliverable.increment();
            return;
        }
        if (!session.canStartMessage()) {
            if (session.closeState() == CloseState.OPEN || session.closeState() == CloseState.CLOSE_RECEIVED) {
                pubsub.defer(frame, text); // our own fragmented message is half sent: this one follows it
            }
            return;
        }
        SendStatus s = sent(session.sendFramed(frame, text));
        if (s != SendStatus.DROPPED) {
            owner.stats.deliveries.increment();
        } else if (owner.backpressure == BackpressurePolicy.MANUAL) {
            owner.stats.publishDropped.increment();
        }
    }

    @Override
    public <T> void offload(Callable<T> work, BiConsumer<WebSocket, T> then) {
        offloadTail = OffloadChain.append(offloadTail, this, work, then);
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
    public Connection connection() {
        return connection;
    }

    @Override
    public String toString() {
        return "WebSocket[" + version() + " " + connection + "]";
    }
}
