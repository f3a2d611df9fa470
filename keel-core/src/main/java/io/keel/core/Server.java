package io.keel.core;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A stream socket server: a listening address with a backlog, a pool of event loops (one selector thread
 * each), a connection limiter and one {@link ConnectionHandler} for every connection.
 *
 * <pre>{@code
 * Server server = Server.builder()
 *     .bind("127.0.0.1", 7007)
 *     .handler(new EchoHandler())
 *     .build();
 * server.start();
 * }</pre>
 */
public final class Server implements AutoCloseable {
    final ServerConfig config;
    private final LoopGroup loops = new LoopGroup();
    private final List<Acceptor> acceptors = new ArrayList<>();
    private final ShutdownSequence shutdownSequence;
    private volatile boolean started;
    private volatile boolean shuttingDown;
    private InetSocketAddress boundAddress;

    /** Connection counts and the logs of refused, failed and misbehaving connections; called from any thread. */
    final ServerCounters counters;

    private Server(ServerConfig config) {
        this.config = config;
        this.shutdownSequence = new ShutdownSequence(config.ioThreads);
        this.counters = new ServerCounters(config.limiter);
    }

    /**
     * A new builder with the defaults: the loopback address on port 0 (a free port), backlog 1024, one I/O thread
     * per available processor, no connection limit, no idle timeout, write watermarks 32/64 KiB, a 4 MiB queue limit
     * per connection and 1024 pooled chunks per loop. Only the handler has no default.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds and starts the loops. Fails with one readable line (port in use, address not available, permission
     * denied) rather than a bare stack trace.
     *
     * @return this server, now accepting
     * @throws ServerStartException when the address does not resolve or cannot be listened on
     * @throws IllegalStateException when the server was already started
     */
    public synchronized Server start() throws ServerStartException {
        if (started) {
            throw new IllegalStateException(shuttingDown
                ? "the server was shut down; a server starts once: build a new one"
                : "already started");
        }
        boundAddress = ServerBinding.open(this, loops, acceptors);
        if (config.transport.fallbackReason() != null) {
            System.getLogger(Server.class.getName()).log(System.Logger.Level.INFO,
                "transport nio (auto: " + config.transport.fallbackReason() + ")");
        }
        started = true;
        for (EventLoop l : loops.all()) {
            l.start();
        }
        for (Acceptor a : acceptors) {
            a.register();
        }
        return this;
    }

    /**
     * The address actually bound (with the real port when 0 was asked for).
     *
     * @return the local address, or null before {@link #start()} succeeded
     */
    public InetSocketAddress localAddress() {
        return boundAddress;
    }

    /**
     * The port actually bound: the real one when 0 was asked for.
     *
     * @return the local port, 1-65535
     * @throws IllegalStateException when called before {@link #start()} succeeded (nothing is bound yet)
     */
    public int port() {
        InetSocketAddress bound = boundAddress;
        if (bound == null) {
            throw new IllegalStateException("the server is not started: no port is bound yet");
        }
        return bound.getPort();
    }

    /**
     * The transport the loops run on, and why {@code auto} fell back to NIO when it did.
     *
     * @return the choice made when the server was built
     */
    public Transports.Choice transport() {
        return config.transport;
    }

    EventLoop nextLoop() {
        return loops.next();
    }

    /** The event loops, for handlers that schedule work or read pool statistics. */
    public List<EventLoop> loops() {
        return List.copyOf(loops.all());
    }

    /**
     * A snapshot of the connection counters, and of the bytes read and written by all loops since the start. Safe
     * from any thread; the counters are read one after the other without a lock, so under load they may be slightly out
     * of step with each other.
     *
     * @return a new snapshot; {@code bytesIn} and {@code bytesOut} in bytes, as the sockets carried them (for TLS
     *     connections, encrypted)
     */
    public ServerStats stats() {
        return loops.stats(counters);
    }

