package io.keel.chat;

import io.keel.core.ConnectionHandler;
import io.keel.core.Server;
import io.keel.core.ServerStartException;
import io.keel.echo.SelfSignedCache;
import io.keel.echo.ServerProgram;
import io.keel.echo.StartupException;
import io.keel.tls.TlsContext;
import io.keel.tls.TlsServerLayer;
import io.keel.websocket.HttpFallback;
import io.keel.websocket.WebSocketProtocolHandler;
import io.keel.websocket.http.HttpResponses;
import java.util.List;

/** The chat program's server: {@link ChatHandler} behind the WebSocket layer (and TLS for wss), a page on GET /. */
final class ChatServer {
    /** Chat lines are short; a large message would be copied into every client's queue. */
    static final int MAX_MESSAGE_SIZE = 64 * 1024;

    final ChatOptions options;
    final Server server;
    final WebSocketProtocolHandler webSocket;
    final TlsContext tls; // null unless wss
    final SelfSignedCache.Result selfSigned; // null unless wss

    private ChatServer(ChatOptions options) throws StartupException {
        this.options = options;
        webSocket = WebSocketProtocolHandler.builder(new ChatHandler())
            .maxMessageSize(MAX_MESSAGE_SIZE)
            .httpFallback(page())
            .build();
        ConnectionHandler handler = webSocket;
        if (options.secure) {
            selfSigned = options.selfSignedDir != null ? SelfSignedCache.obtain(options.selfSignedDir, true)
                : SelfSignedCache.obtain(SelfSignedCache.defaultDir(System.getenv(), System.getProperty("user.home")),
                    false);
            tls = ServerProgram.tlsContext(options.tlsProvider, b -> b.selfSigned(selfSigned.certificate()));
            handler = new TlsServerLayer(tls, webSocket);
        } else {
            selfSigned = null;
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

    /**
     * The lines printed once the server accepts connections: the WebSocket URL and the chat page (and for wss the
     * certificate's fingerprint, then where it is kept).
     */
    List<String> listeningLines() {
        String address = ServerProgram.urlHost(server.localAddress()) + ":" + server.port() + "/";
        if (!options.secure) {
            return List.of("ws chat server listening on ws://" + address + "; chat page http://" + address);
        }
        return List.of("wss chat server listening on wss://" + address + " (TLS " + options.tlsProvider
                + ", certificate SHA-256 " + tls.sha256Fingerprint() + "); chat page https://" + address,
            selfSigned.file() != null
                ? "  certificate: " + selfSigned.certificateFile() + " (self-signed: accept it once in the browser,"
                    + " or trust this file)"
                : "  certificate: self-signed, in memory only (a new one at each start)");
    }
}
