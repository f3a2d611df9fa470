package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.ConnectionHandler;
import io.keel.core.EventLoop;
import io.keel.core.LoopLocal;
import io.keel.websocket.protocol.FrameScratch;
import io.keel.websocket.protocol.HandshakeConfig;
import io.keel.websocket.protocol.ProtocolVersion;
import io.keel.websocket.protocol.WebSocketConfig;
import io.keel.websocket.protocol.deflate.DeflateMode;
import io.keel.websocket.protocol.deflate.PerMessageDeflateConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The WebSocket layer: a {@link ConnectionHandler} that reads each connection's HTTP upgrade request, detects the
 * protocol version it asks for (Hixie-76, HyBi-07, HyBi-08 or RFC 6455), answers it, and then runs the sans-I/O
 * session of that version, calling the application's {@link WebSocketHandler}. A GET that is not an upgrade is
 * served by the {@link HttpFallback}; a bad upgrade is refused with its HTTP status (400, 403, 426, 431). Works
 * the same over a plain or a TLS connection (Hixie-76's Location then says {@code wss://}). One layer may serve
 * any number of connections on any number of event loops; it also holds their publish/subscribe topics and
 * their {@link #stats() counters}.
 *
 * <pre>{@code
 * ConnectionHandler ws = WebSocketProtocolHandler.builder(new EchoWebSocketHandler())
 *     .maxMessageSize(16 << 20)
 *     .build();
 * Server.builder().bind("127.0.0.1", 9001).handler(ws).build().start();
 * }</pre>
 */
public final class WebSocketProtocolHandler implements ConnectionHandler {
    /** The sessions' encoding buffers: one set per event loop, shared by every WebSocket layer on it. */
    private static final LoopLocal<FrameScratch> FRAME_SCRATCH =
        LoopLocal.create("WebSocket frame scratch", FrameScratch::new);

    final WebSocketHandler app;
    final HandshakeConfig plainHandshake;
    final HandshakeConfig secureHandshake;
    final WebSocketConfig sessionConfig;
    final long handshakeTimeoutMillis;
    final long closeTimeoutMillis;
    final long pingIntervalNanos;
    final long pongTimeoutNanos;
    final HttpFallback httpFallback;
    final RefusedUpgradeListener refusedUpgrade;
    final BackpressurePolicy backpressure;
    final WebSocketStats stats = new WebSocketStats();
    final TopicRegistry topics = new TopicRegistry(stats);
    final Compression compression;
    /** The frame-encoding scratch of each event loop's sessions (they run on it one at a time): one per loop. */
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
        this.compression = new Compression(b.compression, stats);
        hs = hs.withDeflate(compression.negotiator);
        this.plainHandshake = hs.withSecure(false);
        this.secureHandshake = hs.withSecure(true);
        this.sessionConfig = WebSocketConfig.defaults().withMaxMessageSize(b.maxMessageSize).withStreaming(b.streaming);
        this.handshakeTimeoutMillis = b.handshakeTimeout.toMillis();
        this.closeTimeoutMillis = b.closeTimeout.toMillis();
        this.pingIntervalNanos = b.pingInterval.toNanos();
        this.pongTimeoutNanos = b.pongTimeout.toNanos();
        this.httpFallback = b.httpFallback;
        this.refusedUpgrade = b.refusedUpgrade;
        this.backpressure = b.backpressure;
    }

    /**
     * The scratch shared by the sessions {@code loop} drives, made on the loop's first upgrade (once per loop, and
     * gone with the loop); a connection with no loop (a test double) gets one of its own.
     */
    FrameScratch frameScratch(EventLoop loop) {
        return loop == null ? new FrameScratch() : loop.local(FRAME_SCRATCH);
    }

    /**
     * Starts the settings of a layer.
     *
     * @param app the application's callbacks, shared by every WebSocket of the layer (so it must be safe for
     *     use by several event loops at once, or keep its state per WebSocket)
     * @return a builder with the defaults listed in {@link Builder}
     * @throws NullPointerException when {@code app} is null
     */
    public static Builder builder(WebSocketHandler app) {
        return new Builder(app);
    }

    /** The layer's live counters (handshakes, messages, refusals...); safe from any thread. */
    public WebSocketStats stats() {
        return stats;
    }

    /**
     * Publishes a message to every WebSocket of this layer subscribed to {@code topic} (see
     * {@link WebSocket#subscribe} and {@link WebSocket#publish}); safe from any thread. Counted in
     * {@link WebSocketStats#published()} even when nobody is subscribed.
     *
     * @param topic the topic, compared with {@code equals}
     * @param message from position to limit; copied before this returns (position not moved)
     * @param text a text message (valid UTF-8, not checked again) or a binary one
     * @throws NullPointerException when {@code topic} is null
     */
    public void publish(String topic, ByteBuffer message, boolean text) {
        Objects.requireNonNull(topic, "topic");
        topics.publish(topic, message, text);
    }

    boolean shuttingDown() {
        return shuttingDown;
    }

    // ---- ConnectionHandler: called by the core (or the TLS layer) for each connection, on its event loop ----

    /** A connection opened: its opening handshake starts (and its handshake timeout). */
    @Override
    public void onOpen(Connection connection) {
        connection.attach(new WebSocketConnection(this, connection));
    }

    /** Bytes from the client: the upgrade request, then frames. What the layer leaves in {@code data} is kept. */
    @Override
    public void onData(Connection connection, ByteBuffer data) {
        ((WebSocketConnection) connection.attachment()).onData(data);
    }

    /** The client closed its side (TCP FIN) without a close handshake: the connection is closed (1006). */
    @Override
    public void onInputClosed(Connection connection) {
        ((WebSocketConnection) connection.attachment()).onInputClosed();
    }

    /** The connection's queue drained under its low watermark: reading resumes, then {@code onDrain}. */
    @Override
    public void onWritable(Connection connection) {
        ((WebSocketConnection) connection.attachment()).onWritable();
    }

    /** An I/O error on the connection: nothing to do here. */
    @Override
    public void onError(Connection connection, IOException error) {
        // onClose follows and reports 1006 to the application
    }

    /** The connection was idle too long: an open WebSocket is closed with 1001, anything else aborted. */
    @Override
    public void onIdleTimeout(Connection connection) {
        ((WebSocketConnection) connection.attachment()).onIdleTimeout();
    }

    /**
     * The server is shutting down: an open WebSocket is closed with 1001 (RFC 6455 section 7.4.1, going away),
     * a connection still in its handshake is closed, and WebSockets that open from now on are closed at once.
     */
    @Override
    public void onShutdown(Connection connection) {
        shuttingDown = true;
        ((WebSocketConnection) connection.attachment()).onServerShutdown();
    }

    /** The connection closed: the application's {@link WebSocketHandler#onClose} follows, once. */
    @Override
    public void onClose(Connection connection) {
        Object a = connection.attachment();
        if (a instanceof WebSocketConnection ws) {
            ws.onConnectionClosed();
        }
    }

    /**
     * The settings of a layer. Defaults: every protocol version, messages up to 16 MiB delivered whole, request
     * heads up to 8 KiB, a 10 s handshake timeout, a 5 s close timeout, no subprotocol, any origin, the default
     * page for plain HTTP, {@link BackpressurePolicy#PAUSE_READING}, and no keep-alive pings. Not thread-safe;
     * {@link #build()} copies the settings, so a builder may be reused.
     */
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
        private HttpFallback httpFallback = HttpFallback::defaultPage;
        private RefusedUpgradeListener refusedUpgrade = (connection, status, reason, request) -> { };
        private BackpressurePolicy backpressure = BackpressurePolicy.PAUSE_READING;
        private Duration pingInterval = Duration.ZERO;
        private Duration pongTimeout = Duration.ofSeconds(10);
        private PerMessageDeflateConfig compression = PerMessageDeflateConfig.of(DeflateMode.SHARED);

        Builder(WebSocketHandler app) {
            this.app = Objects.requireNonNull(app, "app");
        }

        /**
         * The protocol versions to accept; an upgrade asking for another is refused (426, RFC 6455 section 4.4;
         * a Hixie-76 request gets 400).
         *
         * @return this builder
         * @throws IllegalArgumentException when no version is given
         */
        public Builder versions(ProtocolVersion... versions) {
            if (versions.length == 0) {
                throw new IllegalArgumentException("at least one protocol version must be enabled");
            }
            this.versions = versions.clone();
            return this;
        }

        /**
         * The largest message (or Hixie-76 frame) accepted from a client, in bytes of payload; a bigger one closes
         * the connection with 1009 (RFC 6455 section 7.4.1, message too big). Also the memory a message being
         * assembled may take.
         *
         * @return this builder
         * @throws IllegalArgumentException below 125 bytes (a control frame's payload must fit)
         */
        public Builder maxMessageSize(int bytes) {
            if (bytes < 125) {
                // a control frame may carry 125 bytes: a smaller limit could not hold every valid frame
                throw new IllegalArgumentException("max message size must be at least 125 bytes, got " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /**
         * The largest upgrade request head (request line and headers), in bytes; a bigger one is refused with 431
         * (RFC 6585 section 5).
         *
         * @return this builder; {@link #build()} throws IllegalArgumentException for fewer than 16 bytes
         */
        public Builder maxHeaderBytes(int bytes) {
            this.maxHeaderBytes = bytes;
            return this;
        }

        /**
         * With streaming on, the application gets each message in pieces as they arrive
         * ({@link WebSocketHandler#onFragment}) instead of whole ({@link WebSocketHandler#onText},
         * {@link WebSocketHandler#onBinary}): for messages too big to hold, or to process as they come. Off by
         * default.
         *
         * @return this builder
         */
        public Builder streaming(boolean on) {
            this.streaming = on;
            return this;
        }

        /**
         * How long a connection may take to send its complete upgrade request; then it is aborted and counted in
         * {@link WebSocketStats#handshakeTimeouts()}. Zero or negative: no limit. Millisecond precision.
         *
         * @return this builder
         * @throws NullPointerException when {@code timeout} is null
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /**
         * How long the close handshake may take (RFC 6455 section 7.1.1 lets the server close the TCP connection
         * itself): after our close is sent, or the client's is seen, the client has this long to answer and read
         * what is queued for it; then the connection is aborted and counted in
         * {@link WebSocketStats#closeTimeouts()}. Millisecond precision; should be positive.
         *
         * @return this builder
         * @throws NullPointerException when {@code timeout} is null
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /**
         * Chooses the subprotocol (RFC 6455 section 4.2.2, {@code Sec-WebSocket-Protocol}).
         *
         * @param selector gets the client's offer in its order and returns one of them, or null for none; called
         *     on the event loop during the handshake. Null (the default): no subprotocol is ever chosen
         * @return this builder
         */
        public Builder subprotocols(Function<List<String>, String> selector) {
            this.subprotocolSelector = selector;
            return this;
        }

        /**
         * Accepts or refuses (403) an upgrade by its origin (RFC 6455 sections 4.2.1 and 10.2: the browser's
         * {@code Origin}, or {@code Sec-WebSocket-Origin} for HyBi-07/08).
         *
         * @param validator gets the origin (null when the request has none) and returns true to accept; called on
         *     the event loop. Null (the default): every origin is accepted
         * @return this builder
         */
        public Builder originValidator(Predicate<String> validator) {
            this.originValidator = validator;
            return this;
        }

        /**
         * Serves the plain HTTP GETs that are not upgrades (a page, a health check); the default answers
         * {@code /} with a line of text and anything else with 404.
         *
         * @return this builder
         * @throws NullPointerException when {@code fallback} is null
         */
        public Builder httpFallback(HttpFallback fallback) {
            this.httpFallback = Objects.requireNonNull(fallback);
            return this;
        }

        /**
         * Tells {@code listener} of every request refused with an HTTP error instead of being upgraded (an access
         * log's line for it); default: nobody is told (the refusals are counted in {@link WebSocketStats} and logged,
         * rate-limited, at INFO).
         *
         * @param listener called on the connection's loop before the error response is sent
         * @return this builder
         * @throws NullPointerException when {@code listener} is null
         */
        public Builder onRefusedUpgrade(RefusedUpgradeListener listener) {
            this.refusedUpgrade = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * What the layer does when a client reads slower than it is sent to.
         *
         * @param policy default {@link BackpressurePolicy#PAUSE_READING}
         * @return this builder
         * @throws NullPointerException when {@code policy} is null
         */
        public Builder backpressure(BackpressurePolicy policy) {
            this.backpressure = Objects.requireNonNull(policy);
            return this;
        }

        /**
         * Keep-alive pings (RFC 6455 section 5.5.2): a WebSocket that has read and written nothing for
         * {@code interval} gets a Ping, and is closed with 1001 "pong timeout" if nothing arrives from it within
         * the {@link #pongTimeout}. Keeps quiet WebSockets open through load balancers and NAT that drop silent
         * connections (nginx and many balancers allow 60 s), and finds clients that vanished. Hixie-76 has no
         * ping. Zero (the default): no pings.
         *
         * @return this builder
         * @throws IllegalArgumentException when {@code interval} is negative
         * @throws NullPointerException when {@code interval} is null
         */
        public Builder pingInterval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("ping interval must not be negative, got " + interval);
            }
            this.pingInterval = interval;
            return this;
        }

        /**
         * How long a pinged WebSocket has to send something (its Pong, or any frame); default 10 s.
         *
         * @return this builder
         * @throws IllegalArgumentException when {@code timeout} is not positive
         * @throws NullPointerException when {@code timeout} is null
         */
        public Builder pongTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("pong timeout must be positive, got " + timeout);
            }
            this.pongTimeout = timeout;
            return this;
        }

        /**
         * permessage-deflate (RFC 7692): {@link DeflateMode#SHARED} by default (a client that offers it gets
         * compression without context takeover, from its event loop's shared codec), {@link DeflateMode#DEDICATED}
         * (context takeover, a codec per connection within a memory budget) or {@link DeflateMode#OFF}.
         *
         * @param config the mode, the threshold below which messages go uncompressed, the dedicated memory budget
         * @return this builder
         * @throws NullPointerException when {@code config} is null
         */
        public Builder compression(PerMessageDeflateConfig config) {
            this.compression = Objects.requireNonNull(config);
            return this;
        }

        /**
         * Makes the layer; give it to the server as its handler (or to the TLS layer as its inner handler).
         *
         * @return a new layer with its own counters and topics
         * @throws IllegalArgumentException when {@link #maxHeaderBytes} is under 16
         */
        public WebSocketProtocolHandler build() {
            return new WebSocketProtocolHandler(this);
        }
    }
}
