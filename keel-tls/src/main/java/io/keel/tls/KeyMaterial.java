package io.keel.tls;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

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
        X509Certificate[] chain = readCertificates(chainFile, "certificate chain").toArray(new X509Certificate[0]);
        PrivateKey key = readPrivateKey(keyFile, chain[0]);
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
        String text = new String(readBytes(file, "certificate and key"), StandardCharsets.ISO_8859_1);
        if (!text.contains("-----BEGIN CERTIFICATE-----") && text.contains("PRIVATE KEY-----")) {
            throw new TlsConfigException("The certificate and key file " + file + " holds a private key but no"
                    + " certificate (-----BEGIN CERTIFICATE-----)");
        }
        X509Certificate[] chain = readCertificates(file, "certificate and key").toArray(new X509Certificate[0]);
        if (!text.contains("PRIVATE KEY-----")) {
            throw new TlsConfigException("The PEM file " + file + " holds a certificate but no private key: give the"
                    + " private key file as well, or append the key to this file");
        }
        PrivateKey key = readPrivateKey(file, chain[0]);
        checkKeyMatches(key, chain[0], "certificate and key file " + file);
        return new KeyMaterial(key, chain);
    }

    static KeyMaterial fromPkcs12(Path file, char[] password) {
        byte[] bytes = readBytes(file, "PKCS#12 keystore");
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
            Signature s = Signature.getInstance(alg);
            if (alg.equals("RSASSA-PSS")) {
                s.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            s.initSign(key);
            s.update(blob);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            if (alg.equals("RSASSA-PSS")) {
                v.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
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

    static List<X509Certificate> readCertificates(Path file, String what) {
        byte[] bytes = readBytes(file, what);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (!text.contains("-----BEGIN CERTIFICATE-----")) {
            if (text.contains("PRIVATE KEY-----")) {
                throw new TlsConfigException("The " + what + " file " + file
                        + " holds a private key, not certificates (are the certificate and key files swapped?)");
            }
            throw new TlsConfigException("The " + what + " file " + file
                    + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        // only the CERTIFICATE blocks: the file may hold the private key too, and text around the blocks
        StringBuilder blocks = new StringBuilder();
        for (java.util.regex.Matcher m = CERTIFICATE_BLOCK.matcher(text); m.find();) {
            blocks.append(m.group()).append('\n');
        }
        if (blocks.isEmpty()) {
            throw new TlsConfigException("The " + what + " file " + file
                    + " has a BEGIN CERTIFICATE line without its END CERTIFICATE line (truncated?)");
        }
        try (InputStream in = new ByteArrayInputStream(blocks.toString().getBytes(StandardCharsets.ISO_8859_1))) {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            Collection<? extends java.security.cert.Certificate> certs = cf.generateCertificates(in);
            List<X509Certificate> out = new ArrayList<>();
            for (java.security.cert.Certificate c : certs) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new TlsConfigException("The " + what + " file " + file + " holds no certificate");
            }
            return out;
        } catch (CertificateException | IOException | RuntimeException e) {
            if (e instanceof TlsConfigException t) {
                throw t;
            }
            throw new TlsConfigException("The " + what + " file " + file + " holds a CERTIFICATE block that is not"
                    + " a valid X.509 certificate (damaged or truncated?)", e);
        }
    }

    static PrivateKey readPrivateKey(Path file, X509Certificate leaf) {
        byte[] bytes = readBytes(file, "private key");
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (!text.contains("PRIVATE KEY-----")) {
            if (text.contains("-----BEGIN CERTIFICATE-----")) {
                throw new TlsConfigException("The private key file " + file
                        + " holds a certificate, not a private key (are the certificate and key files swapped?)");
            }
            throw new TlsConfigException("The private key file " + file
                    + " holds no PEM private key (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)");
        }
        try (Reader r = new StringReader(text); PEMParser parser = new PEMParser(r)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                PrivateKeyInfo info;
                if (o instanceof PrivateKeyInfo pki) { // BEGIN PRIVATE KEY (PKCS#8)
                    info = pki;
                } else if (o instanceof PEMKeyPair kp) { // BEGIN RSA PRIVATE KEY (PKCS#1), BEGIN EC PRIVATE KEY (SEC1)
                    info = kp.getPrivateKeyInfo();
                    if (info != null && missingParameters(info) && kp.getPublicKeyInfo() != null
                            && !isNull(kp.getPublicKeyInfo().getAlgorithm().getParameters())) {
                        info = new PrivateKeyInfo(kp.getPublicKeyInfo().getAlgorithm(), info.parsePrivateKey());
                    }
                } else if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new TlsConfigException("The private key file " + file + " is encrypted; give an unencrypted"
                            + " key (openssl pkey -in " + file + " -out key.pem) or a PKCS#12 file with its password");
                } else {
                    continue; // EC PARAMETERS blocks and the like
                }
                if (missingParameters(info) && leaf != null
                        && leaf.getPublicKey() instanceof java.security.interfaces.ECPublicKey pub) {
                    // a SEC1 key written without its curve: take the curve of the certificate's key
                    BigInteger d = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey()).getKey();
                    try {
                        return KeyFactory.getInstance("EC").generatePrivate(new java.security.spec.ECPrivateKeySpec(d,
                                pub.getParams()));
                    } catch (GeneralSecurityException e) {
                        throw new TlsConfigException("The EC private key in " + file + " cannot be used: " + reason(e), e);
                    }
                }
                return toJca(info, file);
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof TlsConfigException t) {
                throw t;
            }
            throw new TlsConfigException("The private key file " + file + " holds a PRIVATE KEY block that is not"
                    + " a valid private key (damaged or truncated?)", e);
        }
        throw new TlsConfigException("The private key file " + file + " holds no private key");
    }

    private static boolean missingParameters(PrivateKeyInfo info) {
        return info.getPrivateKeyAlgorithm().getAlgorithm().getId().equals("1.2.840.10045.2.1")
                && isNull(info.getPrivateKeyAlgorithm().getParameters());
    }

    private static boolean isNull(Object params) {
        return params == null || params instanceof org.bouncycastle.asn1.ASN1Null;
    }

    private static PrivateKey toJca(PrivateKeyInfo info, Path file) throws IOException {
        String oid = info.getPrivateKeyAlgorithm().getAlgorithm().getId();
        String alg = switch (oid) {
            case "1.2.840.113549.1.1.1" -> "RSA";
            case "1.2.840.113549.1.1.10" -> "RSASSA-PSS";
            case "1.2.840.10045.2.1" -> "EC";
            case "1.3.101.112" -> "Ed25519";
            case "1.3.101.113" -> "Ed448";
            default -> null;
        };
        if (alg == null) {
            throw new TlsConfigException("The private key in " + file + " uses an unsupported algorithm (OID " + oid
                    + "); use RSA or EC");
        }
        try {
            return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException("The " + alg + " private key in " + file + " cannot be used: " + reason(e), e);
        }
    }

    /**
     * The bytes of {@code file}; a {@link TlsConfigException} naming the file and what is wrong in words (does not
     * exist, is a directory, permission denied...), never a Java exception's text.
     */
    static byte[] readBytes(Path file, String what) {
        if (Files.isDirectory(file)) {
            throw new TlsConfigException("The " + what + " file " + file + " is a directory, not a file");
        }
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TlsConfigException("The " + what + " file " + file + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new TlsConfigException("The " + what + " file " + file + " cannot be read: permission denied", e);
        } catch (IOException | RuntimeException e) {
            throw new TlsConfigException("The " + what + " file " + file + " cannot be read: " + reason(e), e);
        }
    }

    private static final java.util.regex.Pattern CERTIFICATE_BLOCK =
            java.util.regex.Pattern.compile("-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----",
                    java.util.regex.Pattern.DOTALL);

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
