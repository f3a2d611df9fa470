package io.keel.examples;

import io.keel.chat.ChatHandler;
import io.keel.core.Server;
import io.keel.core.ServerStartException;
import io.keel.websocket.WebSocketProtocolHandler;
import io.keel.websocket.http.HttpResponses;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A chat room (ws://): every message from any client goes to every client connected at that moment, its
 * sender included.
 *
 * <p>Shows publish/subscribe: {@link ChatHandler} subscribes each client to one topic and publishes what it
 * sends there. Also shows an {@code httpFallback}, which answers plain HTTP requests on the same port: here a
 * small chat page on {@code GET /}.
 *
 * <p>Run: {@code java -cp keel-examples/target/keel-echo.jar io.keel.examples.ChatRoomServer [port]} (default
 * 8080; 0 picks a free port), then open http://localhost:8080/ in two browser tabs.
 */
public final class ChatRoomServer {
    private static final byte[] PAGE = """
        <!doctype html><meta charset="utf-8"><title>Keel chat room</title>
        <pre id="log"></pre><input id="line" placeholder="Type a message, press Enter" autofocus>
        <script>
        const log = document.getElementById("log"), line = document.getElementById("line");
        const ws = new WebSocket("ws://" + location.host + "/");
        ws.onmessage = e => log.textContent += e.data + "\\n";
        line.onkeydown = e => { if (e.key === "Enter" && line.value) { ws.send(line.value); line.value = ""; } };
        </script>
        """.getBytes(StandardCharsets.UTF_8);

    private ChatRoomServer() {
    }

    /** Starts the server on {@code port}; with 0, {@link Server#port()} tells which port it got. */
    public static Server start(int port) throws ServerStartException {
        WebSocketProtocolHandler webSocket = WebSocketProtocolHandler.builder(new ChatHandler())
            .maxMessageSize(64 * 1024)                      // chat lines are short; each is copied to every queue
            .httpFallback((request, connection) -> request.path().equals("/")
                ? HttpResponses.ok("text/html; charset=utf-8", PAGE, false)
                : HttpResponses.error(404, "not found"))
            .build();
        return Server.builder()
            .bind("0.0.0.0", port)
            .handler(webSocket)
            .build()
            .start();
    }

    public static void main(String[] args) throws ServerStartException {
        Server server = start(args.length > 0 ? Integer.parseInt(args[0]) : 8080);
        System.out.println("Chat room on ws://localhost:" + server.port() + "/, page at http://localhost:"
            + server.port() + "/");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.shutdown(Duration.ofSeconds(10)).join()));
    }
}
