package io.keel.echo;

import io.keel.core.ConnectionHandler;
import io.keel.core.ProxyProtocolConfig;
import io.keel.core.Server;
import io.keel.core.ServerStartException;
import io.keel.core.ServerStats;
import io.keel.tls.TlsContext;
import io.keel.tls.TlsServerLayer;
import io.keel.tls.TlsStats;
import io.keel.websocket.WebSocketProtocolHandler;
import io.keel.websocket.WebSocketStats;
import io.keel.websocket.protocol.ProtocolVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The three echo servers (TCP, WebSocket, secure WebSocket), assembled from the framework's public API. The secure WebSocket echo
 * server differs from the plain one only in the TLS layer handed to the server.
 */
final class EchoServer {
    final EchoOptions options;
    final Server server;
    final WebSocketProtocolHandler webSocket; // null in tcp mode
    final TlsContext tls;                     // null unless wss
    final TlsServerLayer tlsLayer;            // null unless wss
    final SelfSignedCache.Result selfSigned;  // null unless wss with a generated certificate
    final Server admin;                       // null without --admin-port
    final AccessLog accessLog;                // null without --access-log
    /** Set on the first SIGTERM when a drain delay is on: /healthz answers 503, clients are still served. */
    private volatile boolean draining;

    private EchoServer(EchoOptions options) throws StartupException {
        this.options = options;
        if (options.mode == EchoOptions.Mode.WSS && options.cert == null && options.pkcs12 == null) {
            selfSigned = options.selfSignedDir != null ? SelfSignedCache.obtain(options.selfSignedDir, true)
                : SelfSignedCache.obtain(SelfSignedCache.defaultDir(System.getenv(), System.getProperty("user.home")),
                    false);
        } else {
            selfSigned = null;
        }
        ConnectionHandler handler;
        accessLog = options.accessLog != null ? AccessLog.open(options.accessLog, System.err) : null;
        if (options.mode == EchoOptions.Mode.TCP) {
            webSocket = null;
            handler = new TcpEchoHandler();
        } else {
            HttpEndpoints endpoints = HttpEndpoints.forServicePort(this::accepting, this::metrics);
            webSocket = WebSocketProtocolHandler.builder(
                    accessLog != null ? new AccessLoggedEchoHandler(accessLog) : new WebSocketEchoHandler())
                .maxMessageSize(options.maxMessageSize)
                .streaming(options.streaming)
                .compression(DeflateMetrics.config(options.compression, options.compressionThreshold))
                .httpFallback(accessLog != null ? accessLog.logging(endpoints) : endpoints)
                .onRefusedUpgrade(accessLog != null ? accessLog::refusedUpgrade : (c, status, reason, request) -> { })
                .pingInterval(Duration.ofSeconds(options.pingIntervalSeconds))
                .pongTimeout(Duration.ofSeconds(options.pongTimeoutSeconds))
                .build();
            handler = webSocket;
        }
        if (options.mode == EchoOptions.Mode.WSS) {
            tls = tlsContext(options, selfSigned);
            tlsLayer = new TlsServerLayer(tls, handler);
            handler = tlsLayer;
        } else {
            tls = null;
            tlsLayer = null;
        }
        Server.Builder b = Server.builder()
            .bind(options.bind, options.portOrDefault())
            .backlog(options.backlog)
            .ioThreads(options.ioThreads)
            .idleTimeout(Duration.ofSeconds(options.idleTimeoutSeconds))
            .reusePort(options.reusePort)
            .handler(handler);
        try {
            b.transport(options.transport);
        } catch (IllegalArgumentException e) {
            throw new StartupException(e.getMessage(), e);
        }
        if (options.maxConnections > 0) {
            b.maxConnections(options.maxConnections);
        }
        if (options.proxyProtocol) {
            ProxyProtocolConfig proxy = ProxyProtocolConfig.trusting(options.trustedProxies);
            b.proxyProtocol(options.proxyHeaderTimeoutSeconds == null ? proxy
                : proxy.headerTimeout(Duration.ofSeconds(options.proxyHeaderTimeoutSeconds)));
        }
        b.maxConnectionsPerAddress(options.maxConnectionsPerIp);
        server = b.build();
        if (options.adminPort != null) {
            // a server of its own: its connections never count against --max-connections, and a flood of
            // clients on the service port cannot keep a health check out
            admin = Server.builder()
                .bind(options.adminBindOrDefault(), options.adminPort)
                .ioThreads(1)
                .idleTimeout(ADMIN_IDLE_TIMEOUT)
                .maxConnections(ADMIN_MAX_CONNECTIONS)
                .handler(new AdminHttpHandler(HttpEndpoints.forAdminPort(this::accepting, this::metrics)))
                .build();
        } else {
            admin = null;
        }
    }

    /** An admin request is one GET: a connection idle this long is a stuck client. */
    static final Duration ADMIN_IDLE_TIMEOUT = Duration.ofSeconds(10);
    /** Health checks and scrapes are a few at a time; the admin port's own limit. */
    static final int ADMIN_MAX_CONNECTIONS = 64;

