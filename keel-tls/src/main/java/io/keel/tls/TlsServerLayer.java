package io.keel.tls;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

import io.keel.core.Connection;
import io.keel.core.ConnectionHandler;

/**
 * The TLS layer: a {@link ConnectionHandler} for the raw (TCP) connections that decrypts what arrives, hands the
 * plaintext to an inner handler through a per-connection {@link TlsConnection}, and encrypts what the inner
 * handler sends.
 *
 * <ul>
 * <li>The inner handler's {@code onOpen} is called when the handshake completes (the secure connection is
 * established); {@link Connection#tlsSession()} is then set. A {@link SecureConnectionListener} (given to the
 * builder, or implemented by the inner handler) is called just before, with protocol, cipher suite, ALPN, SNI and
 * the client's certificates.
 * <li>A connection whose handshake fails (garbage, plain HTTP, a client without a valid certificate when the peer
 * is verified) or does not finish within the handshake timeout is closed; the inner handler never hears of it.
 * {@link #stats()} counts completed handshakes per protocol, failures, timeouts and abandoned handshakes.
 * <li>Handshake tasks ({@link SSLEngine#getDelegatedTask()}) run on a small shared executor, never on the loop;
 * the handshake resumes on the connection's loop afterwards.
 * <li>Memory: decryption and encryption use buffers owned by the loop thread; a connection keeps a buffer only
 * while it holds plaintext its handler left unconsumed or input it cannot process yet. Partial records stay in the
 * raw connection's input (the core keeps unconsumed bytes). The engine is released ({@link TlsContext#release})
 * when the raw connection closes, which frees an OpenSSL engine's native state.
 * <li>Corking: sends made during one callback are gathered (up to one full record, 16 KiB) and encrypted into as
 * few records as possible when the callback returns.
 * </ul>
 */
public final class TlsServerLayer implements ConnectionHandler {

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static volatile ExecutorService sharedExecutor;

    final TlsContext context;
    final ConnectionHandler inner;
    final SecureConnectionListener listener;
    final long handshakeTimeoutMillis;
    final Executor taskExecutor;
    final TlsStats stats = new TlsStats();

    private TlsServerLayer(Builder b) {
        this.context = b.context;
        this.inner = b.inner;
        SecureConnectionListener l = b.listener;
        if (inner instanceof SecureConnectionListener innerListener) {
            l = l == null ? innerListener : chain(l, innerListener);
        }
        this.listener = l;
        this.handshakeTimeoutMillis = b.handshakeTimeout.toMillis();
        this.taskExecutor = b.taskExecutor != null ? b.taskExecutor : sharedExecutor();
    }

    /** The layer with the defaults: 10 s handshake timeout, the shared handshake task executor. */
    public TlsServerLayer(TlsContext context, ConnectionHandler inner) {
        this(builder(context, inner));
    }

    /**
     * A builder for a layer that serves {@code inner} over TLS configured by {@code context}; the defaults are those
     * of {@link #TlsServerLayer(TlsContext, ConnectionHandler)}.
     *
     * @param context the certificates and policy new connections get their engines from
     * @param inner the handler that sees the decrypted connections
     * @return a new builder
     * @throws NullPointerException when {@code context} or {@code inner} is null
     */
    public static Builder builder(TlsContext context, ConnectionHandler inner) {
        return new Builder(context, inner);
    }

    private static SecureConnectionListener chain(SecureConnectionListener a, SecureConnectionListener b) {
        return (c, i) -> {
            a.onSecureConnectionEstablished(c, i);
            b.onSecureConnectionEstablished(c, i);
        };
    }

    /** Daemon threads, as many as cores (at least 2), created on demand and dropped after a minute idle. */
    static Executor sharedExecutor() {
        ExecutorService e = sharedExecutor;
        if (e == null) {
            synchronized (TlsServerLayer.class) {
                e = sharedExecutor;
                if (e == null) {
                    int n = Math.max(2, Runtime.getRuntime().availableProcessors());
                    ThreadPoolExecutor t = new ThreadPoolExecutor(n, n, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                            r -> {
                                Thread th = new Thread(r, "keel-tls-task-" + THREADS.incrementAndGet());
                                th.setDaemon(true);
                                return th;
                            });
                    t.allowCoreThreadTimeOut(true);
                    sharedExecutor = e = t;
                }
            }
        }
        return e;
    }

