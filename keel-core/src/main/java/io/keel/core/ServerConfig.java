package io.keel.core;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link Server}: the defaults, the checks of each setting and the values the loops read.
 * {@link Server.Builder} fills one: through the setters below, which refuse a bad value at once with a message
 * that names the setting, or straight into a field where every value is allowed ({@link #proxy},
 * {@link #reusePort}); {@link #forServer()} then makes the server's own copy, fixed from then on.
 *
 * <p>The loops read the fields directly on the data path (watermarks, queue limit), so they stay plain fields;
 * nothing writes them once the server's copy is made.
 */
final class ServerConfig implements Cloneable {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    int backlog = 1024;
    int ioThreads = Runtime.getRuntime().availableProcessors();
    ConnectionLimiter limiter = ConnectionLimiter.unlimited();
    int lowWatermark = 32 * 1024;
    int highWatermark = 64 * 1024;
    long maxQueuedBytes = 4L * 1024 * 1024;
    boolean reusePort;
    int maxPooledChunksPerLoop = 1024;
    ConnectionHandler handler;
    /** How the loops reach the kernel; the system property keel.transport, else NIO. */
    Transports.Choice transport = Transports.choose(System.getProperty(Transports.DEFAULT_PROPERTY, "nio"));
    /** The PROXY protocol, or null when off (the default). */
    ProxyProtocolConfig proxy;

    /** As set; turned into {@link #idleTimeoutNanos} by {@link #forServer()}. */
    private Duration idleTimeout = Duration.ZERO;
    /** As set, 0 meaning off; turned into {@link #perAddress} by {@link #forServer()}. */
    private int maxPerAddress;

    // derived by forServer(), for the server's copy only
    long idleTimeoutNanos;
    long proxyHeaderTimeoutNanos;
    /** The per-client-address connection limit, or null when off (the default). */
    ConnectionsPerAddress perAddress;

    void address(InetSocketAddress address) {
        this.address = Objects.requireNonNull(address);
    }

    /** Checks the port here; a host name that does not resolve is kept unresolved, for start() to report. */
    void address(String host, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, got " + port);
        }
        InetSocketAddress a;
        try {
            a = new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (java.net.UnknownHostException e) {
            a = InetSocketAddress.createUnresolved(host, port);
        }
        address(a);
    }

    void backlog(int backlog) {
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be at least 1, got " + backlog);
        }
        this.backlog = backlog;
    }

    void ioThreads(int n) {
        if (n < 1 || n > 1024) {
            throw new IllegalArgumentException("io threads must be 1-1024, got " + n);
        }
        this.ioThreads = n;
    }

    void limiter(ConnectionLimiter limiter) {
        this.limiter = Objects.requireNonNull(limiter);
    }

    void maxPerAddress(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max connections per address must be 0 (off) or more, got " + max);
        }
        this.maxPerAddress = max;
    }

    void idleTimeout(Duration timeout) {
        if (timeout.isNegative()) { // a null timeout throws NullPointerException here
            throw new IllegalArgumentException("idle timeout must not be negative");
        }
        this.idleTimeout = timeout;
    }

    void writeWatermarks(int low, int high) {
        if (low < 0 || high < low) {
            throw new IllegalArgumentException("need 0 <= low <= high watermark, got " + low + ", " + high);
        }
        this.lowWatermark = low;
        this.highWatermark = high;
    }

    void maxQueuedBytes(long max) {
        if (max < 1) {
            throw new IllegalArgumentException("max queued bytes must be positive");
        }
        this.maxQueuedBytes = max;
    }

    void maxPooledChunksPerLoop(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("max pooled chunks per loop must be 0 or more, got " + n);
        }
        this.maxPooledChunksPerLoop = n;
    }

    void transport(String name) {
        this.transport = Transports.choose(java.util.Objects.requireNonNull(name, "transport"));
    }

    void handler(ConnectionHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * The server's own copy, with the derived values (nanoseconds, a fresh per-address table) filled in, so that a
     * builder used again afterwards changes nothing of a server already built.
     *
     * @throws IllegalStateException when no handler was set
     */
    ServerConfig forServer() {
        if (handler == null) {
            throw new IllegalStateException("a ConnectionHandler is required");
        }
        ServerConfig c;
        try {
            // shallow is right: every field is a value or an immutable/shared-by-design object (limiter, handler)
            c = (ServerConfig) clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
        c.idleTimeoutNanos = idleTimeout.toNanos();
        c.proxyHeaderTimeoutNanos = proxy == null ? 0 : proxy.headerTimeout().toNanos();
        c.perAddress = maxPerAddress > 0 ? new ConnectionsPerAddress(maxPerAddress) : null;
        return c;
    }
}
