package io.keel.core;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLSession;

/**
 * A {@link Connection} that forwards every method to another connection, its delegate, so that a layer which
 * wraps a connection (TLS, WebSocket) overrides only what it changes. The idea of Jetty's {@code AbstractEndPoint}
 * and Netty's forwarding handlers: without it each layer repeats a page of one-line forwarding methods, and a
 * method added to {@link Connection} later would silently fall back to its default in every layer.
 *
 * <p>Costs no object of its own: the delegate is a field of the subclass's one instance. The forwarding methods
 * are plain calls (no lambdas, no allocation), so they are free on the hot path.
 */
public abstract class ForwardingConnection implements Connection {
    /** The connection underneath: every method not overridden goes to it. */
    protected final Connection delegate;

    /**
     * @param delegate the wrapped connection (not null); it stays the same for the life of this connection
     * @throws NullPointerException when {@code delegate} is null
     */
    protected ForwardingConnection(Connection delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** @return the wrapped connection, as given to the constructor */
    public Connection delegate() {
        return delegate;
    }

    @Override
    public SendStatus send(ByteBuffer data) {
        return delegate.send(data);
    }

    @Override
    public SendStatus send(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix) {
        return delegate.send(prefix, payload, suffix);
    }

    @Override
    public SendStatus sendControl(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix) {
        return delegate.sendControl(prefix, payload, suffix);
    }

    @Override
    public boolean canSend() {
        return delegate.canSend();
    }

    @Override
    public boolean canSendControl() {
        return delegate.canSendControl();
    }

    @Override
    public SendStatus sendContinuation(ByteBuffer data) {
        return delegate.sendContinuation(data);
    }

    @Override
    public SendStatus reserveOffLoop(long bytes, boolean control) {
        return delegate.reserveOffLoop(bytes, control);
    }

    @Override
    public void releaseOffLoop(long bytes) {
        delegate.releaseOffLoop(bytes);
    }

    @Override
    public long queuedBytes() {
        return delegate.queuedBytes();
    }

    @Override
    public void pauseReading() {
        delegate.pauseReading();
    }

    @Override
    public void resumeReading() {
        delegate.resumeReading();
    }

    @Override
    public boolean isReadingPaused() {
        return delegate.isReadingPaused();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public void shutdownOutput() {
        delegate.shutdownOutput();
    }

    @Override
    public void abort() {
        delegate.abort();
    }

    @Override
    public void idleTimeout(long timeout, TimeUnit unit) {
        delegate.idleTimeout(timeout, unit);
    }

    @Override
    public long idleTimeoutNanos() {
        return delegate.idleTimeoutNanos();
    }

    @Override
    public boolean isOpen() {
        return delegate.isOpen();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return delegate.remoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return delegate.localAddress();
    }

    @Override
    public boolean inEventLoop() {
        return delegate.inEventLoop();
    }

    @Override
    public EventLoop eventLoop() {
        return delegate.eventLoop();
    }

    @Override
    public void execute(Runnable task) {
        delegate.execute(task);
    }

    @Override
    public Timer schedule(Runnable task, long delay, TimeUnit unit) {
        return delegate.schedule(task, delay, unit);
    }

    @Override
    public <T> T get(UserDataKey<T> key) {
        return delegate.get(key);
    }

    @Override
    public <T> void set(UserDataKey<T> key, T value) {
        delegate.set(key, value);
    }

    /**
     * Forwards to the delegate's slot. A layer that uses the delegate's attachment for its own plumbing (as the
     * TLS layer does, to find its connection again) overrides this pair with a slot of its own.
     */
    @Override
    public Object attachment() {
        return delegate.attachment();
    }

    @Override
    public void attach(Object attachment) {
        delegate.attach(attachment);
    }

    @Override
    public SSLSession tlsSession() {
        return delegate.tlsSession();
    }

    @Override
    public boolean isSecure() {
        return delegate.isSecure();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }
}
