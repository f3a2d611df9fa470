package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.HandOver;
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
    // small states share one byte: this object's size is memory per connection
    private static final byte APP_PAUSED = 1, BACKPRESSURE_PAUSED = 2, GAVE_UP = 4,
        CONTROL_REFUSED = 8;
    private byte flags;
    /** Pings and pongs sent while the connection's queue is over its limit (see admitPingOrPong). */
    private byte controlPastLimit;
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
        if (has(BACKPRESSURE_PAUSED)) {
            set(BACKPRESSURE_PAUSED, false);
            if (!has(APP_PAUSED)) {
                connection.resumeReading();
            }
        }
        if (session != null && session.closeState() == CloseState.OPEN) {
            owner.app.onDrain(this);
        } else if (!has(APP_PAUSED)) {
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
        if (has(CONTROL_REFUSED) || !session.closeDelivered()) {
            if (connection.isOpen()) {
                undeliverable("a control frame could not be queued");
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

    /**
     * The server gives up on this client because a message could not be queued (its queue limit): a close with
     * 1008 and a reason, which the data limit never refuses (a control frame); counted and logged.
     */
    private void giveUp() {
        if (has(GAVE_UP)) {
            return;
        }
        set(GAVE_UP, true);
        owner.stats.sendQueueOverflows.increment();
        owner.stats.overflowLog.log(System.Logger.Level.WARNING, "closing " + connection.remoteAddress()
            + " with 1008: it does not read its messages (" + connection.queuedBytes() + " bytes queued)", null);
        closing().record(CloseCodes.POLICY_VIOLATION, "send queue full");
        session.close(CloseCodes.POLICY_VIOLATION, "send queue full");
    }

    /** Nothing more can reach this client, not even a close: abort, counted and logged. */
    private void undeliverable(String why) {
        owner.stats.undeliverableAborts.increment();
        owner.stats.abortLog.log(System.Logger.Level.WARNING, "aborting " + connection.remoteAddress() + ": "
            + why + " (" + connection.queuedBytes() + " bytes queued)", null);
        connection.abort();
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
        return (flags & (APP_PAUSED | BACKPRESSURE_PAUSED | CONTROL_REFUSED)) != 0 || connection.isReadingPaused();
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
            set(CONTROL_REFUSED, true); // acted on once the session returns (afterSessionWork)
        }
        return s == SendStatus.DROPPED ? null : s; // null: nothing written, the session does not count it
    }

    /**
     * The bound on pings and pongs that control frames' exemption from the data limit needs: while this client's
     * queue is over its limit (it does not read), it gets {@link #MAX_CONTROL_PAST_LIMIT} of them, then it is
     * aborted; a ping flood from a client that never reads cannot grow its queue.
     */
    private boolean admitPingOrPong() {
        if (connection.canSend()) {
            controlPastLimit = 0;
            return true;
        }
        if (controlPastLimit < MAX_CONTROL_PAST_LIMIT) {
            controlPastLimit++;
            return true;
        }
        return false;
    }

    private static final int MAX_CONTROL_PAST_LIMIT = 64;

    // ---- WebSocket: the application's handle ----

    /**
     * The status of the send the session just made ({@code written}, null when nothing was written), with the
     * backpressure policy applied to it.
     */
    private SendStatus sent(SendStatus written) {
        SendStatus s = written == null ? SendStatus.DROPPED : written;
        // nothing written although the session could send (no close of ours yet; a Hixie-76 ping never gets here),
        // so it reached writeFrame, and the connection refused it although it is not closing: its queue limit
        boolean refusedForLimit = written == null && session.canSend() && connection.isOpen();
        BackpressurePolicy policy = owner.backpressure;
        if (s == SendStatus.BACKPRESSURE && policy == BackpressurePolicy.PAUSE_READING && !has(BACKPRESSURE_PAUSED)) {
            set(BACKPRESSURE_PAUSED, true);
            connection.pauseReading();
        } else if (refusedForLimit && policy != BackpressurePolicy.MANUAL) {
            giveUp();
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

    /**
     * A send made on another thread: the payload is copied here and the send runs on the loop, in this thread's
     * order. The status is a promise (see {@link WebSocket}); a BACKPRESSURE promise is kept with one onDrain.
     */
    private SendStatus handOver(ByteBuffer payload, boolean control, Function<ByteBuffer, SendStatus> send) {
        long n = payload.remaining() + MAX_FRAME_OVERHEAD;
        SendStatus promised = connection.reserveOffLoop(n, control);
        if (promised == SendStatus.DROPPED) {
            return promised;
        }
        ByteBuffer copy = HandOver.copy(payload.duplicate(), null, null);
        connection.execute(() -> {
            connection.releaseOffLoop(n);
            SendStatus s = send.apply(copy);
            if (promised == SendStatus.BACKPRESSURE && s != SendStatus.BACKPRESSURE && s != SendStatus.DROPPED
                    && isOpen()) {
                owner.app.onDrain(this);
            }
        });
        return promised;
    }

    /** The largest frame header (HyBi, 64-bit length) : what a handed-over send adds to its payload. */
    private static final int MAX_FRAME_OVERHEAD = 10;

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
        set(APP_PAUSED, true);
        connection.pauseReading();
    }

    @Override
    public void resumeReading() {
        if (!connection.inEventLoop()) {
            connection.execute(this::resumeReading);
            return;
        }
        set(APP_PAUSED, false);
        if (!has(BACKPRESSURE_PAUSED)) {
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

    private boolean has(byte flag) {
        return (flags & flag) != 0;
    }

    private void set(byte flag, boolean on) {
        flags = (byte) (on ? flags | flag : flags & ~flag);
    }
}