    /** This layer's handshake counters: live (not a snapshot), safe to read from any thread. */
    public TlsStats stats() {
        return stats;
    }

    /** The TLS configuration new connections get their engines from ({@link TlsContext#reload()} changes it). */
    public TlsContext context() {
        return context;
    }

    /** The handler that sees the decrypted connections. */
    public ConnectionHandler inner() {
        return inner;
    }

    private static TlsConnection tls(Connection raw) {
        return raw.attachment() instanceof TlsConnection t ? t : null;
    }

    // -------------------------------------------------------------------------------- raw connection callbacks

    @Override
    public void onOpen(Connection raw) {
        SSLEngine engine = null;
        try {
            engine = context.newEngine();
            engine.beginHandshake();
        } catch (SSLException | RuntimeException e) {
            if (engine != null) {
                context.release(engine);
            }
            stats.failed();
            raw.abort();
            return;
        }
        raw.attach(new TlsConnection(this, raw, engine)); // which arms its handshake timeout
    }

    @Override
    public void onData(Connection raw, java.nio.ByteBuffer data) {
        TlsConnection c = tls(raw);
        if (c == null) {
            data.position(data.limit());
            return;
        }
        c.onNetData(data);
    }

    @Override
    public void onInputClosed(Connection raw) {
        TlsConnection c = tls(raw);
        if (c == null) {
            raw.close();
        } else {
            c.onNetInputClosed();
        }
    }

    @Override
    public void onWritable(Connection raw) {
        TlsConnection c = tls(raw);
        if (c != null) {
            c.onNetWritable();
        }
    }

    @Override
    public void onError(Connection raw, IOException error) {
        TlsConnection c = tls(raw);
        if (c != null && c.opened()) {
            c.callInner(() -> inner.onError(c, error));
        }
    }

    @Override
    public void onIdleTimeout(Connection raw) {
        TlsConnection c = tls(raw);
        if (c != null && c.opened()) {
            c.callInner(() -> inner.onIdleTimeout(c));
        } else {
            if (c != null) {
                c.handshakeIdledOut();
            }
            raw.abort();
        }
    }

    @Override
    public void onShutdown(Connection raw) {
        TlsConnection c = tls(raw);
        if (c != null && c.opened()) {
            c.callInner(() -> inner.onShutdown(c));
        } else {
            raw.close();
        }
    }

    @Override
    public void onClose(Connection raw) {
        TlsConnection c = tls(raw);
        if (c != null) {
            c.onNetClose();
        }
    }

    // -------------------------------------------------------------------------------------------------- builder

    /** Builds a {@link TlsServerLayer}; from {@link TlsServerLayer#builder(TlsContext, ConnectionHandler)}. */
    public static final class Builder {
        private final TlsContext context;
        private final ConnectionHandler inner;
        private SecureConnectionListener listener;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Executor taskExecutor;

        private Builder(TlsContext context, ConnectionHandler inner) {
            this.context = Objects.requireNonNull(context, "context");
            this.inner = Objects.requireNonNull(inner, "inner");
        }

        /**
         * Called when a handshake completes, before the inner handler's onOpen.
         *
         * @param listener the listener, or null for none (the default)
         * @return this builder
         */
        public Builder listener(SecureConnectionListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * Handshakes not done in this time are aborted and counted in {@link TlsStats#handshakeTimeouts()}; default
         * 10 s. It keeps a client that connects and sends nothing (or too little) from holding a connection.
         *
         * @param timeout millisecond precision; zero, negative or under 1 ms disables the timeout
         * @return this builder
         * @throws NullPointerException when {@code timeout} is null
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /**
         * Where handshake tasks ({@link SSLEngine#getDelegatedTask()}) run, off the event loop; default a small
         * shared pool of daemon threads.
         *
         * @param executor the executor, or null for the shared pool
         * @return this builder
         */
        public Builder taskExecutor(Executor executor) {
            this.taskExecutor = executor;
            return this;
        }

        /**
         * Creates the layer. When the inner handler is itself a {@link SecureConnectionListener}, it is called too,
         * after the {@link #listener(SecureConnectionListener) listener} given here. The shared task pool, when
         * used, is created on first use.
         *
         * @return a new layer, to give to {@code Server.Builder.handler}
         */
        public TlsServerLayer build() {
            return new TlsServerLayer(this);
        }
    }
}
