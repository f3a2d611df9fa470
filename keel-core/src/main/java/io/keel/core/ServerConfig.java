package io.keel.core;

import java.net.InetSocketAddress;

/** Settings of a {@link Server}, fixed when it is built. */
final class ServerConfig {
    InetSocketAddress address;
    int backlog;
    int ioThreads;
    ConnectionLimiter limiter;
    long idleTimeoutNanos;
    int lowWatermark;
    int highWatermark;
    long maxQueuedBytes;
    boolean reusePort;
    int maxPooledChunksPerLoop;
    ConnectionHandler handler;
    /** The PROXY protocol, or null when off (the default). */
    ProxyProtocolConfig proxy;
    long proxyHeaderTimeoutNanos;
    /** The per-client-address connection limit, or null when off (the default). */
    ConnectionsPerAddress perAddress;
}
