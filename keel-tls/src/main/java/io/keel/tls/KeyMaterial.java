package io.keel.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.util.Collection;
import java.util.Date;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.security.auth.x500.X500Principal;

/**
 * One server identity: a private key and its certificate chain (leaf first), with the host names it serves
 * (for SNI). Loading checks that the files exist and parse, that the key matches the leaf certificate and that
 * every certificate of the chain is currently valid.
 */
final class KeyMaterial {
    final PrivateKey key;
    final X509Certificate[] chain;
    /** Lower-case DNS names from the leaf's subjectAltName (or its CN when it has none); may hold wildcards. */
    final Set<String> hostNames;

    KeyMaterial(PrivateKey key, X509Certificate[] chain) {
        this.key = key;
        this.chain = chain;
        this.hostNames = hostNames(chain[0]);
    }

    X509Certificate leaf() {
        return chain[0];
    }

    String keyAlgorithm() {
        return key.getAlgorithm();
    }

    /** True when this identity serves {@code host} (exact, or a one-label wildcard such as *.example.com). */
    boolean matches(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (hostNames.contains(h)) {
            return true;
        }
        int dot = h.indexOf('.');
        return dot > 0 && hostNames.contains("*" + h.substring(dot));
    }

    // ---------------------------------------------------------------------------------------------- loading

    static KeyMaterial fromPem(Path chainFile, Path keyFile) {
        X509Certificate[] chain = KeyFiles.readCertificates(chainFile, "certificate chain").toArray(new X509Certificate[0]);
        PrivateKey key = KeyFiles.readPrivateKey(keyFile, chain[0]);
        return validated(new KeyMaterial(key, chain), "certificate " + chainFile + " and key " + keyFile);
    }

    /** One PEM file with the chain (its CERTIFICATE blocks, leaf first) and the private key, in any order. */
    static KeyMaterial fromPem(Path file) {
        return validated(readPemPair(file), "certificate and key file " + file);
    }

    /**
     * The chain and key of one PEM file holding both, the key checked against the leaf but not the validity
     * dates (the caller decides what an expired certificate means).
     */
    static KeyMaterial readPemPair(Path file) {
        String text = new String(KeyFiles.readBytes(file, "certificate and key"), StandardCharsets.ISO_8859_1);
        if (!text.contains("-----BEGIN CERTIFICATE-----") && text.contains("PRIVATE KEY-----")) {
            throw new TlsConfigException("The certificate and key file " + file + " holds a private key but no"
                    + " certificate (-----BEGIN CERTIFICATE-----)");
        }
        X509Certificate[] chain = KeyFiles.readCertificates(file, "certificate and key").toArray(new X509Certificate[0]);
        if (!text.contains("PRIVATE KEY-----")) {
            throw new TlsConfigException("The PEM file " + file + " holds a certificate but no private key: give the"
                    + " private key file as well, or append the key to this file");
        }
        PrivateKey key = KeyFiles.readPrivateKey(file, chain[0]);
        checkKeyMatches(key, chain[0], "certificate and key file " + file);
        return new KeyMaterial(key, chain);
    }

