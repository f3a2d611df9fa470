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

    public int port() {
        return boundAddress.getPort();
    }

    EventLoop nextLoop() {
        return loops.get(Math.floorMod(nextLoop.getAndIncrement(), loops.size()));
    }

    /** The event loops, for handlers that schedule work or read pool statistics. */
    public List<EventLoop> loops() {
        return List.copyOf(loops);
    }

    public ServerStats stats() {
        long in = 0;
        long out = 0;
        for (EventLoop l : loops) {
            in += l.bytesIn;
            out += l.bytesOut;
        }
        return counters.stats(in, out);
    }

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

        public Builder bind(InetSocketAddress address) {
            this.address = Objects.requireNonNull(address);
            return this;
        }

        /** Binds to host (name or literal) and port; 0 picks a free port. */
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

        public Builder backlog(int backlog) {
            if (backlog < 1) {
                throw new IllegalArgumentException("backlog must be at least 1, got " + backlog);
            }
            this.backlog = backlog;
            return this;
        }

        public Builder ioThreads(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("io threads must be 1-1024, got " + n);
            }
            this.ioThreads = n;
            return this;
        }

        public Builder maxConnections(int max) {
            this.limiter = new MaxConnectionsLimiter(max);
            return this;
        }

        public Builder connectionLimiter(ConnectionLimiter limiter) {
            this.limiter = Objects.requireNonNull(limiter);
            return this;
        }

        /** Closes connections with no traffic either way for this long ({@link Duration#ZERO}: never). */
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
         */
        public Builder writeWatermarks(int low, int high) {
            if (low < 0 || high < low) {
                throw new IllegalArgumentException("need 0 <= low <= high watermark, got " + low + ", " + high);
            }
            this.lowWatermark = low;
            this.highWatermark = high;
            return this;
        }

        /** A send is refused ({@link SendStatus#DROPPED}) once this many bytes are queued on a connection. */
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

        /** Free 16 KiB chunks each loop keeps for reuse. */
        public Builder maxPooledChunksPerLoop(int n) {
            this.maxPooledChunksPerLoop = n;
            return this;
        }

        public Builder handler(ConnectionHandler handler) {
            this.handler = Objects.requireNonNull(handler);
            return this;
        }

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
            return new Server(c);
        }
    }
}
