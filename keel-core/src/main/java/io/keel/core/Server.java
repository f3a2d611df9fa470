package io.keel.core;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
    private static final System.Logger LOG = System.getLogger(Server.class.getName());

    final ServerConfig config;
    private final List<EventLoop> loops = new ArrayList<>();
    private final List<Acceptor> acceptors = new ArrayList<>();
    private final AtomicInteger nextLoop = new AtomicInteger();
    private final CountDownLatch terminated;
    private final CompletableFuture<Void> termination = new CompletableFuture<>();
    private volatile boolean started;
    private volatile boolean shuttingDown;
    private InetSocketAddress boundAddress;

    /** Connection counts and the logs of refused, failed and misbehaving connections; called from any thread. */
    final ServerCounters counters;

    private Server(ServerConfig config) {
        this.config = config;
        this.terminated = new CountDownLatch(config.ioThreads);
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
     */
    public synchronized Server start() throws ServerStartException {
        if (started) {
            throw new IllegalStateException("already started");
        }
        InetSocketAddress address = config.address;
        if (address.isUnresolved()) {
            throw new ServerStartException("cannot resolve bind address '" + address.getHostString() + "'", null);
        }
        try {
            for (int i = 0; i < config.ioThreads; i++) {
                loops.add(new EventLoop(this, i));
            }
            if (config.reusePort) {
                // one listener per loop: the kernel spreads connections, no hand-off between threads
                for (EventLoop loop : loops) {
                    ServerSocketChannel ch = openListener(address);
                    address = (InetSocketAddress) ch.getLocalAddress(); // port 0 → the same port for the others
                    acceptors.add(new Acceptor(this, loop, ch, true));
                }
            } else {
                acceptors.add(new Acceptor(this, loops.get(0), openListener(address), false));
            }
            boundAddress = acceptors.get(0).localAddress();
        } catch (IOException | UnresolvedAddressException | SecurityException e) {
            for (Acceptor a : acceptors) {
                a.close();
            }
            for (EventLoop l : loops) {
                l.transport.release(); // start failed: best effort
            }
            throw new ServerStartException(BindFailure.describe(config.address, e), e);
        }
        started = true;
        for (EventLoop l : loops) {
            l.start();
        }
        for (Acceptor a : acceptors) {
            a.register();
        }
        return this;
    }

    private ServerSocketChannel openListener(InetSocketAddress address) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (config.reusePort) {
                ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            ch.bind(address, config.backlog);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The address actually bound (with the real port when 0 was asked for). */
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

    EventLoop nextLoop() {
        return loops.get(Math.floorMod(nextLoop.getAndIncrement(), loops.size()));
    }

    /** The event loops, for handlers that schedule work or read pool statistics. */
    public List<EventLoop> loops() {
        return List.copyOf(loops);
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
        long in = 0;
        long out = 0;
        for (EventLoop l : loops) {
            in += l.bytesIn;
            out += l.bytesOut;
        }
        return counters.stats(in, out);
    }

    /**
     * True from a successful {@link #start()} until {@link #shutdown(Duration)} or {@link #close()} is called.
     *
     * @return whether the server accepts new connections
     */
    public boolean isAccepting() {
        return started && !shuttingDown;
    }

    /**
     * Graceful shutdown: stops accepting, asks every handler to finish ({@link ConnectionHandler#onShutdown}),
     * force-closes what is still open at the deadline, then stops the loops. Completes when all loops ended.
     */
    public CompletableFuture<Void> shutdown(Duration grace) {
        synchronized (this) {
            if (!started || shuttingDown) {
                if (!started) {
                    termination.complete(null);
                }
                return termination;
            }
            shuttingDown = true;
        }
        for (Acceptor a : acceptors) {
            a.home().execute(a::close);
        }
        for (EventLoop l : loops) {
            l.execute(() -> {
                for (NioConnection c : l.connections()) {
                    c.serverShutdown();
                }
            });
        }
        Thread waiter = new Thread(() -> {
            counters.awaitNoConnections(System.nanoTime() + grace.toNanos());
            for (EventLoop l : loops) {
                l.stop(); // aborts whatever is left
            }
            try {
                if (!terminated.await(10, TimeUnit.SECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, "event loops did not stop within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            termination.complete(null);
        }, "keel-shutdown");
        waiter.setDaemon(true);
        waiter.start();
        return termination;
    }

    /** Shuts down at once (no grace period) and waits for the loops to end. */
    @Override
    public void close() {
        shutdown(Duration.ZERO).join();
    }

    /** Buffers still out of the loops' pools, with where they were taken (leak-check mode). */
    public long outstandingBuffers() {
        long n = 0;
        for (EventLoop l : loops) {
            n += l.pool.outstanding();
        }
        return n;
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
        List<Throwable> sites = new ArrayList<>();
        for (EventLoop l : loops) {
            l.pool.leakSites().forEach(sites::add);
        }
        return sites;
    }

    void loopTerminated(EventLoop loop) {
        terminated.countDown();
    }

    /** Builds a {@link Server}; every setting has a sensible default but the handler. */
    public static final class Builder {
        private InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private int backlog = 1024;
        private int ioThreads = Runtime.getRuntime().availableProcessors();
        private ConnectionLimiter limiter = ConnectionLimiter.unlimited();
        private Duration idleTimeout = Duration.ZERO;
        private int lowWatermark = 32 * 1024;
        private int highWatermark = 64 * 1024;
        private long maxQueuedBytes = 4L * 1024 * 1024;
        private boolean reusePort;
        private int maxPooledChunksPerLoop = 1024;
        private ConnectionHandler handler;
        private ProxyProtocolConfig proxy;
        private int maxPerAddress;

        /**
         * Listens on {@code address}; default the loopback address, port 0 (a free port). An unresolved address is
         * accepted here and makes {@link Server#start()} fail with {@link ServerStartException}.
         *
         * @param address the local address and port
         * @return this builder
         * @throws NullPointerException when {@code address} is null
         */
        public Builder bind(InetSocketAddress address) {
            this.address = Objects.requireNonNull(address);
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
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0-65535, got " + port);
            }
            try {
                return bind(new InetSocketAddress(InetAddress.getByName(host), port));
            } catch (UnknownHostException e) {
                return bind(InetSocketAddress.createUnresolved(host, port));
            }
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
            if (backlog < 1) {
                throw new IllegalArgumentException("backlog must be at least 1, got " + backlog);
            }
            this.backlog = backlog;
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
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("io threads must be 1-1024, got " + n);
            }
            this.ioThreads = n;
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
            this.limiter = new MaxConnectionsLimiter(max);
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
            this.limiter = Objects.requireNonNull(limiter);
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
            this.proxy = config;
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
            if (max < 0) {
                throw new IllegalArgumentException("max connections per address must be 0 (off) or more, got " + max);
            }
            this.maxPerAddress = max;
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
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("idle timeout must not be negative");
            }
            this.idleTimeout = timeout;
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
            if (low < 0 || high < low) {
                throw new IllegalArgumentException("need 0 <= low <= high watermark, got " + low + ", " + high);
            }
            this.lowWatermark = low;
            this.highWatermark = high;
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
            if (max < 1) {
                throw new IllegalArgumentException("max queued bytes must be positive");
            }
            this.maxQueuedBytes = max;
            return this;
        }

        /** SO_REUSEPORT: several processes (and each loop) may listen on the same port. */
        public Builder reusePort(boolean on) {
            this.reusePort = on;
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
            if (n < 0) {
                throw new IllegalArgumentException("max pooled chunks per loop must be 0 or more, got " + n);
            }
            this.maxPooledChunksPerLoop = n;
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
            this.handler = Objects.requireNonNull(handler);
            return this;
        }

        /**
         * Creates the server; nothing is bound and no thread runs until {@link Server#start()}.
         *
         * @return a new, unstarted server
         * @throws IllegalStateException when no handler was set
         */
        public Server build() {
            if (handler == null) {
                throw new IllegalStateException("a ConnectionHandler is required");
            }
            ServerConfig c = new ServerConfig();
            c.address = address;
            c.backlog = backlog;
            c.ioThreads = ioThreads;
            c.limiter = limiter;
            c.idleTimeoutNanos = idleTimeout.toNanos();
            c.lowWatermark = lowWatermark;
            c.highWatermark = highWatermark;
            c.maxQueuedBytes = maxQueuedBytes;
            c.reusePort = reusePort;
            c.maxPooledChunksPerLoop = maxPooledChunksPerLoop;
            c.handler = handler;
            c.proxy = proxy;
            c.proxyHeaderTimeoutNanos = proxy == null ? 0 : proxy.headerTimeout().toNanos();
            c.perAddress = maxPerAddress > 0 ? new ConnectionsPerAddress(maxPerAddress) : null;
            return new Server(c);
        }
    }
}
