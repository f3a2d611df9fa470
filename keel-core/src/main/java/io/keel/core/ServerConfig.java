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
}
