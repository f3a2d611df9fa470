package io.keel.echo;

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
        ServerProgram.oneLineLogRecords();
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
        EchoServer echo;
        try {
            echo = EchoServer.start(options);
        } catch (StartupException e) {
            err.println("keel-echo: " + e.getMessage());
            return 1;
        }
        CountDownLatch stop = ShutdownSignals.terminationLatch();
        out.println("keel-echo: " + echo.listeningLine());
        out.flush();
        if (echo.tls != null) {
            ShutdownSignals.onHangup(() -> {
                try {
                    echo.tls.reload();
                    out.println("keel-echo: certificate reloaded (SHA-256 " + echo.tls.sha256Fingerprint() + ")");
                } catch (RuntimeException e) {
                    err.println("keel-echo: certificate reload failed, keeping the current one: " + e.getMessage());
                }
                out.flush();
            });
        }
        if (options.statsSeconds > 0) {
            StatsPrinter.start(echo, out, options.statsSeconds);
        }
        ShutdownSignals.awaitThenShutDown(stop, "keel-echo", echo.server,
            Duration.ofSeconds(options.shutdownGraceSeconds), out);
        return 0;
    }
}
