package io.keel.tls;

import io.keel.core.Connection;

/**
 * The seed's "secure connection established" callback. Called on the connection's loop when the handshake
 * completes, just before the inner handler's {@code onOpen}; {@code connection} is the secure connection the
 * inner handler will see. Give one to {@link TlsServerLayer.Builder#listener}, or let the inner handler implement
 * this interface (the layer then calls it too). A handler that only needs the session can instead read
 * {@link Connection#tlsSession()} in {@code onOpen}, which is never called before the handshake is done.
 */
@FunctionalInterface
public interface SecureConnectionListener {
    void onSecureConnectionEstablished(Connection connection, TlsHandshakeInfo info);
}
