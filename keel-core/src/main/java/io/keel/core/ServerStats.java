package io.keel.core;

/** A snapshot of a server's counters. */
public record ServerStats(
    long currentConnections,
    long peakConnections,
    long totalConnections,
    long rejectedByLimiter,
    long failedConnections,
    long idleTimeouts,
    long handlerErrors,
    long bytesIn,
    long bytesOut) {
}
