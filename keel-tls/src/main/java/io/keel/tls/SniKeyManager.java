package io.keel.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Chooses the server certificate by the SNI host name the client sent (read from the engine's handshake
 * session), among identities whose key suits the negotiated key type; the first identity is the default. Aliases
 * are the identities' indexes.
 */
final class SniKeyManager extends X509ExtendedKeyManager {
    private final List<KeyMaterial> identities;

    SniKeyManager(List<KeyMaterial> identities) {
        this.identities = List.copyOf(identities);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        String host = sniHost(engine == null ? null : engine.getHandshakeSession());
        return choose(keyType, host);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        String host = null;
        if (socket instanceof javax.net.ssl.SSLSocket s) {
            host = sniHost(s.getHandshakeSession());
        }
        return choose(keyType, host);
    }

    String choose(String keyType, String host) {
        if (host != null) {
            for (int i = 0; i < identities.size(); i++) {
                KeyMaterial m = identities.get(i);
                if (suits(m, keyType) && m.matches(host)) {
                    return Integer.toString(i);
                }
            }
        }
        // no SNI, or no identity for that name: the default (first) identity that suits the key type
        for (int i = 0; i < identities.size(); i++) {
            if (suits(identities.get(i), keyType)) {
                return Integer.toString(i);
            }
        }
        return null;
    }

    private static boolean suits(KeyMaterial m, String keyType) {
        if (keyType == null) {
            return true;
        }
        String alg = m.keyAlgorithm();
        // JSSE passes "RSA", "EC", "RSASSA-PSS", and for TLS 1.2 sometimes "EC_EC"/"RSA" style names
        int us = keyType.indexOf('_');
        String kt = us > 0 ? keyType.substring(0, us) : keyType;
        return switch (kt) {
            case "RSA" -> alg.equals("RSA");
            case "RSASSA-PSS" -> alg.equals("RSASSA-PSS");
            case "EC", "ECDSA" -> alg.equals("EC");
            default -> alg.equalsIgnoreCase(kt);
        };
    }

    static String sniHost(SSLSession handshakeSession) {
        if (handshakeSession instanceof ExtendedSSLSession ext) {
            try {
                for (SNIServerName n : ext.getRequestedServerNames()) {
                    if (n instanceof SNIHostName h) {
                        return h.getAsciiName();
                    }
                    if (n.getType() == 0) { // host_name in a provider's own SNIServerName subclass
                        return new SNIHostName(n.getEncoded()).getAsciiName();
                    }
                }
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    private KeyMaterial get(String alias) {
        try {
            int i = Integer.parseInt(alias);
            return i >= 0 && i < identities.size() ? identities.get(i) : null;
        } catch (NumberFormatException | NullPointerException e) {
            return null;
        }
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        KeyMaterial m = get(alias);
        return m == null ? null : m.chain.clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        KeyMaterial m = get(alias);
        return m == null ? null : m.key;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return java.util.stream.IntStream.range(0, identities.size())
                .filter(i -> suits(identities.get(i), keyType)).mapToObj(Integer::toString).toArray(String[]::new);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
