package io.keel.tls;

import io.keel.core.Connection;

/**
 * Told when a secure connection is established: called on the connection's loop when its TLS handshake completes,
 * just before the inner handler's {@code onOpen}, so that a server can log or check what was negotiated before any
 * data flows. Give one to {@link TlsServerLayer.Builder#listener}, or let the inner handler implement
 * this interface (the layer then calls it too). A handler that only needs the session can instead read
 * {@link Connection#tlsSession()} in {@code onOpen}, which is never called before the handshake is done.
 */
@FunctionalInterface
public interface SecureConnectionListener {
    /**
     * The handshake of {@code connection} completed. An exception thrown here is treated as one thrown by a
     * handler callback: the core reports it and closes the connection.
     *
     * @param connection the secure connection the inner handler will see (sends made here are encrypted)
     * @param info what was negotiated: protocol, cipher suite, ALPN, SNI and the client's certificates
     */
    void onSecureConnectionEstablished(Connection connection, TlsHandshakeInfo info);
}
