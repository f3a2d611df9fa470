package io.keel.echo;

import io.keel.core.Server;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;

/**
 * SIGINT and SIGTERM start a graceful shutdown that ends with exit code 0; a server that fails by itself ends with
 * one line on stderr and exit code 1. A JVM shutdown hook would exit
 * with 130/143 once it returns, so the signals are taken directly when the JDK allows it.
 */
public final class ShutdownSignals {
    private ShutdownSignals() {
    }

    /**
     * Runs {@code action} on SIGINT or SIGTERM (on a JDK that refuses the signals: at JVM shutdown instead).
     *
     * @param action run on the JDK's signal thread; must not block for long
     */
    @SuppressWarnings("removal")
    public static void onTerminate(Runnable action) {
        boolean handled = true;
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> action.run());
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                handled = false;
            }
        }
        if (!handled) {
            Runtime.getRuntime().addShutdownHook(new Thread(action, "keel-shutdown-hook"));
        }
    }

    /**
     * A latch that SIGINT or SIGTERM opens. Take it before printing the "listening" line, so that a signal sent as
     * soon as that line is seen already means a graceful shutdown rather than the JVM's default exit.
     *
     * @return the latch, counted down by the first signal
     */
    public static CountDownLatch terminationLatch() {
        CountDownLatch stop = new CountDownLatch(1);
        onTerminate(stop::countDown);
        return stop;
    }

    /**
     * Waits for {@code stop}, then shuts {@code server} down gracefully (every WebSocket gets a close with 1001),
     * saying so on {@code out} as "{@code program}: shutting down ..." and "{@code program}: stopped; N
     * connections served". Returns once the event loops have ended. An interrupt ends the wait early. A server that
     * fails by itself ({@link Server#termination()} completes exceptionally: an event loop's transport broke) ends
     * the wait too, without those lines: the caller reports the failure it returns.
     *
     * @param stop typically {@link #terminationLatch()}
     * @param program the name the lines start with
     * @param server a started server
     * @param grace how long clients get to answer the close before their connections are cut
     * @param out where the two lines go
     * @return null after a shutdown, else the server's failure (one sentence in its message), for one line on
     *     stderr and a non-zero exit
     */
    public static Throwable awaitThenShutDown(CountDownLatch stop, String program, Server server, Duration grace,
        PrintStream out) {
        return awaitThenShutDown(stop, program, server, grace, out, WEBSOCKET_CLOSE);
    }

    /**
     * The failure of a server that stopped by itself, or null while it runs or after a shutdown.
     *
     * @param server a started server
     * @return the cause {@link Server#termination()} completed with, or null
     */
    static Throwable failure(Server server) {
        CompletableFuture<Void> t = server.termination();
        if (!t.isCompletedExceptionally()) {
            return null;
        }
        try {
            t.join();
            return null;
        } catch (CompletionException | CancellationException e) {
            return e.getCause() != null ? e.getCause() : e;
        }
    }

    /** What a WebSocket server's clients get at shutdown, as said by {@link #awaitThenShutDown}. */
    public static final String WEBSOCKET_CLOSE = "clients get a close with 1001, going away";

    /**
     * As {@link #awaitThenShutDown(CountDownLatch, String, Server, Duration, PrintStream)}, saying what the clients
     * get in words of the server's protocol: "{@code program}: shutting down ({@code clientsGet})".
     */
    public static Throwable awaitThenShutDown(CountDownLatch stop, String program, Server server, Duration grace,
        PrintStream out, String clientsGet) {
        server.termination().whenComplete((v, e) -> stop.countDown());
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Throwable failed = failure(server);
        if (failed != null) {
            return failed;
        }
        out.println(program + ": shutting down (" + clientsGet + ")");
        out.flush();
        try {
            server.shutdown(grace).join();
        } catch (CompletionException e) {
            return failure(server);
        }
        out.println(program + ": stopped; " + server.stats().totalConnections() + " connections served");
        out.flush();
        return null;
    }

    /**
     * SIGHUP runs {@code action} instead of ending the JVM (its default): the wss server reloads its certificate,
     * an access log is reopened.
     *
     * @param action run on the JDK's signal thread; must not block for long
     * @return false when the JDK refuses to hand the signal over
     */
    @SuppressWarnings("removal")
    public static boolean onHangup(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> action.run());
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            return false;
        }
    }
}
