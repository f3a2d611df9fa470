package io.keel.tls;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The server side TLS configuration: identities (certificate chain + key, several for SNI), the provider (JDK
 * or OpenSSL: BoringSSL through netty-tcnative), optional client certificate verification, and ALPN. Built once by
 * {@link #builder()}; {@link #reload()} re-reads the files so that new connections get the new certificates while
 * established ones keep theirs.
 *
 * <p>Policy (Mozilla "intermediate"): TLS 1.3 and 1.2 only; AEAD cipher suites with forward secrecy only
 * (ECDHE-ECDSA / ECDHE-RSA with AES-GCM or CHACHA20-POLY1305, and the TLS 1.3 suites); the server's cipher
 * order wins; client-initiated renegotiation is refused.
 *
 * <p>Errors are {@link TlsConfigException}s with one human message.
 */
public final class TlsContext {

    static {
        // JSSE reads it when the first server handshake context class initialises; BoringSSL never renegotiates
        // as a server. TLS 1.3 has no renegotiation at all.
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        }
    }

    /** TLS 1.3 first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** Mozilla intermediate, without the DHE suites: ECDHE + AEAD only, in preference order. */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private final TlsProvider provider;
    private final List<IdentitySource> sources;
    private final Path trustedClientCas;
    private final List<String> applicationProtocols;
    private final List<String> protocols;
    private final AtomicReference<TlsContextState> state = new AtomicReference<>();
    private final AtomicLong reloads = new AtomicLong();

    private TlsContext(Builder b) {
        this.provider = b.provider;
        this.sources = List.copyOf(b.sources);
        this.trustedClientCas = b.trustedClientCas;
        this.applicationProtocols = List.copyOf(b.applicationProtocols);
        this.protocols = List.copyOf(b.protocols);
        state.set(load());
    }

    /**
     * A builder with the defaults: the JDK provider, TLS 1.3 and 1.2, ALPN {@code http/1.1}, no client certificates.
     * At least one identity must be added before {@link Builder#build()}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    private TlsContextState load() {
        return TlsContextState.load(provider, sources, trustedClientCas, protocols, applicationProtocols);
    }

    /**
     * Re-reads the certificate, key, PKCS#12, password and CA files and, if they are all good, makes them the ones new connections
     * get; established connections keep their session. A self-signed identity is kept as is. On error the
     * current configuration stays and the {@link TlsConfigException} says what is wrong.
     */
    public void reload() {
        TlsContextState old = state.getAndSet(load());
        reloads.incrementAndGet();
        if (old.nativeContext() != null) {
            // its engines hold references of their own: it is freed when the last of them is released
            TcnativeSupport.release(old.nativeContext());
        }
    }

    /** How many times {@link #reload()} succeeded. */
    public long reloadCount() {
        return reloads.get();
    }

    /**
     * A new server-mode engine configured with the current certificates and this policy. An OPENSSL engine holds
     * native memory until {@link #release(SSLEngine)} (the TLS layer does that when the connection closes).
     */
    public SSLEngine newEngine() {
        return newEngine(null, -1);
    }

    /** As {@link #newEngine()}, with the peer's address as a session-cache hint. */
    public SSLEngine newEngine(String peerHost, int peerPort) {
        TlsContextState s = state.get();
        while (s.nativeContext() != null) {
            // everything (policy, client auth, ALPN, tickets) is set on the context
            SSLEngine e = TcnativeSupport.newEngine(s.nativeContext(), peerHost, peerPort);
            if (e != null) {
                return e;
            }
            TlsContextState now = state.get();
            if (now == s) {
                throw new IllegalStateException("the current OpenSSL context was released");
            }
            s = now; // a reload released that context after we read it: take the new one
        }
        SSLEngine e = peerHost == null ? s.sslContext().createSSLEngine() : s.sslContext().createSSLEngine(peerHost, peerPort);
        e.setUseClientMode(false);
        SSLParameters p = e.getSSLParameters();
        p.setProtocols(s.protocols());
        p.setCipherSuites(s.cipherSuites());
        p.setUseCipherSuitesOrder(true);
        if (trustedClientCas != null) {
            p.setNeedClientAuth(true);
        }
        e.setSSLParameters(p);
        if (!applicationProtocols.isEmpty()) {
            e.setHandshakeApplicationProtocolSelector((engine, offered) -> selectApplicationProtocol(offered));
        }
        return e;
    }

    /**
     * Frees what an engine from {@link #newEngine()} holds outside the Java heap (OPENSSL: its BoringSSL state).
     * Call it once, when the engine is no longer used; a no-op for the JDK provider.
     */
    public void release(SSLEngine engine) {
        if (provider == TlsProvider.OPENSSL) {
            TcnativeSupport.release(engine);
        }
    }

    /** Ours in our order of preference; "" (no ALPN, no failure) when the client offers none of them. */
    String selectApplicationProtocol(List<String> offered) {
        for (String p : applicationProtocols) {
            if (offered.contains(p)) {
                return p;
            }
        }
        return "";
    }

    /**
     * The JDK SSLContext new connections use now (changes on {@link #reload()}); null for the OPENSSL provider,
     * whose context is Netty's and not an SSLContext.
     */
    public SSLContext sslContext() {
        return state.get().sslContext();
    }

    /** The TLS implementation this context was built with ({@link Builder#build()} checked that it loads). */
    public TlsProvider provider() {
        return provider;
    }

    /**
     * True when clients must present a certificate issued by one of the CAs given to {@link Builder#verifyPeer(Path)};
     * a handshake without one fails.
     */
    public boolean verifiesPeer() {
        return trustedClientCas != null;
    }

    /**
     * The ALPN protocols the server accepts, in preference order; empty when ALPN is disabled. With the JDK provider
     * a client that offers none of them still connects, without ALPN.
     *
     * @return an unmodifiable list
     */
    public List<String> applicationProtocols() {
        return applicationProtocols;
    }

    /** The OPENSSL provider's current context (Netty's, reference counted), null for JDK; for tests. */
    Object nativeContext() {
        return state.get().nativeContext();
    }

    /** The protocols and cipher suites actually enabled for this provider. */
    public List<String> enabledProtocols() {
        return List.of(state.get().protocols());
    }

    /**
     * The cipher suites actually enabled for this provider, in preference order: those of {@link #CIPHER_SUITES} the
     * provider supports, as it reports them.
     *
     * @return an unmodifiable list
     */
    public List<String> enabledCipherSuites() {
        return List.of(state.get().cipherSuites());
    }

    /** The default identity's leaf certificate (the one served without SNI). */
    public X509Certificate certificate() {
        return state.get().identities().get(0).leaf();
    }

    /**
     * The default identity's certificate chain, leaf first (the one served without SNI; the new one after a
     * {@link #reload()}).
     *
     * @return an unmodifiable list
     */
    public List<X509Certificate> certificateChain() {
        return List.of(state.get().identities().get(0).chain);
    }

    /** SHA-256 fingerprint of the default certificate, colon-separated upper-case hex (printed by the launcher). */
    public String sha256Fingerprint() {
        return SelfSignedCertificate.fingerprint(certificate());
    }

    @Override
    public String toString() {
        return "TlsContext[" + provider + ", " + Arrays.toString(state.get().protocols()) + ", "
                + KeyMaterial.subject(certificate()) + (verifiesPeer() ? ", verify peer" : "") + "]";
    }

    // -------------------------------------------------------------------------------------------------- builder

    /** Builds a {@link TlsContext}; from {@link TlsContext#builder()}. */
    public static final class Builder {
        private TlsProvider provider = TlsProvider.JDK;
        private final List<IdentitySource> sources = new ArrayList<>();
        private Path trustedClientCas;
        private List<String> applicationProtocols = List.of("http/1.1");
        private List<String> protocols = PROTOCOLS;

        private Builder() {
        }

        /**
         * Adds an identity from a PEM certificate chain (leaf first) and a PEM private key (PKCS#8
         * "BEGIN PRIVATE KEY", PKCS#1 "BEGIN RSA PRIVATE KEY" or SEC1 "BEGIN EC PRIVATE KEY", unencrypted). The
         * first identity added is the default; further ones are served to clients whose SNI name matches their
         * certificate's subjectAltName DNS names (wildcards included).
         */
        public Builder certificate(Path certificateChainPem, Path privateKeyPem) {
            sources.add(new IdentitySource.Pem(Objects.requireNonNull(certificateChainPem), Objects.requireNonNull(privateKeyPem)));
            return this;
        }

        /**
         * As {@link #certificate(Path, Path)} with the certificate chain and the private key in one PEM file, in any
         * order (what {@code cat cert.pem key.pem > both.pem} or {@link SelfSignedCertificate#writePem(Path)}
         * make): its CERTIFICATE blocks are the chain, leaf first, and its one PRIVATE KEY block (of the kinds
         * above, unencrypted) is the key. Other blocks and text between blocks are ignored. A file without a
         * private key is an error that says so. The file is re-read on {@link TlsContext#reload()}.
         */
        public Builder certificate(Path certificateChainAndKeyPem) {
            sources.add(new IdentitySource.Pem(Objects.requireNonNull(certificateChainAndKeyPem), null));
            return this;
        }

        /** Adds an identity from a PKCS#12 (.p12/.pfx) file: its first key entry and that entry's chain. */
        public Builder pkcs12(Path file, char[] password) {
            sources.add(new IdentitySource.Pkcs12(Objects.requireNonNull(file), password == null ? new char[0] : password.clone()));
            return this;
        }

        /**
         * As {@link #pkcs12(Path, char[])} with the password read from the first line of {@code passwordFile}
         * (re-read on {@link TlsContext#reload()}; an empty file is an empty password).
         *
         * @throws NullPointerException when {@code file} or {@code passwordFile} is null (a store without a
         *     password: {@code pkcs12(file, new char[0])})
         */
        public Builder pkcs12(Path file, Path passwordFile) {
            sources.add(new IdentitySource.Pkcs12PasswordFile(Objects.requireNonNull(file), Objects.requireNonNull(passwordFile)));
            return this;
        }

        /** Adds a freshly generated self-signed identity (EC P-256; localhost, 127.0.0.1, ::1). */
        public Builder selfSigned() {
            return selfSigned(SelfSignedCertificate.generate());
        }

        /**
         * Adds the identity of {@code certificate}, for example one read back by
         * {@link SelfSignedCertificate#readPem(Path)} to keep it across restarts; {@link TlsContext#reload()} keeps
         * it as is.
         *
         * @param certificate the certificate and its key
         * @return this builder
         * @throws TlsConfigException when the key does not match the certificate, or the certificate is expired or not
         *     valid yet (checked as by {@link #keyAndChain})
         * @throws NullPointerException when {@code certificate} is null
         */
        public Builder selfSigned(SelfSignedCertificate certificate) {
            return keyAndChain(certificate.privateKey(), certificate.certificate());
        }

        /** Adds an identity from objects in memory (checked like the files). */
        public Builder keyAndChain(java.security.PrivateKey key, X509Certificate... chain) {
            KeyMaterial m = KeyMaterial.validated(new KeyMaterial(key, chain.clone()), "the given key and certificate");
            sources.add(new IdentitySource.Fixed(m));
            return this;
        }

        /** Requires client certificates, verified against the CA certificates in this PEM file. */
        public Builder verifyPeer(Path trustedCaPem) {
            this.trustedClientCas = trustedCaPem;
            return this;
        }

        /**
         * The TLS implementation (default {@link TlsProvider#JDK}). {@link TlsProvider#OPENSSL} needs netty-tcnative;
         * when it cannot load, {@link #build()} throws a {@link TlsConfigException} that says why.
         *
         * @param provider the provider
         * @return this builder
         * @throws NullPointerException when {@code provider} is null
         */
        public Builder provider(TlsProvider provider) {
            this.provider = Objects.requireNonNull(provider);
            return this;
        }

        /** ALPN protocols the server accepts, in preference order; default {@code http/1.1}; none disables ALPN. */
        public Builder applicationProtocols(String... protocols) {
            this.applicationProtocols = List.of(protocols);
            return this;
        }

        /** Restricts the protocol versions (a subset of TLSv1.3 and TLSv1.2). */
        public Builder protocols(String... versions) {
            Set<String> v = new LinkedHashSet<>(List.of(versions));
            for (String p : v) {
                if (!PROTOCOLS.contains(p)) {
                    throw new TlsConfigException("Unsupported TLS protocol version '" + p + "': only TLSv1.3 and TLSv1.2");
                }
            }
            if (v.isEmpty()) {
                throw new TlsConfigException("No TLS protocol version given");
            }
            this.protocols = List.copyOf(v);
            return this;
        }

        /** Loads and checks everything; throws {@link TlsConfigException} with a human message on any problem. */
        public TlsContext build() {
            if (sources.isEmpty()) {
                throw new TlsConfigException("No server certificate: give a certificate and key, a PKCS#12 file,"
                        + " or ask for a self-signed certificate");
            }
            return new TlsContext(this);
        }
    }
}
