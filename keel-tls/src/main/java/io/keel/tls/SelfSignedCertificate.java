package io.keel.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed server certificate and its key: freshly generated ({@link #generate()}: EC P-256, SHA256withECDSA,
 * subjectAltName localhost, 127.0.0.1 and ::1 plus any extra names, valid from one hour ago for the given duration,
 * default 365 days), or read back ({@link #readPem(Path)}) from the file {@link #writePem(Path)} wrote, so that a
 * server can keep the same certificate across restarts. Clients trust it by its
 * {@link #sha256Fingerprint() fingerprint} (the launcher prints it).
 */
public final class SelfSignedCertificate {
    private final PrivateKey privateKey;
    private final X509Certificate certificate;

    private SelfSignedCertificate(PrivateKey privateKey, X509Certificate certificate) {
        this.privateKey = privateKey;
        this.certificate = certificate;
    }

    /** localhost, 127.0.0.1, ::1; one year. */
    public static SelfSignedCertificate generate() {
        return generate(Duration.ofDays(365));
    }

    /**
     * Generates a certificate valid from one hour ago (so that a client whose clock is a little behind accepts it)
     * for {@code validity}.
     *
     * @param validity how long it is valid, counted from that start
     * @param extraHostNames DNS names added to the subjectAltName after localhost, 127.0.0.1 and ::1; the first one is
     *     also the subject's CN (else localhost)
     * @return a new certificate and its key (EC P-256, SHA256withECDSA)
     * @throws TlsConfigException when the JDK cannot generate the key or sign the certificate
     * @throws NullPointerException when {@code validity} is null
     */
    public static SelfSignedCertificate generate(Duration validity, String... extraHostNames) {
        return generate(Instant.now().minus(Duration.ofHours(1)), validity, extraHostNames);
    }

    /** Generates a certificate valid from {@code notBefore} for {@code validity} (tests make expired ones this way). */
    public static SelfSignedCertificate generate(Instant notBefore, Duration validity, String... extraHostNames) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            String cn = extraHostNames.length > 0 ? extraHostNames[0] : "localhost";
            X500Name name = new X500Name("CN=" + cn + ",O=Keel self-signed");
            BigInteger serial = new BigInteger(64, new SecureRandom());
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial, Date.from(notBefore),
                    Date.from(notBefore.plus(validity)), name, kp.getPublic());
            List<GeneralName> names = new ArrayList<>();
            names.add(new GeneralName(GeneralName.dNSName, "localhost"));
            names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
            names.add(new GeneralName(GeneralName.iPAddress, "::1"));
            for (String h : extraHostNames) {
                names.add(new GeneralName(GeneralName.dNSName, h));
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
            return new SelfSignedCertificate(kp.getPrivate(), cert);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new TlsConfigException("Cannot generate a self-signed certificate: " + e, e);
        }
    }

    /**
     * The certificate: self-signed when generated here; when read by {@link #readPem(Path)}, the file's first
     * certificate, not checked to be self-signed.
     */
    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * The certificate's private key: EC P-256 when generated here; whatever the file held when read by
     * {@link #readPem(Path)}.
     */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** SHA-256 of the DER certificate as upper-case hex pairs joined by colons (as openssl x509 -fingerprint). */
    public String sha256Fingerprint() {
        return fingerprint(certificate);
    }

    /**
     * The SHA-256 fingerprint of any certificate, in the format of {@link #sha256Fingerprint()}.
     *
     * @param certificate the certificate, hashed in its DER encoding
     * @return 32 upper-case hex pairs joined by colons, e.g. {@code "AB:01:..."}
     * @throws IllegalStateException when the certificate cannot be encoded
     */
    public static String fingerprint(X509Certificate certificate) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The certificate as PEM ("BEGIN CERTIFICATE"), ending with a line break. */
    public String certificatePem() {
        return toPem(certificate);
    }

    /** The key as PKCS#8 PEM ("BEGIN PRIVATE KEY"). */
    public String privateKeyPem() {
        return toPem(new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", privateKey.getEncoded()));
    }

    /**
     * Writes the certificate and the key as two PEM files, the key file readable and writable by its owner only
     * (mode 600) where the file system has POSIX permissions. Each file is written beside its final name and then
     * moved over it, so a reader sees the old file or the new one, never a part.
     */
    public void writePem(Path certificateFile, Path keyFile) throws IOException {
        writeAtomically(certificateFile, certificatePem(), false);
        writeAtomically(keyFile, privateKeyPem(), true);
    }

    /**
     * Writes the private key and the certificate into one PEM file (the key first), readable and writable by its
     * owner only (mode 600) where the file system has POSIX permissions; {@link #readPem(Path)} and
     * {@link TlsContext.Builder#certificate(Path)} read it back. The file is written beside its final name and
     * then moved over it, so a reader (another server starting at the same moment) sees the old file or the new
     * one, never a part.
     *
     * @throws IOException when the directory does not exist or is not writable
     */
    public void writePem(Path file) throws IOException {
        writeAtomically(file, privateKeyPem() + certificatePem(), true);
    }

    /**
     * Reads back a certificate and its private key from one PEM file, as {@link #writePem(Path)} writes them (any
     * PEM file with a CERTIFICATE block and an unencrypted PRIVATE KEY block will do: the first certificate is
     * taken, and whether it is self-signed is not checked). The key must match the certificate; the validity dates
     * are <em>not</em> checked, so that the caller can tell an expired certificate from an unusable file: see
     * {@link X509Certificate#getNotAfter()}.
     *
     * @throws TlsConfigException naming the file and what is wrong with it (missing, unreadable, not PEM, no key,
     *     a key that does not match)
     */
    public static SelfSignedCertificate readPem(Path file) {
        KeyMaterial m = KeyMaterial.readPemPair(file);
        return new SelfSignedCertificate(m.key, m.leaf());
    }

    private static void writeAtomically(Path file, String pem, boolean ownerOnly) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
        Path tmp = posix
                ? Files.createTempFile(dir, ".keel-", ".tmp", PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString(ownerOnly ? "rw-------" : "rw-r--r--")))
                : Files.createTempFile(dir, ".keel-", ".tmp");
        try {
            Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static String toPem(Object o) {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            if (o instanceof X509Certificate c) {
                try {
                    w.writeObject(new org.bouncycastle.util.io.pem.PemObject("CERTIFICATE", c.getEncoded()));
                } catch (CertificateEncodingException e) {
                    throw new IllegalStateException(e);
                }
            } else {
                w.writeObject((org.bouncycastle.util.io.pem.PemObjectGenerator) o);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return sw.toString();
    }
}
