package io.keel.chat;

import io.keel.echo.ServerProgram;
import io.keel.echo.ShutdownSignals;
import io.keel.echo.StartupException;
import io.keel.echo.UsageException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * {@code keel-chat}: one chat room over ws:// or wss://, with a chat page on {@code GET /}. Exit codes: 0 after a
 * graceful shutdown (SIGINT/SIGTERM), 1 when the server cannot start, 2 for a bad command line; each failure is
 * one line on stderr.
 */
public final class ChatMain {
    /** How long clients get to answer the 1001 close at shutdown (browsers answer at once). */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    private ChatMain() {
    }

    /**
     * Runs the chat server until SIGINT or SIGTERM, then exits.
     *
     * @param args the command line; {@code --help} lists it
     */
    public static void main(String[] args) {
        ServerProgram.oneLineLogRecords();
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        ChatOptions options;
        try {
            options = ChatOptions.parse(args);
        } catch (UsageException e) {
            err.println("keel-chat: " + e.getMessage() + " (try 'keel-chat --help')");
            return 2;
        }
        if (options.help) {
            out.print(ChatOptions.USAGE);
            return 0;
        }
        ChatServer chat;
        try {
            chat = ChatServer.start(options);
        } catch (StartupException e) {
            err.println("keel-chat: " + e.getMessage());
            return 1;
        }
        CountDownLatch stop = ShutdownSignals.terminationLatch();
        // a SIGHUP (systemctl reload) must not end the chat as the JVM's default would: nothing to reload
        ShutdownSignals.onHangup(() -> {
            out.println("keel-chat: SIGHUP: nothing to reload; still serving");
            out.flush();
        });
        if (chat.selfSigned != null && chat.selfSigned.note() != null) {
            (chat.selfSigned.warning() ? err : out).println("keel-chat: " + chat.selfSigned.note());
            err.flush();
        }
        out.print("keel-chat: " + String.join(System.lineSeparator(), chat.listeningLines()) + System.lineSeparator());
        out.flush();
        Throwable failed = ShutdownSignals.awaitThenShutDown(stop, "keel-chat", chat.server, SHUTDOWN_GRACE, out);
        if (failed != null) {
            err.println("keel-chat: stopped: " + failed.getMessage());
            return 1;
        }
        return 0;
    }
}