    static EchoServer start(EchoOptions options) throws StartupException {
        EchoServer s = new EchoServer(options);
        try {
            s.server.start();
        } catch (ServerStartException e) {
            throw new StartupException(e.getMessage(), e);
        }
        if (s.admin != null) {
            try {
                s.admin.start();
            } catch (ServerStartException e) {
                s.server.close();
                throw new StartupException("--admin-port: " + e.getMessage(), e);
            }
        }
        return s;
    }

    /** Stops the admin listener (after the service port's graceful shutdown, so /healthz said 503 meanwhile), then writes out and closes the access log. */
    void closeAdminAndAccessLog() {
        if (admin != null) {
            admin.close();
        }
        if (accessLog != null) {
            accessLog.close(); // the lines of the last sessions, written out
        }
    }

    private static TlsContext tlsContext(EchoOptions o, SelfSignedCache.Result selfSigned) throws StartupException {
        return ServerProgram.tlsContext(o.tlsProvider, b -> {
            if (o.cert != null && o.key != null) {
                b.certificate(o.cert, o.key);
            } else if (o.cert != null) {
                b.certificate(o.cert);
            } else if (o.pkcs12 != null) {
                b.pkcs12(o.pkcs12, o.passwordFile);
            } else {
                b.selfSigned(selfSigned.certificate());
            }
            if (o.verifyPeer) {
                b.verifyPeer(o.ca);
            }
            return b;
        });
    }

    /** What /healthz reports: false (503) while draining and once the graceful shutdown stops accepting. */
    boolean accepting() {
        return !draining && server.isAccepting();
    }

    /** The drain starts: /healthz answers 503 so that load balancers stop sending new clients (still served). */
    void startDraining() {
        draining = true;
    }

    /**
     * The lines printed once the server accepts connections: the first says where it listens (with the
     * certificate's fingerprint for wss), the others give every URL a person uses: the page to open in a browser,
     * /healthz and /metrics (on the admin port when there is one), and where a kept self-signed certificate is.
     * tcp mode without an admin port: its address and the transport.
     */
    List<String> listeningLines() {
        String host = ServerProgram.urlHost(server.localAddress());
        String hostPort = host + ":" + server.port();
        List<String> lines = new ArrayList<>();
        String http = options.mode == EchoOptions.Mode.WSS ? "https://" : "http://";
        switch (options.mode) {
            case TCP -> lines.add("tcp echo server listening on " + hostPort);
            case WS -> lines.add("ws echo server listening on ws://" + hostPort + "/");
            case WSS -> lines.add("wss echo server listening on wss://" + hostPort + "/"
                + " (TLS " + tls.provider().name().toLowerCase(Locale.ROOT) + ", certificate SHA-256 "
                + tls.sha256Fingerprint() + ")");
        }
        if (webSocket != null) {
            lines.add("  browser page: " + http + hostPort + HttpEndpoints.PAGE);
        }
        if (admin != null) {
            String adminBase = "http://" + ServerProgram.urlHost(admin.localAddress()) + ":" + admin.port();
            String where = webSocket != null ? " (admin port; also on the service port)" : " (admin port)";
            lines.add("  health check: " + adminBase + HttpEndpoints.HEALTH + where);
            lines.add("  metrics:      " + adminBase + HttpEndpoints.METRICS + where);
        } else if (webSocket != null) {
            lines.add("  health check: " + http + hostPort + HttpEndpoints.HEALTH);
            lines.add("  metrics:      " + http + hostPort + HttpEndpoints.METRICS);
        }
        if (options.proxyProtocol) {
            long timeout = options.proxyHeaderTimeoutSeconds != null ? options.proxyHeaderTimeoutSeconds
                : ProxyProtocolConfig.DEFAULT_HEADER_TIMEOUT.toSeconds();
            lines.add("  PROXY protocol: required from " + options.trustedProxies.stream().map(Object::toString)
                .collect(java.util.stream.Collectors.joining(", ")) + " (header timeout " + timeout
                + " s); other peers are served as direct clients");
        }
        lines.add(ServerProgram.transportLine(server.transport()));
        String fallback = tls == null ? null : ServerProgram.autoFallbackLine(options.tlsProvider, tls.provider());
        if (fallback != null) {
            lines.add(fallback);
        }
        if (selfSigned != null) {
            lines.add(selfSigned.file() != null
                ? "  certificate:  " + selfSigned.certificateFile() + " (self-signed: accept it once in the browser,"
                    + " or trust this file)"
                : "  certificate:  self-signed, in memory only (a new one at each start)");
        }
        return lines;
    }

