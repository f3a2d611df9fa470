package io.keel.echo;

import io.keel.core.ConnectionHandler;
import io.keel.core.Server;
import io.keel.core.ServerStartException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * {@code keel-echo}: the echo servers of the seed (tcp, ws, and the flagship wss) behind one command line.
 * Exit codes: 0 after a graceful shutdown, 1 when the server cannot start, 2 for a bad command line.
 */
public final class EchoMain {
    private EchoMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        EchoOptions options;
        try {
            options = EchoOptions.parse(args);
        } catch (UsageException e) {
            err.println("keel-echo: " + e.getMessage());
            err.println("Try 'keel-echo --help'.");
            return 2;
        }
        if (options.help) {
            out.print(EchoOptions.USAGE);
            return 0;
        }
        Server server;
        try {
            server = build(options, out);
            server.start();
        } catch (ServerStartException | StartupException e) {
            err.println("keel-echo: " + e.getMessage());
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        ShutdownSignals.onTerminate(stop::countDown);
        out.println("keel-echo: " + describe(options, server));
        out.flush();
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.println("keel-echo: shutting down");
        server.shutdown(Duration.ofSeconds(options.shutdownGraceSeconds)).join();
        out.println("keel-echo: stopped; " + server.stats().totalConnections() + " connections served");
        out.flush();
        return 0;
    }

    private static Server build(EchoOptions o, PrintStream out) throws StartupException {
        ConnectionHandler handler = switch (o.mode) {
            case TCP -> new TcpEchoHandler();
            case WS, WSS -> throw new StartupException("mode " + o.mode.name().toLowerCase() + " is not available yet");
        };
        Server.Builder b = Server.builder()
            .bind(o.bind, o.portOrDefault())
            .backlog(o.backlog)
            .ioThreads(o.ioThreads)
            .idleTimeout(Duration.ofSeconds(o.idleTimeoutSeconds))
            .reusePort(o.reusePort)
            .handler(handler);
        if (o.maxConnections > 0) {
            b.maxConnections(o.maxConnections);
        }
        return b.build();
    }

    private static String describe(EchoOptions o, Server server) {
        String host = server.localAddress().getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return switch (o.mode) {
            case TCP -> "tcp echo server listening on " + host + ":" + server.port();
            case WS -> "ws echo server listening on ws://" + host + ":" + server.port() + "/";
            case WSS -> "wss echo server listening on wss://" + host + ":" + server.port() + "/";
        };
    }
}