    static KeyMaterial fromPkcs12(Path file, char[] password) {
        byte[] bytes = KeyFiles.readBytes(file, "PKCS#12 keystore");
        KeyStore ks;
        try {
            ks = KeyStore.getInstance("PKCS12");
            ks.load(new ByteArrayInputStream(bytes), password);
        } catch (IOException e) {
            if (e.getCause() instanceof java.security.UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("password")) {
                throw new TlsConfigException("Cannot open the PKCS#12 keystore " + file + ": wrong password", e);
            }
            throw new TlsConfigException("The PKCS#12 keystore " + file + " is not a valid PKCS#12 (.p12/.pfx) file"
                    + " (damaged, or another format such as PEM or JKS?)", e);
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException("Cannot read the PKCS#12 keystore " + file + ": " + reason(e), e);
        }
        try {
            for (Enumeration<String> aliases = ks.aliases(); aliases.hasMoreElements();) {
                String alias = aliases.nextElement();
                if (ks.isKeyEntry(alias)) {
                    PrivateKey key = (PrivateKey) ks.getKey(alias, password);
                    java.security.cert.Certificate[] certs = ks.getCertificateChain(alias);
                    if (certs == null || certs.length == 0) {
                        throw new TlsConfigException("The PKCS#12 keystore " + file + " has a private key ('" + alias
                                + "') but no certificate for it");
                    }
                    X509Certificate[] chain = new X509Certificate[certs.length];
                    for (int i = 0; i < certs.length; i++) {
                        chain[i] = (X509Certificate) certs[i];
                    }
                    return validated(new KeyMaterial(key, chain), "PKCS#12 keystore " + file);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException("Cannot read the private key in the PKCS#12 keystore " + file + ": "
                    + reason(e) + " (a key password different from the store password is not supported)", e);
        }
        throw new TlsConfigException("The PKCS#12 keystore " + file + " holds no private key");
    }

    static KeyMaterial validated(KeyMaterial m, String what) {
        checkKeyMatches(m.key, m.leaf(), what);
        checkValidity(m.chain, what);
        return m;
    }

    static void checkValidity(X509Certificate[] chain, String what) {
        Date now = new Date();
        for (X509Certificate c : chain) {
            try {
                c.checkValidity(now);
            } catch (CertificateExpiredException e) {
                throw new TlsConfigException("The certificate '" + subject(c) + "' in " + what + " expired on "
                        + c.getNotAfter().toInstant(), e);
            } catch (CertificateNotYetValidException e) {
                throw new TlsConfigException("The certificate '" + subject(c) + "' in " + what
                        + " is not valid yet: it starts on " + c.getNotBefore().toInstant(), e);
            }
        }
    }

    /** Signs a random blob with the private key and verifies it with the certificate's public key. */
    static void checkKeyMatches(PrivateKey key, X509Certificate cert, String what) {
        PublicKey pub = cert.getPublicKey();
        if (!sameFamily(key.getAlgorithm(), pub.getAlgorithm())) {
            throw new TlsConfigException("The private key does not match the certificate in " + what + ": the key is "
                    + key.getAlgorithm() + ", the certificate's key is " + pub.getAlgorithm());
        }
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (alg == null) {
            throw new TlsConfigException("Unsupported private key algorithm " + key.getAlgorithm() + " in " + what
                    + " (use RSA or EC)");
        }
        try {
            byte[] blob = new byte[32];
            new SecureRandom().nextBytes(blob);
            Signature s = signature(alg);
            s.initSign(key);
            s.update(blob);
            byte[] sig = s.sign();
            Signature v = signature(alg);
            v.initVerify(pub);
            v.update(blob);
            if (v.verify(sig)) {
                return;
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            // different curves and the like end up here: not a match
        }
        throw new TlsConfigException("The private key does not match the certificate '" + subject(cert) + "' in "
                + what);
    }

    /** A signature of {@code alg}; RSASSA-PSS needs its parameters given (SHA-256, MGF1, 32-byte salt). */
    private static Signature signature(String alg) throws GeneralSecurityException {
        Signature s = Signature.getInstance(alg);
        if (alg.equals("RSASSA-PSS")) {
            s.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                    java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
        }
        return s;
    }

    private static boolean sameFamily(String keyAlg, String certAlg) {
        if (keyAlg.equals(certAlg)) {
            return true;
        }
        boolean keyRsa = keyAlg.startsWith("RSA");
        boolean certRsa = certAlg.startsWith("RSA");
        return keyRsa && certRsa;
    }

    static String subject(X509Certificate c) {
        return c.getSubjectX500Principal().getName(X500Principal.RFC2253);
    }

    /** What went wrong in words for a message (see {@link io.keel.core.ErrorMessages#reason}). */
    static String reason(Throwable e) {
        return io.keel.core.ErrorMessages.reason(e);
    }

    private static Set<String> hostNames(X509Certificate cert) {
        Set<String> names = new LinkedHashSet<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == 2 || type == 7) { // dNSName, iPAddress
                        names.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateException e) {
            // unparsable SAN: fall back to the CN
        }
        if (names.isEmpty()) {
            String dn = cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
            for (String rdn : dn.split(",")) {
                if (rdn.startsWith("CN=")) {
                    names.add(rdn.substring(3).toLowerCase(Locale.ROOT));
                }
            }
        }
        return names;
    }

    static boolean isEc(PrivateKey k) {
        return k instanceof ECKey;
    }
}
