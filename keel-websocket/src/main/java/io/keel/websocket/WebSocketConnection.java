package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.SendStatus;
import io.keel.core.Timer;
import io.keel.core.UserDataKey;
import io.keel.websocket.protocol.CloseCodes;
import io.keel.websocket.protocol.CloseState;
import io.keel.websocket.protocol.HandshakeResult;
import io.keel.websocket.protocol.Handshaker;
import io.keel.websocket.protocol.HttpRequest;
import io.keel.websocket.protocol.OutputSink;
import io.keel.websocket.protocol.ProtocolVersion;
import io.keel.websocket.protocol.WebSocketListener;
import io.keel.websocket.protocol.WebSocketSession;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The glue of one connection: feeds its bytes to the {@link Handshaker} until the upgrade, then to the sans-I/O
 * {@link WebSocketSession}, whose events go to the application and whose frames go to the connection. One object
 * per connection plays all three roles (WebSocket, session listener, output sink) to keep idle connections small.
 */
final class WebSocketConnection implements WebSocket, WebSocketListener, OutputSink {
    private static final System.Logger LOG = System.getLogger(WebSocketConnection.class.getName());
    private static final Executor OFFLOAD = Executors.newVirtualThreadPerTaskExecutor();

    private final WebSocketProtocolHandler owner;
    private final Connection connection;
    private Handshaker handshaker;
    // the handshake timeout until the handshake ends, then the close timeout once our close is sent: never both
    private Timer timer;
    private WebSocketSession session;
    private HttpRequest request; // during onOpen only
    private String path;
    private String subprotocol;
    private byte lastStatus; // 1 + ordinal of the SendStatus of the last frame written; 0: none (a byte, not a reference: memory per connection)
    private int closeCode = CloseCodes.ABNORMAL_CLOSURE;
    private String closeReason = "";
    private boolean closeReported;
    private Object attachment;
    private CompletableFuture<?> offloadTail;

    WebSocketConnection(WebSocketProtocolHandler owner, Connection connection) {
        this.owner = owner;
        this.connection = connection;
        this.handshaker = new Handshaker(connection.isSecure() ? owner.secureHandshake : owner.plainHandshake);
        if (owner.handshakeTimeoutMillis > 0) {
            timer = connection.schedule(this::handshakeTimedOut, owner.handshakeTimeoutMillis,
                TimeUnit.MILLISECONDS);
        }
    }

    // ---- connection events ----

    void onData(ByteBuffer data) {
        if (session != null) {
            session.receive(data);
            afterSessionWork();
            return;
        }
        if (handshaker == null) {
            data.position(data.limit()); // refused or answered: the rest is ignored while we close
            return;
        }
        switch (handshaker.receive(data)) {
            case HandshakeResult.NeedMoreData n -> {
                // the parser keeps what it has seen; wait for more
            }
            case HandshakeResult.Rejected r -> {
                owner.stats.handshakesRejected.increment();
                owner.stats.refusalLog.log(System.Logger.Level.INFO, "upgrade refused with " + r.status() + " ("
                    + r.reason() + ") from " + connection.remoteAddress(), null);
                finishHandshakePhase();
                connection.send(ByteBuffer.wrap(r.response()));
                connection.close();
                data.position(data.limit());
            }
            case HandshakeResult.NotWebSocket p -> {
                owner.stats.httpRequests.increment();
                finishHandshakePhase();
                connection.send(ByteBuffer.wrap(owner.httpFallback.respond(p.request(), connection)));
                connection.close();
                data.position(data.limit());
            }
            case HandshakeResult.Accepted a -> {
                finishHandshakePhase();
                request = a.request();
                path = sharedPath(request.path());
                subprotocol = a.subprotocol();
                connection.send(ByteBuffer.wrap(a.response()));
                session = new WebSocketSession(a.version(), owner.sessionConfig, this, this);
                owner.stats.handshakes.get(a.version()).increment();
                owner.stats.open.increment();
                try {
                    owner.app.onOpen(this);
                } finally {
                    request = null;
                }
                if (owner.shuttingDown()) {
                    close(CloseCodes.GOING_AWAY, "server shutting down");
                }
                if (data.hasRemaining() && session.closeState() == CloseState.OPEN) {
                    session.receive(data);
                }
                afterSessionWork();
            }
        }
    }

