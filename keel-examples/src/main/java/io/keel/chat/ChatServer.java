package io.keel.chat;

import io.keel.core.ConnectionHandler;
import io.keel.core.Server;
import io.keel.core.ServerStartException;
import io.keel.echo.ServerProgram;
import io.keel.echo.StartupException;
import io.keel.tls.TlsContext;
import io.keel.tls.TlsServerLayer;
import io.keel.websocket.HttpFallback;
import io.keel.websocket.WebSocketProtocolHandler;
import io.keel.websocket.protocol.HttpResponses;

/** The chat program's server: {@link ChatHandler} behind the WebSocket layer (and TLS for wss), a page on GET /. */
final class ChatServer {
    /** Chat lines are short; a large message would be copied into every client's queue. */
    static final int MAX_MESSAGE_SIZE = 64 * 1024;

    final ChatOptions options;
    final Server server;
    final WebSocketProtocolHandler webSocket;
    final TlsContext tls; // null unless wss

    private ChatServer(ChatOptions options) throws StartupException {
        this.options = options;
        webSocket = WebSocketProtocolHandler.builder(new ChatHandler())
            .maxMessageSize(MAX_MESSAGE_SIZE)
            .httpFallback(page())
            .build();
        ConnectionHandler handler = webSocket;
        if (options.secure) {
            tls = ServerProgram.tlsContext(options.tlsProvider, TlsContext.Builder::selfSigned);
            handler = new TlsServerLayer(tls, webSocket);
        } else {
            tls = null;
        }
        server = Server.builder()
            .bind(options.bind, options.port)
            .ioThreads(options.ioThreads)
            .handler(handler)
            .build();
    }

    /**
     * Builds and starts the server {@code options} describe.
     *
     * @throws StartupException when the TLS set-up fails or the address cannot be bound
     */
    static ChatServer start(ChatOptions options) throws StartupException {
        ChatServer chat = new ChatServer(options);
        try {
            chat.server.start();
        } catch (ServerStartException e) {
            throw new StartupException(e.getMessage(), e);
        }
        return chat;
    }

    private static HttpFallback page() {
        byte[] html = ServerProgram.resource(ChatServer.class, "chat.html");
        return (request, connection) -> request.path().equals("/")
            ? HttpResponses.ok("text/html; charset=utf-8", html, false)
            : HttpResponses.error(404, "not found");
    }

    /** The line printed once the server accepts connections: the WebSocket URL (and for wss the certificate). */
    String listeningLine() {
        String address = ServerProgram.urlHost(server.localAddress()) + ":" + server.port() + "/";
        return options.secure
            ? "wss chat server listening on wss://" + address + " (TLS " + options.tlsProvider
                + ", certificate SHA-256 " + tls.sha256Fingerprint() + "); chat page https://" + address
            : "ws chat server listening on ws://" + address + "; chat page http://" + address;
    }
}
