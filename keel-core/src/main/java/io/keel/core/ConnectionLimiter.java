package io.keel.core;

/**
 * Decides whether one more connection may be served. Called by the acceptor for each new connection; a refused
 * connection is closed at once and counted. Implementations are called from the acceptor's loop and from the
 * loops that close connections, so they must be thread-safe.
 */
public interface ConnectionLimiter {
    /** True when one more connection may be served (a slot is then taken, and {@link #release()} frees it). */
    boolean tryAcquire();

    /** Called once for each acquired connection when it closes. */
    void release();

    /** A limiter that never refuses. */
    static ConnectionLimiter unlimited() {
        return MaxConnectionsLimiter.UNLIMITED;
    }

    /** A limiter that serves at most {@code maxConnections} connections at a time. */
    static ConnectionLimiter max(int maxConnections) {
        return new MaxConnectionsLimiter(maxConnections);
    }
}
