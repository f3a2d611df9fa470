package io.keel.core;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * What every connection of a loop holds: its loop, its handler, the transport's handle of its socket, its state
 * bits, its user data and attachment, and the plain {@link Connection} methods over them. The connection's code is
 * split over a chain of classes, one job each, that make one object ({@link SendingConnection}: the send half;
 * {@link NioConnection}: the lifecycle and interest ops): no object is added per connection, and with one final
 * class at the end every call stays monomorphic.
 */
abstract class AbstractConnection extends TimerWheel.Node implements Connection {
    private static final Object[] NO_USER_DATA = new Object[0];
    // seldom-changed states share one byte: a connection object's size is memory per connection
    static final byte SHUTDOWN_OUTPUT_REQUESTED = 1, OUTPUT_SHUT = 2, REDELIVER_SCHEDULED = 4, IDLE_TIMED_OUT = 8,
        OWN_IDLE_TIMEOUT = 16;
    /** The handler has not been told of this connection (its PROXY header is awaited, or it was refused). */
    static final byte NOT_OPENED = 32;
    /** Holds a slot of the per-client-address limit, to free when it closes. */
    static final byte PER_ADDRESS_SLOT = 64;

    final EventLoop loop;
    final ConnectionHandler handler;
    /** The transport's handle of this connection's socket (see {@link Transport}); set once registered. */
    Object handle;

    boolean open = true;
    boolean readPaused;
    boolean inputClosed;
    boolean closeRequested;
    private byte flags;
    long lastActivityNanos;
    /** The idle timeout the timer node checks: the server's, until a layer sets this connection's own. */
    long idleTimeoutNanos;
    /** Input the handler left unconsumed, in read mode, or null (see {@link InputRemainder}). */
    java.nio.ByteBuffer pendingInput;
    /** While onData has a slice of {@link #pendingInput}: the kept input's real limit, else 0. */
    int sliceLimit;

    private Object attachment;
    private Object[] userData = NO_USER_DATA;
    private InetSocketAddress remote;

    AbstractConnection(EventLoop loop) {
        this.loop = loop;
        this.handler = loop.server.config.handler;
        this.lastActivityNanos = loop.nowNanos;
        this.idleTimeoutNanos = loop.server.config.idleTimeoutNanos;
    }

    final boolean has(byte flag) {
        return (flags & flag) != 0;
    }

    final void set(byte flag, boolean on) {
        flags = (byte) (on ? flags | flag : flags & ~flag);
    }

    /** False once a close, or an output shutdown, was asked for: nothing new may be sent. */
    final boolean outputOpen() {
        return open && !closeRequested && !has(SHUTDOWN_OUTPUT_REQUESTED);
    }

    @Override
    public void idleTimeout(long timeout, TimeUnit unit) {
        loop.checkInLoop();
        long nanos = Math.max(0, unit.toNanos(timeout));
        idleTimeoutNanos = nanos;
        set(OWN_IDLE_TIMEOUT, true);
        if (!open) {
            return;
        }
        if (nanos == 0) {
            loop.cancelTimer(this);
        } else {
            // due when the connection has been idle for the new timeout (at once if it already has)
            loop.rearm(this, nanos - (loop.nowNanos - lastActivityNanos));
        }
    }

    @Override
    public long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    @Override
    public boolean isOpen() {
        return open && !closeRequested;
    }

    @Override
    public boolean isReadingPaused() {
        return readPaused;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        if (remote == null && handle != null) {
            remote = loop.transport.remoteAddress(handle);
        }
        return remote;
    }

    /** The client's address from a PROXY header: what {@link #remoteAddress()} returns from now on. */
    final void proxiedRemote(InetSocketAddress client) {
        remote = client;
    }

    @Override
    public InetSocketAddress localAddress() {
        return handle == null ? null : loop.transport.localAddress(handle);
    }

    @Override
    public boolean inEventLoop() {
        return loop.inLoop();
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public void execute(Runnable task) {
        loop.execute(task);
    }

    @Override
    public Timer schedule(Runnable task, long delay, TimeUnit unit) {
        return loop.schedule(task, delay, unit);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(UserDataKey<T> key) {
        return key.index < userData.length ? (T) userData[key.index] : null;
    }

    @Override
    public <T> void set(UserDataKey<T> key, T value) {
        if (key.index >= userData.length) {
            userData = java.util.Arrays.copyOf(userData, key.index + 1);
        }
        userData[key.index] = value;
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    @Override
    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    @Override
    public String toString() {
        return "Connection[" + remoteAddress() + " on " + loop + "]";
    }
}
