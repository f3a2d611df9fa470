package io.keel.echo;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shutdown sequence of a server behind a load balancer (HAProxy, a Kubernetes Service): on the first SIGTERM
 * or SIGINT, {@code /healthz} answers 503 for the drain delay while every client, established or new, is still
 * served, so the balancer's health checks see the server leave and stop sending it new clients; then the graceful
 * shutdown (every WebSocket gets a close with 1001, going away; connections still open at the end of the grace are
 * cut). A second signal during the delay skips the rest of it. One line per phase.
 */
final class DrainingShutdown {
    private final AtomicInteger signals = new AtomicInteger();
    private final CountDownLatch first = new CountDownLatch(1);
    private final CountDownLatch second = new CountDownLatch(1);

    private DrainingShutdown() {
    }

    /**
     * Takes SIGINT and SIGTERM from now on (call it before printing the "listening" line, so a signal sent as soon
     * as that line is seen already drains).
     *
     * @return the sequence, waiting for its first signal
     */
    static DrainingShutdown onSignals() {
        DrainingShutdown d = new DrainingShutdown();
        ShutdownSignals.onTerminate(d::signalled);
        return d;
    }

    /** A SIGINT or SIGTERM: the first starts the drain, the second ends its delay early. */
    void signalled() {
        int n = signals.incrementAndGet();
        if (n == 1) {
            first.countDown();
        } else if (n == 2) {
            second.countDown();
        }
    }

    /**
     * Waits for the first signal, then drains and shuts {@code echo} down; returns once its event loops have
     * ended. Lines on {@code out}: "keel-echo: draining ..." (not with a zero delay), then the two lines of
     * {@link ShutdownSignals#awaitThenShutDown}. A server that fails by itself ends the wait at once.
     *
     * @param drainDelay how long {@code /healthz} answers 503 before the clients are closed; zero skips it
     * @param grace how long clients get to answer the close before their connections are cut
     * @return null after the shutdown, else the failure that stopped the server by itself
     */
    Throwable awaitThenDrainAndShutDown(EchoServer echo, Duration drainDelay, Duration grace, PrintStream out) {
        echo.server.termination().whenComplete((v, e) -> {
            first.countDown(); // a server that failed by itself has nothing to drain
            second.countDown();
        });
        try {
            first.await();
            if (!drainDelay.isZero() && ShutdownSignals.failure(echo.server) == null) {
                echo.startDraining();
                out.println("keel-echo: draining: /healthz answers 503 for " + drainDelay.toSeconds()
                    + " s while clients are still served (a second SIGTERM or SIGINT skips the wait)");
                out.flush();
                if (second.await(drainDelay.toNanos(), TimeUnit.NANOSECONDS)
                    && ShutdownSignals.failure(echo.server) == null) {
                    out.println("keel-echo: drain delay cut short by a second signal");
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ShutdownSignals.awaitThenShutDown(first, "keel-echo", echo.server, grace, out,
            echo.webSocket != null ? ShutdownSignals.WEBSOCKET_CLOSE : "open connections are closed");
    }
}
