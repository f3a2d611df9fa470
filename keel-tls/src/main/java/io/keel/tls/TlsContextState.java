package io.keel.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * What a {@link TlsContext} serves now, built together so that a reload swaps one consistent whole: the identities,
 * the provider's context and the protocols and cipher suites it actually enabled.
 *
 * @param sslContext the JDK provider's context, null for OPENSSL
 * @param nativeContext the OPENSSL provider's context (Netty's SslContext, typed Object so that this class loads
 *     without Netty), null for JDK
 * @param identities the server identities, the default first
 * @param protocols the protocol versions enabled, in preference order
 * @param cipherSuites the cipher suites enabled, in preference order
 */
record TlsContextState(SSLContext sslContext, Object nativeContext, List<KeyMaterial> identities, String[] protocols,
        String[] cipherSuites) {

    /**
     * Reads every identity and the trusted CAs and builds the provider's context.
     *
     * @param trustedClientCas the PEM file of CAs that client certificates must chain to; null: no client auth
     * @param protocols the versions asked for (a subset of {@link TlsContext#PROTOCOLS})
     * @param applicationProtocols ALPN names in preference order (OPENSSL sets them on the context)
     * @throws TlsConfigException with a human message when a file, the provider or the policy is unusable
     */
    static TlsContextState load(TlsProvider provider, List<IdentitySource> sources, Path trustedClientCas,
            List<String> protocols, List<String> applicationProtocols) {
        provider.ensureAvailable();
        List<KeyMaterial> identities = new ArrayList<>();
        for (IdentitySource s : sources) {
            identities.add(s.load());
        }
        TrustManagerFactory trust = trustedClientCas == null ? null : trustManagers(trustedClientCas);
        SniKeyManager keyManager = new SniKeyManager(identities);
        return provider == TlsProvider.OPENSSL
                ? loadNative(provider, keyManager, trust, identities, protocols, applicationProtocols)
                : loadJdk(provider, keyManager, trust, identities, protocols);
    }

    private static TlsContextState loadJdk(TlsProvider provider, SniKeyManager keyManager, TrustManagerFactory trust,
            List<KeyMaterial> identities, List<String> protocols) {
        SSLContext ctx;
        try {
            ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {keyManager}, trust == null ? null : trust.getTrustManagers(), null);
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException("Cannot create the " + provider + " TLS context: " + KeyMaterial.reason(e), e);
        }
        SSLEngine probe = ctx.createSSLEngine();
        Set<String> supportedProtocols = Set.of(probe.getSupportedProtocols());
        String[] protos = protocols.stream().filter(supportedProtocols::contains).toArray(String[]::new);
        if (protos.length == 0) {
            throw new TlsConfigException("The " + provider + " TLS provider supports none of " + protocols);
        }
        Set<String> supportedSuites = Set.of(probe.getSupportedCipherSuites());
        String[] suites = TlsContext.CIPHER_SUITES.stream().filter(supportedSuites::contains).toArray(String[]::new);
        return new TlsContextState(ctx, null, List.copyOf(identities), protos, suites);
    }

    private static TlsContextState loadNative(TlsProvider provider, SniKeyManager keyManager, TrustManagerFactory trust,
            List<KeyMaterial> identities, List<String> protocols, List<String> applicationProtocols) {
        Object ctx;
        try {
            ctx = TcnativeSupport.newContext(keyManager, trust, protocols, TlsContext.CIPHER_SUITES, applicationProtocols);
        } catch (SSLException | RuntimeException e) {
            throw new TlsConfigException("Cannot create the " + provider + " TLS context: " + KeyMaterial.reason(e), e);
        }
        // what BoringSSL actually enabled of what was asked
        SSLEngine probe = TcnativeSupport.newEngine(ctx, null, -1);
        try {
            return new TlsContextState(null, ctx, List.copyOf(identities), TcnativeSupport.enabledProtocols(probe),
                    probe.getEnabledCipherSuites());
        } finally {
            TcnativeSupport.release(probe);
        }
    }

    private static TrustManagerFactory trustManagers(Path caFile) {
        List<X509Certificate> cas = KeyFiles.readCertificates(caFile, "trusted client CA");
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (X509Certificate ca : cas) {
                ks.setCertificateEntry("ca" + i++, ca);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            return tmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsConfigException("Cannot use the trusted client CA file " + caFile + ": " + KeyMaterial.reason(e), e);
        }
    }
}
