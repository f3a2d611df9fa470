package io.keel.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.UnresolvedAddressException;
import java.util.List;

/**
 * The first half of {@link Server#start()}: makes the event loops and binds the listening sockets, one shared by
 * all loops or, with SO_REUSEPORT, one per loop (the kernel then spreads connections, with no hand-off between
 * threads). Nothing runs yet: the server starts the loops and registers the listeners once this succeeded. When
 * any step fails, what was made is closed again and the failure becomes one readable line ({@link BindFailure}).
 */
final class ServerBinding {
    private ServerBinding() {
    }

    /**
     * Fills {@code loops} and {@code acceptors} (both empty on entry) for {@code server}.
     *
     * @return the address actually bound (with the real port when 0 was asked for)
     * @throws ServerStartException when the address does not resolve, or a selector or listener cannot be opened or
     *     bound; both lists are then left holding closed objects and the server must not be started
     */
    static InetSocketAddress open(Server server, LoopGroup loops, List<Acceptor> acceptors) throws ServerStartException {
        ServerConfig config = server.config;
        InetSocketAddress address = config.address;
        if (address.isUnresolved()) {
            throw new ServerStartException("cannot resolve bind address '" + address.getHostString() + "'", null);
        }
        try {
            for (int i = 0; i < config.ioThreads; i++) {
                loops.add(new EventLoop(server, i));
            }
            if (config.reusePort) {
                for (EventLoop loop : loops.all()) {
                    Acceptor a = new Acceptor(server, loop, loop.transport.bind(address, config.backlog, true), true);
                    acceptors.add(a);
                    address = a.localAddress(); // port 0 → the same port for the others
                }
            } else {
                EventLoop first = loops.get(0);
                acceptors.add(new Acceptor(server, first, first.transport.bind(address, config.backlog, false), false));
            }
            return acceptors.get(0).localAddress();
        } catch (IOException | UnresolvedAddressException | SecurityException e) {
            for (Acceptor a : acceptors) {
                a.close();
            }
            for (EventLoop l : loops.all()) {
                l.transport.release(); // start failed: best effort
            }
            throw new ServerStartException(BindFailure.describe(config.address, e), e);
        }
    }
}
