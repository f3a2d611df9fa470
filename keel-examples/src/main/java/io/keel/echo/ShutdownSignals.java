package io.keel.echo;

import io.keel.core.Server;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * SIGINT and SIGTERM start a graceful shutdown that ends with exit code 0. A JVM shutdown hook would exit
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
     * connections served". Returns once the event loops have ended. An interrupt ends the wait early.
     *
     * @param stop typically {@link #terminationLatch()}
     * @param program the name the lines start with
     * @param server a started server
     * @param grace how long clients get to answer the close before their connections are cut
     * @param out where the two lines go
     */
    public static void awaitThenShutDown(CountDownLatch stop, String program, Server server, Duration grace,
        PrintStream out) {
        awaitThenShutDown(stop, program, server, grace, out, WEBSOCKET_CLOSE);
    }

    /** What a WebSocket server's clients get at shutdown, as said by {@link #awaitThenShutDown}. */
    public static final String WEBSOCKET_CLOSE = "clients get a close with 1001, going away";

    /**
     * As {@link #awaitThenShutDown(CountDownLatch, String, Server, Duration, PrintStream)}, saying what the clients
     * get in words of the server's protocol: "{@code program}: shutting down ({@code clientsGet})".
     */
    public static void awaitThenShutDown(CountDownLatch stop, String program, Server server, Duration grace,
        PrintStream out, String clientsGet) {
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.println(program + ": shutting down (" + clientsGet + ")");
        out.flush();
        server.shutdown(grace).join();
        out.println(program + ": stopped; " + server.stats().totalConnections() + " connections served");
        out.flush();
    }

    /** SIGHUP runs {@code action} (the wss server reloads its certificate); false when the JDK refuses. */
    @SuppressWarnings("removal")
    static boolean onHangup(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> action.run());
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            return false;
        }
    }
}
