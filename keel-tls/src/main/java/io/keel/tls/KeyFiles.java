package io.keel.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the files a {@link TlsContext} is configured with: PEM certificate chains (RFC 7468 "CERTIFICATE" blocks)
 * and PEM private keys (PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY", unencrypted), and
 * the bytes of any such file. Every problem is a {@link TlsConfigException} that names the file and says in words
 * what is wrong (swapped files, an encrypted key, a truncated block...), never a Java exception's text.
 */
final class KeyFiles {
    private KeyFiles() {
    }

    /**
     * The certificates of the CERTIFICATE blocks of {@code file}, in file order (other blocks and text between
     * them are ignored).
     *
     * @param what what the file is, for messages ("certificate chain", "trusted client CA"...)
     * @throws TlsConfigException when the file cannot be read or holds no valid certificate
     */
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

    /**
     * The first private key of {@code file}. A SEC1 EC key written without its curve takes the curve of
     * {@code leaf}'s public key.
     *
     * @param leaf the certificate the key belongs to (may be null)
     * @throws TlsConfigException when the file cannot be read or holds no usable, unencrypted private key
     */
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
                        throw new TlsConfigException("The EC private key in " + file + " cannot be used: " + KeyMaterial.reason(e), e);
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
            throw new TlsConfigException("The " + alg + " private key in " + file + " cannot be used: " + KeyMaterial.reason(e), e);
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
            throw new TlsConfigException("The " + what + " file " + file + " cannot be read: " + KeyMaterial.reason(e), e);
        }
    }

    private static final java.util.regex.Pattern CERTIFICATE_BLOCK =
            java.util.regex.Pattern.compile("-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----",
                    java.util.regex.Pattern.DOTALL);
}
