package io.keel.transport.iouring;

import io.keel.core.Transport;
import io.keel.core.TransportLoop;
import io.keel.core.TransportProvider;
import java.io.IOException;

/**
 * The {@code io_uring} transport, found by {@code Transports.choose("io_uring")} (or {@code "auto"}) through
 * {@link java.util.ServiceLoader}. Needs Linux 6.0 or newer with io_uring allowed, JDK 22 or newer, and the JVM
 * started with {@code --enable-native-access=ALL-UNNAMED}; {@link #unavailableReason()} says which is missing.
 */
public final class IoUringTransportProvider implements TransportProvider {

    /** Made by {@link java.util.ServiceLoader}. */
    public IoUringTransportProvider() {
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "io_uring";
    }

    /** {@inheritDoc} */
    @Override
    public String unavailableReason() {
        return IoUring.unavailableReason();
    }

    /** {@inheritDoc} */
    @Override
    public Transport open(TransportLoop loop) throws IOException {
        return new IoUringTransport(loop);
    }
}