    /**
     * True from a successful {@link #start()} until {@link #shutdown(Duration)} or {@link #close()} is called, or
     * an event loop fails (see {@link #termination()}).
     *
     * @return whether the server accepts new connections
     */
    public boolean isAccepting() {
        return started && !shuttingDown;
    }

    /**
     * Graceful shutdown: stops accepting, asks every handler to finish ({@link ConnectionHandler#onShutdown}),
     * force-closes what is still open at the deadline, then stops the loops. Returns at once; calling it again, or
     * on a server never started, returns the same future.
     *
     * @param grace how long the handlers get before what is still open is aborted
     * @return a future that completes when all loops ended
     */
    public CompletableFuture<Void> shutdown(Duration grace) {
        synchronized (this) {
            if (!started || shuttingDown) {
                if (!started) {
                    shutdownSequence.completeUnstarted();
                }
                return shutdownSequence.termination();
            }
            shuttingDown = true;
        }
        shutdownSequence.begin(acceptors, loops, counters, grace);
        return shutdownSequence.termination();
    }

    /** Shuts down at once (no grace period) and waits for the loops to end. */
    @Override
    public void close() {
        shutdown(Duration.ZERO).join();
    }

    /**
     * Buffers still out of the loops' pools; see {@link #bufferLeakSites()} for where they were taken.
     *
     * @return the count, 0 when none is out
     */
    public long outstandingBuffers() {
        return loops.outstandingBuffers();
    }

    /**
     * Where each buffer still out of the loops' pools was taken: one {@code Throwable} per buffer, whose stack trace
     * is the taking site. Empty unless leak-check mode is on (see {@link BufferPool}). The pools are read without
     * locks: call it once the loops have stopped ({@link #close()} returned, or the {@link #shutdown(Duration)} future
     * completed).
     *
     * @return a new list, in no particular order
     */
    public List<Throwable> bufferLeakSites() {
        return loops.bufferLeakSites();
    }

    void loopTerminated(EventLoop loop) {
        shutdownSequence.loopTerminated();
    }

    /**
     * An event loop's transport failed (io_uring_enter refused by a seccomp policy, a selector that broke): its
     * connections are lost and the acceptors would keep handing it new ones, so the whole server stops at once rather
     * than limp on looking healthy. {@link #termination()} then completes with the failure.
     */
    void loopFailed(EventLoop loop, Throwable failure) {
        System.getLogger(Server.class.getName()).log(System.Logger.Level.ERROR,
            "event loop " + loop.index + " failed, the server stops: " + failure, failure);
        shutdownSequence.failed(new java.io.IOException("event loop " + loop.index + " failed: "
            + (failure.getMessage() != null ? failure.getMessage() : failure.toString()), failure));
        shutdown(Duration.ZERO);
    }

    /**
     * Completes when every event loop has ended: normally after {@link #shutdown(Duration)} or {@link #close()};
     * exceptionally, with an {@link java.io.IOException} naming the loop and the cause, when a loop's transport
     * failed (the server then stops by itself and {@link #isAccepting()} turns false). A program that serves until it
     * is told to stop waits on this as well as on its stop signal, and exits non-zero when it fails.
     *
     * @return the same future on every call (also the one {@link #shutdown(Duration)} returns)
     */
    public CompletableFuture<Void> termination() {
        return shutdownSequence.termination();
    }

    /** Builds a {@link Server}; every setting has a sensible default but the handler. */
    public static final class Builder {
        /** The settings so far: defaults, checks and the server's own copy live there. */
        private final ServerConfig settings = new ServerConfig();

        /**
         * Listens on {@code address}; default the loopback address, port 0 (a free port). An unresolved address is
         * accepted here and makes {@link Server#start()} fail with {@link ServerStartException}.
         *
         * @param address the local address and port
         * @return this builder
         * @throws NullPointerException when {@code address} is null
         */
        public Builder bind(InetSocketAddress address) {
            settings.address(address);
            return this;
        }

