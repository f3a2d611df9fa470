package io.keel.examples;

import io.keel.core.ConnectionHandler;
import io.keel.core.Server;
import io.keel.core.ServerStartException;
import io.keel.echo.WebSocketEchoHandler;
import io.keel.websocket.BackpressurePolicy;
import io.keel.websocket.WebSocketProtocolHandler;
import io.keel.websocket.protocol.ProtocolVersion;
import java.time.Duration;

/**
 * A WebSocket echo server (ws://): every message goes back to its sender.
 *
 * <p>Shows the WebSocket layer, {@link WebSocketProtocolHandler}, between the server and the application's
 * {@link io.keel.websocket.WebSocketHandler} ({@link WebSocketEchoHandler}), with its main settings.
 *
 * <p>Run: {@code java -cp keel-examples/target/keel-echo.jar io.keel.examples.WebSocketEchoServer [port]}
 * (default 9001; 0 picks a free port). Try: {@code websocat ws://localhost:9001/}.
 */
public final class WebSocketEchoServer {
    private WebSocketEchoServer() {
    }

    /** Starts the server on {@code port}; with 0, {@link Server#port()} tells which port it got. */
    public static Server start(int port) throws ServerStartException {
        ConnectionHandler webSocket = WebSocketProtocolHandler.builder(new WebSocketEchoHandler())
            .versions(ProtocolVersion.values())             // RFC 6455, HyBi-08, HyBi-07, Hixie-76 (the default)
            .maxMessageSize(16 << 20)                       // a bigger message: close 1009 (the default)
            .backpressure(BackpressurePolicy.PAUSE_READING) // a client that does not read is not read (the default)
            .build();
        return Server.builder()
            .bind("0.0.0.0", port)
            .handler(webSocket)
            .build()
            .start();
    }

    public static void main(String[] args) throws ServerStartException {
        Server server = start(args.length > 0 ? Integer.parseInt(args[0]) : 9001);
        System.out.println("WebSocket echo server listening on ws://localhost:" + server.port() + "/");
        // Ctrl-C: every WebSocket gets a close with 1001 (going away); what is left is closed after 10 s
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.shutdown(Duration.ofSeconds(10)).join()));
    }
}
