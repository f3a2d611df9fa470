package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.SendStatus;
import io.keel.websocket.protocol.CloseCodes;
import io.keel.websocket.protocol.CloseState;
import io.keel.websocket.protocol.Utf8Validator;
import io.keel.websocket.protocol.WebSocketSession;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The application's handle on one WebSocket ({@link WebSocket}): sends, close, pause and resume, publish/subscribe,
 * offloaded work, each safe from any thread where {@link WebSocket} says so. What happens below it (the handshake,
 * the session's events, writing frames, the close handshake) is {@link SessionBridge}'s; one object per connection.
 */
final class WebSocketConnection extends SessionBridge {
    /** Topics and publishes waiting behind a fragmented send; null until the first subscription. */
    private PubSubState pubsub;
    private Object attachment;
    private CompletableFuture<?> offloadTail;

    WebSocketConnection(WebSocketProtocolHandler owner, Connection connection) {
        super(owner, connection);
    }

    @Override
    void onConnectionClosed() {
        if (pubsub != null) {
            pubsub.leaveAll(this);
        }
        super.onConnectionClosed();
    }

    @Override
    public SendStatus sendText(ByteBuffer utf8) {
        Objects.requireNonNull(utf8, "utf8");
        if (!connection.inEventLoop()) {
            return handOver(utf8, false, this::sendText);
        }
        return session == null ? SendStatus.DROPPED : sent(session.sendText(utf8));
    }

    @Override
    public SendStatus sendText(CharSequence text) {
        Objects.requireNonNull(text, "text");
        if (!connection.inEventLoop()) {
            return handOver(StandardCharsets.UTF_8.encode(text.toString()), false, this::sendText);
        }
        return session == null ? SendStatus.DROPPED : sent(session.sendText(text));
    }

    @Override
    public SendStatus sendBinary(ByteBuffer data) {
        Objects.requireNonNull(data, "data");
        if (!connection.inEventLoop()) {
            WebSocketSession<SendStatus> s = session;
            if (s != null && !s.version().isHybi() && !Utf8Validator.isValid(data)) {
                throw new IllegalArgumentException("Hixie-76 has no binary frames and the data is not valid UTF-8");
            }
            return handOver(data, false, this::sendBinary);
        }
        return session == null ? SendStatus.DROPPED : sent(session.sendBinary(data));
    }

    @Override
    public SendStatus sendFragment(ByteBuffer data, boolean text, boolean first, boolean last) {
        Objects.requireNonNull(data, "data");
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
        Objects.requireNonNull(payload, "payload");
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
        CloseCodes.checkToSend(code, reason); // on the caller's thread, so that it gets the exception
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
        Objects.requireNonNull(topic, "topic");
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
    public CloseInitiator closeInitiator() {
        CloseHandshake c = closing;
        return c == null ? null : c.initiator();
    }

    @Override
    public String toString() {
        return "WebSocket[" + version() + " " + connection + "]";
    }
}