        /**
         * Binds to host (name or literal) and port; 0 picks a free port. The name is resolved now; one that does not
         * resolve is kept unresolved and makes {@link Server#start()} fail with {@link ServerStartException}.
         *
         * @param host a host name or IP literal; null means the loopback address
         * @param port 0-65535
         * @return this builder
         * @throws IllegalArgumentException when {@code port} is outside 0-65535
         */
        public Builder bind(String host, int port) {
            settings.address(host, port);
            return this;
        }

        /**
         * The listen backlog: how many connections the kernel queues before they are accepted (default 1024). The
         * kernel may cap it (on Linux at {@code net.core.somaxconn}).
         *
         * @param backlog the queue length, at least 1
         * @return this builder
         * @throws IllegalArgumentException when {@code backlog} &lt; 1
         */
        public Builder backlog(int backlog) {
            settings.backlog(backlog);
            return this;
        }

        /**
         * The number of event loops, one selector thread each (default: the number of available processors).
         * Connections are spread over them and each stays on its loop.
         *
         * @param n 1-1024
         * @return this builder
         * @throws IllegalArgumentException when {@code n} is outside 1-1024
         */
        public Builder ioThreads(int n) {
            settings.ioThreads(n);
            return this;
        }

        /**
         * Serves at most {@code max} connections at a time: further ones are accepted, closed at once and counted in
         * {@link ServerStats#rejectedByLimiter()}. Same as {@code connectionLimiter(ConnectionLimiter.max(max))}:
         * replaces any limiter set before.
         *
         * @param max at least 1; {@link Integer#MAX_VALUE} means no limit
         * @return this builder
         * @throws IllegalArgumentException when {@code max} &lt; 1
         */
        public Builder maxConnections(int max) {
            settings.limiter(new MaxConnectionsLimiter(max));
            return this;
        }

        /**
         * Decides which new connections are served (default {@link ConnectionLimiter#unlimited()}); replaces a limit
         * set by {@link #maxConnections(int)}. It is called from several threads, so it must be thread-safe.
         *
         * @param limiter the limiter
         * @return this builder
         * @throws NullPointerException when {@code limiter} is null
         */
        public Builder connectionLimiter(ConnectionLimiter limiter) {
            settings.limiter(limiter);
            return this;
        }

        /**
         * Reads a PROXY protocol header (v1 or v2) first on connections from the trusted proxies; see
         * {@link ProxyProtocolConfig} for what happens to the others and to bad headers. Off by default (null).
         *
         * @param config the trusted networks and header timeout, or null to turn it off
         * @return this builder
         */
        public Builder proxyProtocol(ProxyProtocolConfig config) {
            settings.proxy = config;
            return this;
        }

        /**
         * Serves at most {@code max} connections at a time from one client IP address: the address from the PROXY
         * header for proxied connections (checked when the header is read), the peer's for direct ones (checked at
         * accept). Further ones are closed before the handler hears of them and counted in
         * {@link ServerStats#rejectedPerAddress()}. Off by default (0).
         *
         * @param max 1 or more; 0 turns the limit off
         * @return this builder
         * @throws IllegalArgumentException when {@code max} is negative
         */
        public Builder maxConnectionsPerAddress(int max) {
            settings.maxPerAddress(max);
            return this;
        }

        /**
         * Closes connections with no traffic either way for this long ({@link Duration#ZERO}, the default: never).
         * The handler hears of it in {@link ConnectionHandler#onIdleTimeout}.
         *
         * @param timeout zero or positive
         * @return this builder
         * @throws IllegalArgumentException when {@code timeout} is negative
         * @throws NullPointerException when {@code timeout} is null
         */
        public Builder idleTimeout(Duration timeout) {
            settings.idleTimeout(timeout);
            return this;
        }

