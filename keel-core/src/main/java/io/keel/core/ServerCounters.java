package io.keel.core;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one {@link Server} behind {@link Server#stats()}, and the rate-limited logs of the events they
 * count. Called by loops and acceptors from any thread: atomics and adders, no locks but the one a graceful
 * shutdown waits on for the last connection to close.
 */
final class ServerCounters {
    private static final System.Logger LOG = System.getLogger(Server.class.getName());

    private final ConnectionLimiter limiter;
    private final AtomicLong current = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final LongAdder total = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder idleTimeouts = new LongAdder();
    private final LongAdder handlerErrors = new LongAdder();
    private final LongAdder rejectedPerAddress = new LongAdder();
    private final LongAdder proxyHeaderFailures = new LongAdder();
    private final LongAdder proxyHeaderTimeouts = new LongAdder();
    private final RateLimitedLog admissionLog = new RateLimitedLog(LOG, 10_000);
    private final RateLimitedLog acceptLog = new RateLimitedLog(LOG, 10_000);
    private final RateLimitedLog handlerLog = new RateLimitedLog(LOG, 10_000);
    private final RateLimitedLog limiterLog = new RateLimitedLog(LOG, 10_000);

    ServerCounters(ConnectionLimiter limiter) {
        this.limiter = limiter;
    }

    /** A snapshot, with the byte counts {@code in} and {@code out} summed over the loops by the caller. */
    ServerStats stats(long in, long out) {
        return new ServerStats(current.get(), peak.get(), total.sum(), rejected.sum(), failed.sum(),
            idleTimeouts.sum(), handlerErrors.sum(), in, out, rejectedPerAddress.sum(), proxyHeaderFailures.sum(),
            proxyHeaderTimeouts.sum());
    }

    /** A socket was accepted: it is open (and counts for the graceful shutdown) from now on. */
    void connectionOpened() {
        current.incrementAndGet();
    }

    /**
     * An accepted connection passed admission (its PROXY header, the per-address limit) and its handler is told: it
     * counts as served, and for the peak. Refused ones never count there.
     */
    void connectionAdmitted() {
        total.increment();
        peak.accumulateAndGet(current.get(), Math::max);
    }

    /** A connection closed: its limiter slot is free; a graceful shutdown waiting for the last one is woken. */
    void connectionClosed() {
        limiter.release();
        if (current.decrementAndGet() == 0) {
            synchronized (current) {
                current.notifyAll();
            }
        }
    }

    /**
     * Waits until no connection is open or {@code deadlineNanos} ({@link System#nanoTime()}) has passed; returns
     * early when interrupted, with the interrupt flag set again.
     */
    void awaitNoConnections(long deadlineNanos) {
        while (current.get() > 0 && System.nanoTime() < deadlineNanos) {
            synchronized (current) {
                try {
                    current.wait(Math.max(1, Math.min(50, (deadlineNanos - System.nanoTime()) / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    void connectionRefusedAfterAccept() {
        limiter.release();
    }

    void connectionRejected() {
        rejected.increment();
        limiterLog.log(System.Logger.Level.WARNING, "connection refused: the connection limit is reached ("
            + rejected.sum() + " refused so far)", null);
    }

    /** Refused by the per-client-address limit; {@code client} is the address after PROXY. */
    void rejectedPerAddress(java.net.InetSocketAddress client) {
        rejectedPerAddress.increment();
        admissionLog.log(System.Logger.Level.WARNING, "connection refused: " + client
            + " has reached the per-address connection limit (" + rejectedPerAddress.sum() + " refused so far)", null);
    }

    /** A trusted proxy's connection without a valid PROXY header: closed without a reply. */
    void proxyHeaderFailed(java.net.InetSocketAddress peer, String reason) {
        proxyHeaderFailures.increment();
        admissionLog.log(System.Logger.Level.WARNING, "connection from " + peer + " closed: " + reason, null);
    }

    /** A trusted proxy's connection whose PROXY header did not arrive in time. */
    void proxyHeaderTimedOut() {
        proxyHeaderTimeouts.increment();
    }

    void connectionFailed() {
        failed.increment();
    }

    void idleTimedOut() {
        idleTimeouts.increment();
    }

    void handlerFailed(String callback, RuntimeException e) {
        handlerErrors.increment();
        handlerLog.log(System.Logger.Level.ERROR, "handler threw in " + callback + "; connection aborted", e);
    }

    void acceptFailed(IOException e) {
        acceptLog.log(System.Logger.Level.WARNING, "accept failed: " + e.getMessage(), null);
    }
}
