package io.keel.tls;

/**
 * Where a {@link TlsConnection} is in its life. It only moves forward (a later phase never gives way to an earlier
 * one); the few things independent of it (reading paused, end of input seen, a task or a decryption running) are
 * flags of the connection.
 */
enum TlsPhase {
    /** Waiting for the handshake; the inner handler has not been opened. */
    HANDSHAKING,
    /** Established: plaintext flows both ways. */
    OPEN,
    /** close_notify sent (close or shutdownOutput): nothing more is sent. */
    CLOSING,
    /** A TLS error, a timeout, an abandoned handshake or a broken stream: nothing more is processed or sent. */
    FAILED,
    /** The raw connection closed; the engine is released. */
    CLOSED
}
