package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.ConnectionHandler;
import io.keel.core.EventLoop;
import io.keel.websocket.http.HttpRequest;
import io.keel.websocket.http.HttpResponses;
import io.keel.websocket.protocol.FrameScratch;
import io.keel.websocket.protocol.HandshakeConfig;
import io.keel.websocket.protocol.ProtocolVersion;
import io.keel.websocket.protocol.WebSocketConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The seed's auto-detecting WebSocket protocol handler: a {@link ConnectionHandler} that reads the HTTP upgrade,
 * detects the protocol version (Hixie-76, HyBi-07, HyBi-08, RFC 6455) per connection, and then runs the
 * sans-I/O session for it, calling the application's {@link WebSocketHandler}. Works the same over a plain or a
 * TLS connection (Hixie-76's Location then says {@code wss://}).
 *
 * <pre>{@code
 * ConnectionHandler ws = WebSocketProtocolHandler.builder(new EchoWebSocketHandler())
 *     .maxMessageSize(16 << 20)
 *     .build();
 * Server.builder().bind("127.0.0.1", 9001).handler(ws).build().start();
 * }</pre>
 */
public final class WebSocketProtocolHandler implements ConnectionHandler {
    final WebSocketHandler app;
    final HandshakeConfig plainHandshake;
    final HandshakeConfig secureHandshake;
    final WebSocketConfig sessionConfig;
    final long handshakeTimeoutMillis;
    final long closeTimeoutMillis;
    final HttpFallback httpFallback;
    final BackpressurePolicy backpressure;
    final WebSocketStats stats = new WebSocketStats();
    final TopicRegistry topics = new TopicRegistry(stats);
    /** The frame-encoding scratch of each event loop's sessions (they run on it one at a time): one per loop. */
    private final ConcurrentHashMap<EventLoop, FrameScratch> frameScratch = new ConcurrentHashMap<>();
    private volatile boolean shuttingDown;

    private WebSocketProtocolHandler(Builder b) {
        this.app = b.app;
        HandshakeConfig hs = HandshakeConfig.defaults()
            .withVersions(b.versions)
            .withMaxHeaderBytes(b.maxHeaderBytes);
        if (b.subprotocolSelector != null) {
            hs = hs.withSubprotocolSelector(b.subprotocolSelector);
        }
        if (b.originValidator != null) {
            hs = hs.withOriginValidator(b.originValidator);
        }
        this.plainHandshake = hs.withSecure(false);
        this.secureHandshake = hs.withSecure(true);
        this.sessionConfig = WebSocketConfig.defaults().withMaxMessageSize(b.maxMessageSize).withStreaming(b.streaming);
        this.handshakeTimeoutMillis = b.handshakeTimeout.toMillis();
        this.closeTimeoutMillis = b.closeTimeout.toMillis();
        this.httpFallback = b.httpFallback;
        this.backpressure = b.backpressure;
    }

    /**
     * The scratch shared by the sessions {@code loop} drives, made on the loop's first upgrade (once per loop); a
     * connection with no loop (a test double) gets one of its own.
     */
    FrameScratch frameScratch(EventLoop loop) {
        if (loop == null) {
            return new FrameScratch();
        }
        FrameScratch s = frameScratch.get(loop);
        return s != null ? s : frameScratch.computeIfAbsent(loop, l -> new FrameScratch());
    }

    public static Builder builder(WebSocketHandler app) {
        return new Builder(app);
    }

    public WebSocketStats stats() {
        return stats;
    }

    /**
     * Publishes a message to every WebSocket of this layer subscribed to {@code topic} (see
     * {@link WebSocket#subscribe}); safe from any thread.
     *
     * @param message from position to limit; copied before this returns (position not moved)
     * @param text a text message (valid UTF-8, not checked again) or a binary one
     */
    public void publish(String topic, ByteBuffer message, boolean text) {
        Objects.requireNonNull(topic, "topic");
        topics.publish(topic, message, text);
    }

    boolean shuttingDown() {
        return shuttingDown;
    }

    @Override
    public void onOpen(Connection connection) {
        connection.attach(new WebSocketConnection(this, connection));
    }

    @Override
    public void onData(Connection connection, ByteBuffer data) {
        ((WebSocketConnection) connection.attachment()).onData(data);
    }

    @Override
    public void onInputClosed(Connection connection) {
        ((WebSocketConnection) connection.attachment()).onInputClosed();
    }

    @Override
    public void onWritable(Connection connection) {
        ((WebSocketConnection) connection.attachment()).onWritable();
    }

    @Override
    public void onError(Connection connection, IOException error) {
        // onClose follows and reports 1006 to the application
    }

    @Override
    public void onIdleTimeout(Connection connection) {
        ((WebSocketConnection) connection.attachment()).onIdleTimeout();
    }

    @Override
    public void onShutdown(Connection connection) {
        shuttingDown = true;
        ((WebSocketConnection) connection.attachment()).onServerShutdown();
    }

    @Override
    public void onClose(Connection connection) {
        Object a = connection.attachment();
        if (a instanceof WebSocketConnection ws) {
            ws.onConnectionClosed();
        }
    }

    static byte[] defaultPage(HttpRequest request, Connection connection) {
        if (!request.path().equals("/")) {
            return HttpResponses.error(404, "not found");
        }
        String body = "Keel WebSocket server: connect with a WebSocket client ("
            + (connection.isSecure() ? "wss" : "ws") + "://).\n";
        return HttpResponses.ok("text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8), false);
    }

    /** Settings with sensible defaults: every version on, 16 MiB messages, 8 KiB request heads, 10 s handshake. */
    public static final class Builder {
        private final WebSocketHandler app;
        private ProtocolVersion[] versions = ProtocolVersion.values();
        private int maxMessageSize = WebSocketConfig.DEFAULT_MAX_MESSAGE_SIZE;
        private int maxHeaderBytes = 8 * 1024;
        private boolean streaming;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration closeTimeout = Duration.ofSeconds(5);
        private Function<List<String>, String> subprotocolSelector;
        private Predicate<String> originValidator;
        private HttpFallback httpFallback = WebSocketProtocolHandler::defaultPage;
        private BackpressurePolicy backpressure = BackpressurePolicy.PAUSE_READING;

        Builder(WebSocketHandler app) {
            this.app = Objects.requireNonNull(app);
        }

        /** The protocol versions to accept (the seed's SupportHixie76 / SupportHyBiVersions). */
        public Builder versions(ProtocolVersion... versions) {
            if (versions.length == 0) {
                throw new IllegalArgumentException("at least one protocol version must be enabled");
            }
            this.versions = versions.clone();
            return this;
        }

        /** Largest message (or Hixie-76 frame) accepted; bigger ones close the connection with 1009. */
        public Builder maxMessageSize(int bytes) {
            if (bytes < 125) {
                // a control frame may carry 125 bytes: a smaller limit could not hold every valid frame
                throw new IllegalArgumentException("max message size must be at least 125 bytes, got " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /** Largest request line + headers; bigger requests get 431. */
        public Builder maxHeaderBytes(int bytes) {
            this.maxHeaderBytes = bytes;
            return this;
        }

        /**
         * The seed's AccumulateCompleteMessage flag, inverted: with streaming on, the application gets fragments as
         * they arrive ({@link WebSocketHandler#onFragment}) instead of complete messages.
         */
        public Builder streaming(boolean on) {
            this.streaming = on;
            return this;
        }

        /** A connection that has not completed its upgrade by then is closed. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** After sending a close, how long to wait for the peer's before closing the connection. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Chooses the subprotocol from the client's offer ({@code Sec-WebSocket-Protocol}); null: none. */
        public Builder subprotocols(Function<List<String>, String> selector) {
            this.subprotocolSelector = selector;
            return this;
        }

        /** Accepts or refuses (403) the upgrade by its Origin. */
        public Builder originValidator(Predicate<String> validator) {
            this.originValidator = validator;
            return this;
        }

        /** Serves plain HTTP GETs that are not upgrades. */
        public Builder httpFallback(HttpFallback fallback) {
            this.httpFallback = Objects.requireNonNull(fallback);
            return this;
        }

        /** What the layer does when a client reads slower than it is sent to; default {@link BackpressurePolicy#PAUSE_READING}. */
        public Builder backpressure(BackpressurePolicy policy) {
            this.backpressure = Objects.requireNonNull(policy);
            return this;
        }

        public WebSocketProtocolHandler build() {
            return new WebSocketProtocolHandler(this);
        }
    }
}
