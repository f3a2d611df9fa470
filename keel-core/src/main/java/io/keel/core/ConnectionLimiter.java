package io.keel.core;

/**
 * Decides whether one more connection may be served (the seed's ILimitConnections). Called by the acceptor for
 * each new connection; a refused connection is closed at once and counted.
 */
public interface ConnectionLimiter {
    boolean tryAcquire();

    /** Called once for each acquired connection when it closes. */
    void release();

    static ConnectionLimiter unlimited() {
        return MaxConnectionsLimiter.UNLIMITED;
    }

    static ConnectionLimiter max(int maxConnections) {
        return new MaxConnectionsLimiter(maxConnections);
    }
}
