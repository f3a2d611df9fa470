package io.keel.tls;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What a completed handshake negotiated.
 *
 * @param protocol            "TLSv1.3" or "TLSv1.2"
 * @param cipherSuite         for example "TLS_AES_128_GCM_SHA256"
 * @param applicationProtocol the ALPN protocol chosen, or "" when none
 * @param serverName          the SNI host name the client asked for, or null
 * @param peerCertificates    the client's verified certificate chain (leaf first); empty unless verify-peer is on
 */
public record TlsHandshakeInfo(String protocol, String cipherSuite, String applicationProtocol, String serverName,
        List<X509Certificate> peerCertificates) {

    /** The client's leaf certificate, or null. */
    public X509Certificate peerCertificate() {
        return peerCertificates.isEmpty() ? null : peerCertificates.get(0);
    }

    static TlsHandshakeInfo of(SSLEngine engine, SSLSession session) {
        List<X509Certificate> peer;
        try {
            Certificate[] certs = session.getPeerCertificates();
            peer = java.util.Arrays.stream(certs).filter(X509Certificate.class::isInstance)
                    .map(X509Certificate.class::cast).toList();
        } catch (SSLPeerUnverifiedException e) {
            peer = List.of();
        }
        String alpn;
        try {
            alpn = engine.getApplicationProtocol();
        } catch (UnsupportedOperationException e) {
            alpn = null;
        }
        return new TlsHandshakeInfo(session.getProtocol(), session.getCipherSuite(), alpn == null ? "" : alpn,
                SniKeyManager.sniHost(session), peer);
    }
}
