package io.keel.core;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * For tests: NIO whose wait ({@link Transport#poll}) fails with an {@link IOException} "injected" once {@link #fail}
 * is set, as io_uring_enter does under a seccomp policy that refuses it; and whose peers' addresses are unknown once
 * {@link #forgetPeers} is set. Choose it with
 * {@link Server.Builder#transportProvider(TransportProvider)}; set {@link #fail}, then wake the loops.
 */
public final class FailingNioTransport implements TransportProvider {
    /** Set: every loop's next wait fails. */
    public final AtomicBoolean fail = new AtomicBoolean();
    /** Set: the peer's address is unknown, as when a socket is reset before io_uring asks the kernel for it. */
    public final AtomicBoolean forgetPeers = new AtomicBoolean();

    @Override
    public String name() {
        return "failing-nio";
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public Transport open(TransportLoop loop) throws IOException {
        Transport nio = Transports.nio().open(loop);
        return (Transport) Proxy.newProxyInstance(Transport.class.getClassLoader(), new Class<?>[] {Transport.class},
            (proxy, method, args) -> {
                if (method.getName().equals("poll") && fail.get()) {
                    throw new IOException("injected");
                }
                if (method.getName().equals("remoteAddress") && forgetPeers.get()) {
                    return null;
                }
                try {
                    return method.invoke(nio, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    }

    /** Sets {@link #fail} and wakes every loop of {@code server}, whose next wait then fails. */
    public void failLoopsOf(Server server) {
        fail.set(true);
        server.loops().forEach(l -> l.execute(() -> { }));
    }
}
