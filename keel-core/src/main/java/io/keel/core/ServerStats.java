package io.keel.core;

/**
 * A snapshot of a server's counters.
 *
 * @param currentConnections connections open now
 * @param peakConnections the most open at once, counted when a connection is admitted (a burst refused by the
 *     per-address limit, or closed for its PROXY header, does not raise it)
 * @param totalConnections connections accepted and served (opened) since the start; refused ones are not
 * @param rejectedByLimiter connections refused by the connection limiter
 * @param failedConnections connections ended by an I/O error or reset
 * @param idleTimeouts connections that timed out idle
 * @param handlerErrors handler callbacks that threw
 * @param bytesIn bytes read from sockets
 * @param bytesOut bytes written to sockets
 * @param rejectedPerAddress connections refused by the per-client-address limit
 *     ({@link Server.Builder#maxConnectionsPerAddress})
 * @param proxyHeaderFailures connections from trusted proxies closed because their PROXY header was missing or
 *     malformed ({@link Server.Builder#proxyProtocol})
 * @param proxyHeaderTimeouts connections from trusted proxies closed because their PROXY header did not arrive in
 *     time
 */
public record ServerStats(
    long currentConnections,
    long peakConnections,
    long totalConnections,
    long rejectedByLimiter,
    long failedConnections,
    long idleTimeouts,
    long handlerErrors,
    long bytesIn,
    long bytesOut,
    long rejectedPerAddress,
    long proxyHeaderFailures,
    long proxyHeaderTimeouts) {
}
