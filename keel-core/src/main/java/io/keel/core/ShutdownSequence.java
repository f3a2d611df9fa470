package io.keel.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The steps of a {@link Server}'s graceful shutdown, in order: close the listeners, ask every connection's handler
 * to finish ({@link ConnectionHandler#onShutdown}), wait for the last connection or the grace deadline, stop the
 * loops (which aborts what is left), wait for them to end, complete the future. The waiting runs on its own daemon
 * thread so that {@link Server#shutdown(Duration)} returns at once. Whether to begin at all (started, not already
 * shutting down) is the server's decision.
 */
final class ShutdownSequence {
    private static final System.Logger LOG = System.getLogger(Server.class.getName());

    private final CountDownLatch loopsRunning;
    private final CompletableFuture<Void> termination = new CompletableFuture<>();

    /** For a server of {@code loops} event loops, each of which calls {@link #loopTerminated()} once when it ends. */
    ShutdownSequence(int loops) {
        this.loopsRunning = new CountDownLatch(loops);
    }

    /** Completes when every loop has ended (or at once for a server that never started). */
    CompletableFuture<Void> termination() {
        return termination;
    }

    private volatile Throwable failure;

    /** A loop failed: the termination completes with {@code cause} (the first one) instead of normally. */
    void failed(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
    }

    /** Called by each loop as it ends. */
    void loopTerminated() {
        loopsRunning.countDown();
    }

    /** A server that never started has nothing to stop: it is terminated now. */
    void completeUnstarted() {
        termination.complete(null);
    }

    /**
     * Runs the sequence; call once.
     *
     * @param grace how long the handlers get to close their connections before the rest are aborted
     */
    void begin(List<Acceptor> acceptors, LoopGroup loops, ServerCounters counters, Duration grace) {
        for (Acceptor a : acceptors) {
            a.home().execute(a::close);
        }
        for (EventLoop l : loops.all()) {
            l.execute(() -> {
                for (NioConnection c : l.connections()) {
                    c.serverShutdown();
                }
            });
        }
        Thread waiter = new Thread(() -> {
            counters.awaitNoConnections(System.nanoTime() + grace.toNanos());
            for (EventLoop l : loops.all()) {
                l.stop(); // aborts whatever is left
            }
            try {
                if (!loopsRunning.await(10, TimeUnit.SECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, "event loops did not stop within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Throwable f = failure;
            if (f != null) {
                termination.completeExceptionally(f);
            } else {
                termination.complete(null);
            }
        }, "keel-shutdown");
        waiter.setDaemon(true);
        waiter.start();
    }
}