    /** The counters in Prometheus' text exposition format. */
    String metrics() {
        ServerStats s = server.stats();
        StringBuilder m = new StringBuilder(2048);
        gauge(m, "keel_connections", "Open connections.", s.currentConnections());
        gauge(m, "keel_connections_peak", "Most connections open at once.", s.peakConnections());
        counter(m, "keel_connections_total", "Connections accepted.", s.totalConnections());
        counter(m, "keel_connections_refused_total", "Connections refused by the connection limiter.", s.rejectedByLimiter());
        counter(m, "keel_connections_failed_total", "Connections ended by an I/O error or reset.", s.failedConnections());
        counter(m, "keel_idle_timeouts_total", "Connections closed for being idle.", s.idleTimeouts());
        counter(m, "keel_connections_refused_per_ip_total", "Connections refused by --max-connections-per-ip.", s.rejectedPerAddress());
        counter(m, "keel_proxy_header_failures_total", "Connections from trusted proxies closed for a missing or malformed PROXY header.", s.proxyHeaderFailures());
        counter(m, "keel_proxy_header_timeouts_total", "Connections from trusted proxies closed because their PROXY header came too late.", s.proxyHeaderTimeouts());
        if (accessLog != null) {
            counter(m, "keel_access_log_dropped_total", "Access-log lines dropped because the output could not keep up.",
                accessLog.dropped());
        }
        m.append("# HELP keel_transport_info The transport the event loops run on (nio or io_uring).\n")
            .append("# TYPE keel_transport_info gauge\n")
            .append("keel_transport_info{transport=\"").append(server.transport().provider().name()).append("\"} 1\n");
        counter(m, "keel_received_bytes_total", "Bytes read from sockets.", s.bytesIn());
        counter(m, "keel_sent_bytes_total", "Bytes written to sockets.", s.bytesOut());
        if (webSocket != null) {
            WebSocketStats w = webSocket.stats();
            m.append("# HELP keel_websocket_handshakes_total WebSocket upgrades by protocol version.\n")
                .append("# TYPE keel_websocket_handshakes_total counter\n");
            for (ProtocolVersion v : ProtocolVersion.values()) {
                m.append("keel_websocket_handshakes_total{version=\"").append(v.name().toLowerCase(Locale.ROOT))
                    .append("\"} ").append(w.handshakes(v)).append('\n');
            }
            gauge(m, "keel_websockets_open", "WebSockets open.", w.open());
            counter(m, "keel_websocket_handshakes_rejected_total", "Upgrade requests refused (400, 405, 426, 431...).", w.handshakesRejected());
            counter(m, "keel_websocket_handshake_timeouts_total", "Connections that did not finish their upgrade in time.", w.handshakeTimeouts());
            counter(m, "keel_websocket_messages_received_total", "Messages received.", w.messagesIn());
            counter(m, "keel_websocket_message_bytes_received_total", "Message payload bytes received.", w.bytesIn());
            counter(m, "keel_websocket_protocol_errors_total", "Connections failed for a protocol error (1002, 1007, 1009).", w.protocolErrors());
            counter(m, "keel_websocket_messages_too_big_total", "Connections closed with 1009.", w.messagesTooBig());
            counter(m, "keel_http_requests_total", "Plain HTTP requests served.", w.httpRequests());
            counter(m, "keel_websocket_keepalive_pings_total", "Keep-alive pings sent to quiet WebSockets (--ping-interval).", w.keepAlivePings());
            counter(m, "keel_websocket_pong_timeouts_total", "WebSockets closed with 1001 for not answering a ping within --pong-timeout.", w.pongTimeouts());
            counter(m, "keel_websocket_close_timeouts_total", "Connections aborted because the client did not finish the close handshake in time.", w.closeTimeouts());
            counter(m, "keel_websocket_send_queue_overflows_total", "Clients closed with 1008 because their send queue was full (they do not read).", w.sendQueueOverflows());
            counter(m, "keel_websocket_undeliverable_aborts_total", "Clients aborted because not even a close or pong could be queued for them.", w.undeliverableAborts());
            counter(m, "keel_websocket_published_total", "Messages published to topics.", w.published());
            counter(m, "keel_websocket_deliveries_total", "Published messages queued or sent to subscribers.", w.deliveries());
            DeflateMetrics.append(m, w.compression());
        }
        if (tlsLayer != null) {
            TlsStats t = tlsLayer.stats();
            m.append("# HELP keel_tls_handshakes_total Completed TLS handshakes by protocol.\n")
                .append("# TYPE keel_tls_handshakes_total counter\n");
            t.handshakesCompletedByProtocol().forEach((p, n) ->
                m.append("keel_tls_handshakes_total{protocol=\"").append(p).append("\"} ").append(n).append('\n'));
            counter(m, "keel_tls_handshake_failures_total", "TLS handshakes that failed.", t.handshakeFailures());
            counter(m, "keel_tls_handshake_timeouts_total", "TLS handshakes that timed out.", t.handshakeTimeouts());
        }
        return m.toString();
    }

    private static void gauge(StringBuilder m, String name, String help, long v) {
        m.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
            .append(name).append(' ').append(v).append('\n');
    }

    private static void counter(StringBuilder m, String name, String help, long v) {
        m.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
            .append(name).append(' ').append(v).append('\n');
    }
}