        /**
         * Sends report {@link SendStatus#BACKPRESSURE} over {@code high} queued bytes; {@code onWritable} fires
         * when the queue falls to {@code low}.
         *
         * @param low in bytes, default 32 KiB
         * @param high in bytes, default 64 KiB
         * @return this builder
         * @throws IllegalArgumentException unless 0 &lt;= {@code low} &lt;= {@code high}
         */
        public Builder writeWatermarks(int low, int high) {
            settings.writeWatermarks(low, high);
            return this;
        }

        /**
         * A send is refused ({@link SendStatus#DROPPED}) once this many bytes are queued on a connection, so that a
         * client that does not read cannot make the server hold unbounded memory.
         *
         * @param max in bytes, default 4 MiB
         * @return this builder
         * @throws IllegalArgumentException when {@code max} &lt; 1
         */
        public Builder maxQueuedBytes(long max) {
            settings.maxQueuedBytes(max);
            return this;
        }

        /**
         * SO_REUSEPORT (default off): several processes (and each loop, with a listener of its own) may listen on
         * the same port.
         *
         * @param on whether to set it
         * @return this builder
         */
        public Builder reusePort(boolean on) {
            settings.reusePort = on;
            return this;
        }

        /**
         * How the event loops reach the kernel (default: the system property {@code keel.transport}, else
         * {@code "nio"}): {@code "nio"} (a JDK selector, epoll), {@code "io_uring"} (module
         * {@code keel-transport-io_uring}, JDK 22+, Linux 6.0+, the JVM started with
         * {@code --enable-native-access=ALL-UNNAMED}), or {@code "auto"}: io_uring where it can run, else NIO, and
         * the server logs why once at start ({@link Server#transport()} tells too). See {@link Transports}.
         *
         * @param name {@code "auto"}, {@code "nio"} or {@code "io_uring"}
         * @return this builder
         * @throws IllegalArgumentException when the name is unknown, or io_uring was named and cannot run here (the
         *     message says why)
         * @throws NullPointerException when {@code name} is null
         */
        public Builder transport(String name) {
            settings.transport(name);
            return this;
        }

        /**
         * Runs the event loops on {@code provider}'s transports, for a transport that is not registered with
         * {@link java.util.ServiceLoader} (one under test, or a wrapper that instruments another); no check of
         * {@link TransportProvider#unavailableReason()} is made.
         *
         * @param provider makes one transport per loop; the server calls it from {@link #build()}'s thread
         * @return this builder
         * @throws NullPointerException when {@code provider} is null
         */
        public Builder transportProvider(TransportProvider provider) {
            settings.transport = new Transports.Choice(java.util.Objects.requireNonNull(provider, "provider"), null);
            return this;
        }

        /**
         * Free 16 KiB chunks ({@link BufferPool#CHUNK_SIZE}) of direct memory each loop keeps for reuse (default 1024,
         * so up to 16 MiB per loop); chunks released beyond that are left to the garbage collector.
         *
         * @param n 0 or more; 0 keeps none, so every chunk is allocated anew
         * @return this builder
         * @throws IllegalArgumentException when {@code n} is negative
         */
        public Builder maxPooledChunksPerLoop(int n) {
            settings.maxPooledChunksPerLoop(n);
            return this;
        }

        /**
         * The handler of every connection (required). One instance serves all connections on all loops: keep
         * per-connection state in the connection ({@link Connection#attach}, {@link UserDataKey}), not in its fields.
         *
         * @param handler the handler
         * @return this builder
         * @throws NullPointerException when {@code handler} is null
         */
        public Builder handler(ConnectionHandler handler) {
            settings.handler(handler);
            return this;
        }

        /**
         * Creates the server; nothing is bound and no thread runs until {@link Server#start()}.
         *
         * @return a new, unstarted server
         * @throws IllegalStateException when no handler was set
         */
        public Server build() {
            return new Server(settings.forServer());
        }
    }
}
