package io.keel.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A listening socket registered on one event loop; it spreads accepted connections over the loops. */
final class Acceptor {
    private static final System.Logger LOG = System.getLogger(Acceptor.class.getName());
    private static final int ACCEPTS_PER_WAKEUP = 64;
    private static final long ACCEPT_BACKOFF_MILLIS = 50;

    private final Server server;
    private final EventLoop home;
    private final ServerSocketChannel channel;
    private final boolean ownLoopOnly;
    /** The transport's handle of the listener once registered; null before. */
    private Object handle;

    Acceptor(Server server, EventLoop home, ServerSocketChannel channel, boolean ownLoopOnly) {
        this.server = server;
        this.home = home;
        this.channel = channel;
        this.ownLoopOnly = ownLoopOnly;
    }

    void register() {
        home.execute(() -> {
            try {
                handle = home.transport.listen(channel, this);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot register listener", e);
            }
        });
    }

    void acceptReady() {
        for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
            SocketChannel ch;
            try {
                ch = channel.accept();
            } catch (IOException e) {
                // EMFILE and friends: the listener stays readable, so stop asking for a moment instead of
                // spinning on it; report without flooding
                server.counters.acceptFailed(e);
                backOff();
                return;
            }
            if (ch == null) {
                return;
            }
            if (!server.config.limiter.tryAcquire()) {
                server.counters.connectionRejected();
                EventLoop.closeQuietly(ch);
                continue;
            }
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                server.config.limiter.release();
                EventLoop.closeQuietly(ch);
                continue;
            }
            EventLoop target = ownLoopOnly ? home : server.nextLoop();
            target.register(ch);
        }
    }

    private void backOff() {
        if (handle == null) {
            return;
        }
        home.transport.accepting(handle, false);
        home.schedule(() -> home.transport.accepting(handle, true), ACCEPT_BACKOFF_MILLIS,
            java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    /** Stops accepting; must run on the home loop. */
    void close() {
        if (handle != null) {
            home.transport.close(handle);
        }
        EventLoop.closeQuietly(channel);
    }

    EventLoop home() {
        return home;
    }
}