    private void finishHandshakePhase() {
        handshaker = null;
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private void handshakeTimedOut() {
        timer = null;
        if (session == null && connection.isOpen()) {
            owner.stats.handshakeTimeouts.increment();
            owner.stats.refusalLog.log(System.Logger.Level.INFO, "handshake timeout: closed "
                + connection.remoteAddress(), null);
            connection.abort();
        }
    }

    void onInputClosed() {
        if (session != null) {
            session.onTransportClosed();
        }
        connection.close();
    }

    void onWritable() {
        if (session != null && session.closeState() == CloseState.OPEN) {
            owner.app.onDrain(this);
        } else {
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
        if (timer != null) {
            timer.cancel();
        }
        if (session != null && !closeReported) {
            session.onTransportClosed();
            closeReported = true;
            owner.stats.open.decrement();
            try {
                owner.app.onClose(this, closeCode, closeReason);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "onClose failed", e);
            }
        }
    }

    // A server's connections mostly share a few paths: reusing the previous handshake's String on this loop
    // keeps the copy that each open connection holds (about 50 bytes) to the odd one out.
    private static final ThreadLocal<String[]> LAST_PATH = ThreadLocal.withInitial(() -> new String[1]);

    private static String sharedPath(String path) {
        String[] last = LAST_PATH.get();
        if (path.equals(last[0])) {
            return last[0];
        }
        last[0] = path;
        return path;
    }

    /** After the session read or wrote: close TCP once the close handshake is over, or time it out. */
    private void afterSessionWork() {
        CloseState s = session.closeState();
        if (s == CloseState.CLOSED) {
            connection.close();
        } else if (s == CloseState.CLOSE_SENT && timer == null && connection.isOpen()) {
            timer = connection.schedule(() -> {
                owner.stats.closeTimeouts.increment();
                connection.abort();
            }, owner.closeTimeoutMillis, TimeUnit.MILLISECONDS);
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
        if (closeCode == CloseCodes.ABNORMAL_CLOSURE) {
            closeCode = code;
            closeReason = reason == null ? "" : reason;
        }
    }

    @Override
    public void onProtocolError(int code, String reason) {
        owner.stats.protocolErrors.increment();
        owner.stats.refusalLog.log(System.Logger.Level.INFO, "closed " + connection.remoteAddress() + " with "
            + code + ": " + reason, null);
        if (code == CloseCodes.MESSAGE_TOO_BIG) {
            owner.stats.messagesTooBig.increment();
        }
        closeCode = code;
        closeReason = reason == null ? "" : reason;
    }

    // ---- OutputSink: frames to the connection ----

    @Override
    public void writeFrame(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix) {
        lastStatus = (byte) (1 + connection.send(prefix, payload, suffix).ordinal());
    }

    // ---- WebSocket: the application's handle ----

    private static final SendStatus[] SEND_STATUSES = SendStatus.values();

    private SendStatus sent(boolean written) {
        SendStatus s = written && lastStatus != 0 ? SEND_STATUSES[lastStatus - 1] : SendStatus.DROPPED;
        lastStatus = 0;
        afterSessionWork();
        return s;
    }

    @Override
    public SendStatus sendText(ByteBuffer utf8) {
        return session == null ? SendStatus.DROPPED : sent(session.sendText(utf8));
    }

    @Override
    public SendStatus sendText(CharSequence text) {
        return session == null ? SendStatus.DROPPED : sent(session.sendText(text));
    }

    @Override
    public SendStatus sendBinary(ByteBuffer data) {
        return session == null ? SendStatus.DROPPED : sent(session.sendBinary(data));
    }

    @Override
    public SendStatus sendFragment(ByteBuffer data, boolean text, boolean first, boolean last) {
        return session == null ? SendStatus.DROPPED : sent(session.sendFragment(data, text, first, last));
    }

    @Override
    public SendStatus ping(ByteBuffer payload) {
        return session == null ? SendStatus.DROPPED : sent(session.ping(payload));
    }

    @Override
    public void subscribe(String topic) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void unsubscribe(String topic) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void publish(String topic, ByteBuffer message, boolean text) {
        owner.publish(topic, message, text);
    }

    @Override
    public void close(int code, String reason) {
        if (session == null) {
            connection.close();
            return;
        }
        if (closeCode == CloseCodes.ABNORMAL_CLOSURE && session.closeState() == CloseState.OPEN) {
            closeCode = code;
            closeReason = reason == null ? "" : reason;
        }
        session.close(code, reason);
        lastStatus = 0;
        afterSessionWork();
    }

    @Override
    public void close() {
        close(CloseCodes.NORMAL_CLOSURE, "");
    }

    @Override
    public void terminate() {
        connection.abort();
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
        return request;
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
    public InetSocketAddress remoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public boolean isSecure() {
        return connection.isSecure();
    }

    @Override
    public long bufferedAmount() {
        return connection.queuedBytes();
    }

    @Override
    public void pauseReading() {
        connection.pauseReading();
    }

    @Override
    public void resumeReading() {
        connection.resumeReading();
    }

    @Override
    public void execute(Runnable task) {
        connection.execute(task);
    }

    @Override
    public <T> void offload(Callable<T> work, BiConsumer<WebSocket, T> then) {
        CompletableFuture<?> tail = offloadTail == null ? CompletableFuture.completedFuture(null) : offloadTail;
        CompletableFuture<T> result = tail.handleAsync((ignored, previousError) -> {
            try {
                return work.call();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, OFFLOAD);
        // results are handed to the loop in the order the work was submitted
        offloadTail = result.handle((value, error) -> {
            connection.execute(() -> {
                if (error != null) {
                    LOG.log(System.Logger.Level.WARNING, "offloaded work failed", error);
                    if (isOpen()) {
                        close(CloseCodes.INTERNAL_ERROR, "internal error");
                    }
                } else if (connection.isOpen()) {
                    then.accept(this, value);
                }
            });
            return null;
        });
    }

    @Override
    public <T> T get(UserDataKey<T> key) {
        return connection.get(key);
    }

    @Override
    public <T> void set(UserDataKey<T> key, T value) {
        connection.set(key, value);
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
