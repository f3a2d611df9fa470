package io.keel.tls;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import io.netty.internal.tcnative.Buffer;
import io.netty.internal.tcnative.SSL;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ReferenceCountUtil;

/**
 * The OPENSSL provider: BoringSSL (netty-tcnative) through Netty's OpenSSL {@link SSLEngine}, which keeps the
 * TLS state in memory BIOs (no file descriptor per connection, unlike Conscrypt's pipe per engine). Loaded only
 * when that provider is used; its signatures use JDK types only, so {@link TlsContext} loads without Netty.
 *
 * <p>Contexts and engines are reference counted ({@link SslProvider#OPENSSL_REFCNT}): native memory is freed
 * when they are released, not by a finalizer. Each engine holds a reference to its context, so a context that a
 * reload replaced is freed once its last connection is gone.
 */
final class TcnativeSupport {
    /**
     * The engine copies heap buffers through direct buffers from this allocator; the layer hands it direct
     * buffers, so this serves only the rare heap ones (plaintext the handler left, input held back).
     */
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    /**
     * What BoringSSL writes outside a wrap (its handshake flight while reading the ClientHello, an alert) goes to a
     * buffer each engine allocates for its whole life: Netty's 2 KiB default was the largest native cost of an
     * idle connection. What does not fit waits in BoringSSL and goes out with the next wrap, at no extra cost.
     */
    private static final int NON_APPLICATION_BUFFER = 256;

    private TcnativeSupport() {
    }

    /** Null when BoringSSL loaded, otherwise why not. */
    static Throwable unavailabilityCause() {
        return OpenSsl.isAvailable() ? null : OpenSsl.unavailabilityCause();
    }

    /** A server context (a ReferenceCountedOpenSslContext) with one reference, for the caller to release. */
    static Object newContext(X509ExtendedKeyManager keyManager, TrustManagerFactory trust, List<String> protocols,
            List<String> cipherSuites, List<String> applicationProtocols) throws SSLException {
        // the key manager chooses by SNI; the caching factory converts each identity to native form once instead of
        // at every handshake (a reload builds a new context, so the cache never outlives the files it came from)
        SslContextBuilder b = SslContextBuilder.forServer(new OpenSslCachingX509KeyManagerFactory(
                new KeyManagerFactoryWrapper(keyManager)))
                .sslProvider(SslProvider.OPENSSL_REFCNT)
                .protocols(protocols)
                // BoringSSL always enables its three TLS 1.3 suites; the TLS 1.2 ones are the list given
                .ciphers(cipherSuites, SupportedCipherSuiteFilter.INSTANCE)
                // the certificate and verify callbacks run on the loop, as they did with Conscrypt (cached key
                // material: cheap); a hop to the task executor and back per handshake would cost more than it saves
                .option(OpenSslContextOption.USE_TASKS, false);
        if (trust != null) {
            b.trustManager(trust).clientAuth(ClientAuth.REQUIRE);
        }
        if (!applicationProtocols.isEmpty()) {
            // ours in our order; a client offering none of them gets no ALPN rather than a failed handshake
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, applicationProtocols));
        }
        SslContext ctx = b.build();
        ((ReferenceCountedOpenSslContext) ctx).setBioNonApplicationBufferSize(NON_APPLICATION_BUFFER);
        // Netty turns TLS 1.2 session tickets off (SSL_OP_NO_TICKET, like the JDK) and enables only the TLS 1.3
        // ones; this enables both, with keys BoringSSL generates and rotates itself. With tickets the server keeps
        // no per-session state for resumption.
        ((OpenSslServerSessionContext) ctx.sessionContext()).setTicketKeys();
        return ctx;
    }

    /**
     * A server engine with one reference, released by {@link #release} when its connection is gone; null when the
     * context was released meanwhile (a reload replaced it).
     */
    static SSLEngine newEngine(Object context, String peerHost, int peerPort) {
        SslContext ctx = (SslContext) context;
        try {
            return peerHost == null ? ctx.newEngine(ALLOC) : ctx.newEngine(ALLOC, peerHost, peerPort);
        } catch (IllegalReferenceCountException e) {
            return null;
        }
    }

    /** The protocol versions an engine has enabled, without the "SSLv2Hello" pseudo-protocol Netty always lists. */
    static String[] enabledProtocols(SSLEngine engine) {
        return Arrays.stream(engine.getEnabledProtocols()).filter(p -> !p.equals("SSLv2Hello")).toArray(String[]::new);
    }

    /** Drops one reference to a context or engine (frees its native memory when it was the last). */
    /**
     * What a zero-byte write points at: tcnative refuses a null address, BoringSSL reads none of it. A holder, so
     * that the native call is made once the library is loaded (at the first handshake), not when this class is.
     */
    private static final class Nothing {
        static final ByteBuffer BUFFER = ByteBuffer.allocateDirect(1);
        static final long ADDRESS = Buffer.address(BUFFER);
    }

    /**
     * Makes BoringSSL hand over the handshake messages it holds back (TLS 1.3 NewSessionTicket) with a zero-byte
     * SSL_write, as BoringSSL's {@code tls13_server.cc} tells servers that do not write at once; the next wrap then
     * returns them. The engine's lock is held, as its own methods hold it.
     *
     * @param engine a server engine of this provider
     * @return {@link EngineQuirks#HELD_NONE} (nothing was held, or the engine is gone), {@link EngineQuirks#HELD_ALL}
     *     (all of it is now for the next wrap) or {@link EngineQuirks#HELD_MORE} (the engine's 256-byte buffer took
     *     part: wrap, then call again, so that the zero-byte write completes before any other write)
     */
    static int releaseHeldHandshakeMessages(SSLEngine engine) {
        if (!(engine instanceof ReferenceCountedOpenSslEngine e)) {
            return EngineQuirks.HELD_NONE;
        }
        synchronized (e) {
            long ssl = e.sslPointer();
            if (ssl == 0) {
                return EngineQuirks.HELD_NONE; // freed: the connection is gone
            }
            int r = SSL.writeToSSL(ssl, Nothing.ADDRESS, 0);
            if (r >= 0) {
                return EngineQuirks.HELD_ALL;
            }
            int error = SSL.getError(ssl, r);
            SSL.clearError();
            return error == SSL.SSL_ERROR_WANT_WRITE ? EngineQuirks.HELD_MORE : EngineQuirks.HELD_NONE;
        }
    }

    static void release(Object contextOrEngine) {
        ReferenceCountUtil.release(contextOrEngine);
    }
}
