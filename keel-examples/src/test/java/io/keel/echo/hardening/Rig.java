package io.keel.echo.hardening;

import io.keel.core.ConnectionHandler;
import io.keel.core.Server;
import io.keel.core.TestServers;
import io.keel.echo.WebSocketEchoHandler;
import io.keel.tls.TlsContext;
import io.keel.tls.TlsProvider;
import io.keel.tls.TlsServerLayer;
import io.keel.websocket.WebSocketHandler;
import io.keel.websocket.WebSocketProtocolHandler;
import java.net.InetSocketAddress;
import java.util.function.UnaryOperator;

/**
 * An in-process echo server assembled like the program's (the program's own echo handler, plain or behind the
 * TLS layer), with the knobs a hardening test turns. Closing it checks that every pooled buffer came back.
 */
final class Rig implements AutoCloseable {
    private static volatile TlsContext sharedTls;

    final Server server;
    final WebSocketProtocolHandler ws;
    final TlsServerLayer tls; // null when plain

    private Rig(Server server, WebSocketProtocolHandler ws, TlsServerLayer tls) {
        this.server = server;
        this.ws = ws;
        this.tls = tls;
    }

    static Rig plain(UnaryOperator<WebSocketProtocolHandler.Builder> ws, UnaryOperator<Server.Builder> srv) {
        return start(new WebSocketEchoHandler(), ws, null, srv);
    }

    static Rig secure(UnaryOperator<WebSocketProtocolHandler.Builder> ws, UnaryOperator<TlsServerLayer.Builder> tls,
                      UnaryOperator<Server.Builder> srv) {
        return start(new WebSocketEchoHandler(), ws, tls, srv);
    }

    static Rig start(WebSocketHandler app, UnaryOperator<WebSocketProtocolHandler.Builder> ws,
                     UnaryOperator<TlsServerLayer.Builder> tls, UnaryOperator<Server.Builder> srv) {
        return start(app, ws, tls == null ? null : TlsProvider.JDK, tls, srv);
    }

    /** As {@link #start(WebSocketHandler, UnaryOperator, UnaryOperator, UnaryOperator)}, TLS with {@code provider} (null: plain). */
    static Rig start(WebSocketHandler app, UnaryOperator<WebSocketProtocolHandler.Builder> ws, TlsProvider provider,
                     UnaryOperator<TlsServerLayer.Builder> tls, UnaryOperator<Server.Builder> srv) {
        WebSocketProtocolHandler handler = ws.apply(WebSocketProtocolHandler.builder(app)).build();
        ConnectionHandler top = handler;
        TlsServerLayer layer = null;
        if (provider != null) {
            layer = (tls == null ? UnaryOperator.<TlsServerLayer.Builder>identity() : tls)
                .apply(TlsServerLayer.builder(tlsContext(provider), handler)).build();
            top = layer;
        }
        Server server = TestServers.start(srv.apply(Server.builder().ioThreads(2).handler(top)));
        return new Rig(server, handler, layer);
    }

    private static final java.util.Map<TlsProvider, TlsContext> BY_PROVIDER = new java.util.concurrent.ConcurrentHashMap<>();

    /** One context per provider for the whole run, with the same generated certificate as {@link #tlsContext()}. */
    static TlsContext tlsContext(TlsProvider provider) {
        if (provider == TlsProvider.JDK) {
            return tlsContext();
        }
        return BY_PROVIDER.computeIfAbsent(provider, p -> TlsContext.builder().selfSigned(certificate()).provider(p).build());
    }

    private static volatile io.keel.tls.SelfSignedCertificate sharedCert;

    private static synchronized io.keel.tls.SelfSignedCertificate certificate() {
        if (sharedCert == null) {
            sharedCert = io.keel.tls.SelfSignedCertificate.generate();
        }
        return sharedCert;
    }

    /** A client context that trusts exactly the certificate of the rigs' TLS contexts (and nothing else). */
    static javax.net.ssl.SSLContext clientContext() {
        try {
            java.security.KeyStore ts = java.security.KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("server", certificate().certificate());
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(ts);
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One generated self-signed context for the whole run (key generation is the slow part). */
    static TlsContext tlsContext() {
        TlsContext c = sharedTls;
        if (c == null) {
            synchronized (Rig.class) {
                c = sharedTls;
                if (c == null) {
                    sharedTls = c = TlsContext.builder().selfSigned(certificate()).build();
                }
            }
        }
        return c;
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.port());
    }

    boolean secure() {
        return tls != null;
    }

    /** Direct 16 KiB chunks ever allocated by all loops' pools. */
    long allocatedChunks() {
        return server.loops().stream().mapToLong(l -> l.pool().allocatedChunks()).sum();
    }

    /** Pooled buffers out of the pools right now, read on each loop (the pools are loop-confined). */
    long outstandingBuffers() {
        long n = 0;
        for (var loop : server.loops()) {
            var f = new java.util.concurrent.CompletableFuture<Long>();
            loop.execute(() -> f.complete(loop.pool().outstanding()));
            n += f.join();
        }
        return n;
    }

    @Override
    public void close() {
        TestServers.closeAndCheckLeaks(server);
    }
}
