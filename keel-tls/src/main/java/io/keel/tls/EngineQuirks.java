package io.keel.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;

/**
 * Every difference between the two {@link SSLEngine}s Keel drives, in one place (Netty's {@code SslEngineType}):
 * the engine driver asks these instead of testing the provider inline. One constant per {@link TlsProvider}.
 */
enum EngineQuirks {
    /** The JDK's SunJSSE engine: works on arrays, reports every status in the engine and the result alike. */
    JDK(false),
    /** Netty's OpenSSL engine over BoringSSL (netty-tcnative): reports some statuses late or in a result only. */
    OPENSSL(true);

    private final boolean directBuffers;

    EngineQuirks(boolean directBuffers) {
        this.directBuffers = directBuffers;
    }

    /** @return the quirks of the engines {@code provider} makes */
    static EngineQuirks of(TlsProvider provider) {
        return provider == TlsProvider.OPENSSL ? OPENSSL : JDK;
    }

    /**
     * True when the scratch buffers should be direct: the OpenSSL engine hands their addresses to BoringSSL and
     * would otherwise copy every heap buffer through a direct one; the JDK's engine works on arrays.
     */
    boolean directBuffers() {
        return directBuffers;
    }

    /**
     * True when the engine must be called once more, with no input, to learn that the handshake finished.
     * Netty's OpenSSL engine reads the record that completes the handshake (TLS 1.3: the client's Finished) but
     * reports FINISHED only from its next call; that call must be made even if no more bytes follow.
     *
     * @param r the result of the unwrap just made
     * @param handshaking true while the connection has not seen the handshake finish
     */
    boolean pollAfterUnwrap(SSLEngineResult r, boolean handshaking) {
        return this == OPENSSL && handshaking && r.bytesConsumed() > 0
                && r.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP;
    }

    /**
     * True when an unwrap's result asks for a wrap that the engine's own status does not show. Netty's OpenSSL
     * engine does that for the alert refusing a renegotiation (its status says NOT_HANDSHAKING): the driver must
     * flush what it has, and the error behind the alert comes with the next wrap.
     */
    boolean wrapRequestedInResultOnly(SSLEngineResult r, SSLEngine engine) {
        return this == OPENSSL && r.getHandshakeStatus() == HandshakeStatus.NEED_WRAP
                && engine.getHandshakeStatus() != HandshakeStatus.NEED_WRAP;
    }

    /**
     * True when the engine wants another handshake wrap after {@code r}. Netty's OpenSSL engine may ask for it in
     * its result only (after a fatal alert, the next wrap throws the error behind it); the JDK's status says it.
     */
    boolean wantsWrap(SSLEngineResult r, SSLEngine engine) {
        return this == OPENSSL && r.getHandshakeStatus() == HandshakeStatus.NEED_WRAP
                || engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP;
    }

    /** {@link #releaseHeldHandshakeMessages}: nothing held. */
    static final int HELD_NONE = 0;
    /** {@link #releaseHeldHandshakeMessages}: what was held is ready for the next wrap. */
    static final int HELD_ALL = 1;
    /** {@link #releaseHeldHandshakeMessages}: part is ready for the next wrap; call again after it. */
    static final int HELD_MORE = 2;

    /**
     * Called when the handshake finished on an unwrap, to make the engine release the handshake messages it holds
     * back, for wraps to send. BoringSSL keeps a TLS 1.3 server's NewSessionTicket messages until the first
     * application write (so that a client that never reads cannot block the server on them). A WebSocket server
     * writes nothing until the client's upgrade request, so the client's Finished went unanswered: the server's
     * kernel delayed its ACK by 40 ms, and a client with Nagle's algorithm on (most sockets' default) held its
     * request back until that ACK came. Sending the tickets at once, as the JDK's engine does, answers the Finished.
     *
     * @return {@link #HELD_NONE}, {@link #HELD_ALL} or {@link #HELD_MORE}
     */
    int releaseHeldHandshakeMessages(SSLEngine engine) {
        return this == OPENSSL ? TcnativeSupport.releaseHeldHandshakeMessages(engine) : HELD_NONE;
    }
}
