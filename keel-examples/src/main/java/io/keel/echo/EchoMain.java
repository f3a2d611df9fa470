package io.keel.echo;

import java.io.PrintStream;
import java.time.Duration;

/**
 * {@code keel-echo}: the echo servers (tcp, ws, and the flagship wss) behind one command line.
 * Exit codes: 0 after a graceful shutdown, 1 when the server cannot start or fails while running (an event loop's
 * transport broke), 2 for a bad command line; each failure
 * is one line on stderr, never a Java exception's text.
 */
public final class EchoMain {
    private EchoMain() {
    }

    public static void main(String[] args) {
        ServerProgram.oneLineLogRecords();
        ServerProgram.startLineSaysTheTransport();
        System.exit(run(args, System.out, System.err));
    }

    /**
     * SIGHUP: the wss server re-reads its certificate files, and an access-log file is reopened (after logrotate
     * moved it); one line says what was done, or that there was nothing to reload.
     */
    static void reload(EchoServer echo, PrintStream out, PrintStream err) {
        boolean any = false;
        if (echo.tls != null) {
            any = true;
            try {
                echo.tls.reload();
                out.println("keel-echo: certificate reloaded (SHA-256 " + echo.tls.sha256Fingerprint() + ")");
            } catch (RuntimeException e) {
                err.println("keel-echo: certificate reload failed, keeping the current one: " + ServerProgram.describe(e));
            }
        }
        if (echo.accessLog != null && echo.accessLog.reopen()) {
            any = true;
            out.println("keel-echo: access log reopened");
        }
        if (!any) {
            out.println("keel-echo: SIGHUP: nothing to reload (no certificate, no access-log file); still serving");
        }
        out.flush();
        err.flush();
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        EchoOptions options;
        try {
            options = EchoOptions.parse(args);
        } catch (UsageException e) {
            err.println("keel-echo: " + e.getMessage() + " (try 'keel-echo --help')");
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
        DrainingShutdown shutdown = DrainingShutdown.onSignals();
        if (echo.selfSigned != null && echo.selfSigned.note() != null) {
            (echo.selfSigned.warning() ? err : out).println("keel-echo: " + echo.selfSigned.note());
            err.flush();
        }
        // one print: the lines arrive together
        out.print("keel-echo: " + String.join(System.lineSeparator(), echo.listeningLines()) + System.lineSeparator());
        out.flush();
        if (echo.tls != null) {
            ServerProgram.warmUpInBackground(echo.tls, options.tlsWarmUpHandshakes, out);
        }
        // in every mode: a SIGHUP (systemctl reload, logrotate) must never end the server as the JVM's default would
        ShutdownSignals.onHangup(() -> reload(echo, out, err));
        if (options.statsSeconds > 0) {
            StatsPrinter.start(echo, out, options.statsSeconds);
        }
        Throwable failed = shutdown.awaitThenDrainAndShutDown(echo, Duration.ofSeconds(options.drainDelaySeconds),
            Duration.ofSeconds(options.shutdownGraceSeconds), out);
        echo.closeAdminAndAccessLog();
        if (failed != null) {
            err.println("keel-echo: stopped: " + failed.getMessage());
            return 1;
        }
        return 0;
    }
}
