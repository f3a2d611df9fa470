package io.keel.tls;

import java.util.Arrays;
import java.util.List;

import javax.net.ssl.SSLEngine;

import org.conscrypt.Conscrypt;

/** Conscrypt-specific engine setup; loaded only when the OPENSSL provider is used. */
final class ConscryptSupport {
    private ConscryptSupport() {
    }

    static void configure(SSLEngine e, String[] protocols, String[] suites, boolean needClientAuth,
            List<String> applicationProtocols) {
        e.setEnabledProtocols(protocols);
        // BoringSSL always enables its TLS 1.3 suites; only the TLS 1.2 ones are configurable
        String[] tls12 = Arrays.stream(suites).filter(s -> !s.startsWith("TLS_AES_") && !s.startsWith("TLS_CHACHA20_"))
                .toArray(String[]::new);
        e.setEnabledCipherSuites(tls12);
        if (needClientAuth) {
            e.setNeedClientAuth(true);
        }
        // Conscrypt turns tickets off unless asked (SSL_OP_NO_TICKET): without them TLS 1.3 cannot resume
        Conscrypt.setUseSessionTickets(e, true);
        if (!applicationProtocols.isEmpty()) {
            Conscrypt.setApplicationProtocols(e, applicationProtocols.toArray(new String[0]));
        }
    }
}
