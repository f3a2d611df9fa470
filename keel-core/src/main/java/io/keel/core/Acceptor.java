package io.keel.core;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A listening socket on one event loop's transport: admits accepted connections (the connection limit) and spreads
 * them over the loops, or keeps them on its own loop when each loop has its own listener (SO_REUSEPORT).
 */
final class Acceptor implements AcceptEvents {
    private static final System.Logger LOG = System.getLogger(Acceptor.class.getName());
    private static final long ACCEPT_BACKOFF_MILLIS = 50;

    private final Server server;
    private final EventLoop home;
    /** The transport's handle of the bound listener. */
    private final Object listener;
    private final boolean ownLoopOnly;
    private boolean listening;

    Acceptor(Server server, EventLoop home, Object listener, boolean ownLoopOnly) {
        this.server = server;
        this.home = home;
        this.listener = listener;
        this.ownLoopOnly = ownLoopOnly;
    }

    void register() {
        home.execute(() -> {
            try {
                home.transport.listen(listener, this);
                listening = true;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot register listener", e);
            }
        });
    }

    @Override
    public void accepted(Object socket) {
        if (!server.config.limiter.tryAcquire()) {
            server.counters.connectionRejected();
            home.transport.closeAccepted(socket);
            return;
        }
        EventLoop target = ownLoopOnly ? home : server.nextLoop();
        target.register(socket);
    }

    /** EMFILE and friends: the listener stays ready, so stop asking for a moment instead of spinning on it. */
    @Override
    public void acceptFailed(IOException e) {
        server.counters.acceptFailed(e);
        if (!listening) {
            return;
        }
        home.transport.accepting(listener, false);
        home.schedule(() -> home.transport.accepting(listener, true), ACCEPT_BACKOFF_MILLIS,
            java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    InetSocketAddress localAddress() throws IOException {
        return home.transport.listenerAddress(listener);
    }

    /** Stops accepting; runs on the home loop, or on the starting thread when the server failed to start. */
    void close() {
        listening = false;
        home.transport.closeListener(listener);
    }

    EventLoop home() {
        return home;
    }
}
