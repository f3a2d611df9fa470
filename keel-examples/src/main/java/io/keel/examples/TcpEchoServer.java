package io.keel.examples;

import io.keel.core.Server;
import io.keel.core.ServerStartException;
import io.keel.echo.TcpEchoHandler;
import java.time.Duration;

/**
 * A TCP echo server: every byte goes back to its sender.
 *
 * <p>Shows a {@link Server} on Keel's core with one {@link io.keel.core.ConnectionHandler} for every connection
 * ({@link TcpEchoHandler}), the server's main settings, and a graceful shutdown.
 *
 * <p>Run: {@code java -cp keel-examples/target/keel-echo.jar io.keel.examples.TcpEchoServer [port]} (default
 * 7007; 0 picks a free port). Try: {@code nc localhost 7007}.
 */
public final class TcpEchoServer {
    private TcpEchoServer() {
    }

    /** Starts the server on {@code port}; with 0, {@link Server#port()} tells which port it got. */
    public static Server start(int port) throws ServerStartException {
        return Server.builder()
            .bind("0.0.0.0", port)
            .ioThreads(Runtime.getRuntime().availableProcessors()) // event loops (this is the default)
            .maxConnections(10_000)                                // the connection limiter
            .idleTimeout(Duration.ofMinutes(5))                    // close connections silent for this long
            .handler(new TcpEchoHandler())
            .build()
            .start();                                              // a port in use: one readable line
    }

    public static void main(String[] args) throws ServerStartException {
        Server server = start(args.length > 0 ? Integer.parseInt(args[0]) : 7007);
        System.out.println("TCP echo server listening on port " + server.port());
        // Ctrl-C: stop accepting, let each connection finish, close what is left after 10 s.
        // Until then the event loops keep the JVM running.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.shutdown(Duration.ofSeconds(10)).join()));
    }
}
