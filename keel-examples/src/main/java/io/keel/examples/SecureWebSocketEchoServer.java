package io.keel.examples;

import io.keel.core.ConnectionHandler;
import io.keel.core.Server;
import io.keel.core.ServerStartException;
import io.keel.echo.WebSocketEchoHandler;
import io.keel.tls.TlsContext;
import io.keel.tls.TlsProvider;
import io.keel.tls.TlsServerLayer;
import io.keel.websocket.WebSocketProtocolHandler;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A secure WebSocket echo server (wss://): {@link WebSocketEchoServer} with a TLS layer in front.
 *
 * <p>Shows a {@link TlsContext} (certificate, key, TLS implementation) and the {@link TlsServerLayer} that puts
 * it between the socket and the WebSocket layer. Nothing else changes.
 *
 * <p>Run: {@code java -cp keel-examples/target/keel-echo.jar io.keel.examples.SecureWebSocketEchoServer [port
 * [cert.pem key.pem]]} (default 8443; 0 picks a free port; without files, a generated self-signed
 * certificate). Try: {@code websocat -k wss://localhost:8443/}.
 */
public final class SecureWebSocketEchoServer {
    private SecureWebSocketEchoServer() {
    }

    /** Starts the server on {@code port} with {@code tls}; with 0, {@link Server#port()} tells which port it got. */
    public static Server start(int port, TlsContext tls) throws ServerStartException {
        ConnectionHandler webSocket = WebSocketProtocolHandler.builder(new WebSocketEchoHandler()).build();
        return Server.builder()
            .bind("0.0.0.0", port)
            .handler(new TlsServerLayer(tls, webSocket))    // the one difference from the plain server
            .build()
            .start();
    }

    public static void main(String[] args) throws ServerStartException {
        TlsContext.Builder tls = TlsContext.builder()
            .provider(TlsProvider.JDK);                     // or TlsProvider.OPENSSL: BoringSSL, see the README
        if (args.length >= 3) {
            tls.certificate(Path.of(args[1]), Path.of(args[2])); // PEM certificate chain and private key
        } else {
            tls.selfSigned();                               // a throw-away certificate for localhost
        }
        Server server = start(args.length > 0 ? Integer.parseInt(args[0]) : 8443, tls.build());
        System.out.println("Secure WebSocket echo server listening on wss://localhost:" + server.port() + "/");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.shutdown(Duration.ofSeconds(10)).join()));
    }
}
