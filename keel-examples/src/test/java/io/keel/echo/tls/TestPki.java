package io.keel.echo.tls;

import io.keel.tls.SelfSignedCertificate;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.net.Socket;
import java.security.Principal;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates for the wss tests: the server's own (as PEM files for --cert/--key), CAs and client certificates. */
final class TestPki {
    private TestPki() {
    }

    /** A generated server certificate written as {@code server.pem} and {@code server.key} in {@code dir}. */
    record ServerCert(SelfSignedCertificate cert, Path certFile, Path keyFile) {
        /** The options that make keel-echo use it. */
        String[] options() {
            return new String[] {"--cert", certFile.toString(), "--key", keyFile.toString()};
        }

        /** A client context that trusts exactly this certificate (and has no key of its own). */
        SSLContext clientContext() {
            return TestPki.clientContext(cert.certificate(), null, null);
        }
    }

    static ServerCert serverCert(Path dir) throws IOException {
        SelfSignedCertificate c = SelfSignedCertificate.generate();
        Path cert = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        c.writePem(cert, key);
        return new ServerCert(c, cert, key);
    }

    /** A key pair and its certificate. */
    record Issued(PrivateKey key, X509Certificate certificate) {
    }

    static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** A self-signed CA that can sign certificates. */
    static Issued ca(String name) throws Exception {
        KeyPair kp = ecKeyPair();
        X500Name n = new X500Name("CN=" + name);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(n, serial(), Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofDays(30))), n, kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectKeyIdentifier, false, new JcaX509ExtensionUtils().createSubjectKeyIdentifier(kp.getPublic()));
        return new Issued(kp.getPrivate(), sign(b, kp.getPrivate()));
    }

    /** A client certificate (clientAuth) for {@code cn} issued by {@code ca}. */
    static Issued clientCert(Issued ca, String cn) throws Exception {
        KeyPair kp = ecKeyPair();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate(), serial(),
            Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), new X500Name("CN=" + cn), kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        b.addExtension(Extension.authorityKeyIdentifier, false, new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.certificate()));
        return new Issued(kp.getPrivate(), sign(b, ca.key()));
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom());
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey issuerKey) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    static String pem(Object o) throws IOException {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        }
        return s.toString();
    }

    static Path writePem(Path file, Object o) throws IOException {
        Files.writeString(file, pem(o), StandardCharsets.US_ASCII);
        return file;
    }

    /**
     * A TLS client context trusting only {@code trusted}; with {@code key} and {@code chain} it presents that
     * client certificate.
     */
    static SSLContext clientContext(X509Certificate trusted, PrivateKey key, X509Certificate chain) {
        try {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("server", trusted);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ts);
            KeyManagerFactory kmf = null;
            if (key != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", key, new char[0], new X509Certificate[] {chain});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, new char[0]);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : new KeyManager[] {new AlwaysPresent((X509ExtendedKeyManager) kmf.getKeyManagers()[0])},
                tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Presents the one client certificate whatever CAs the server asks for (the JDK's own key manager would
     * silently send none when the issuer is not among them, and a foreign certificate would never be tested).
     */
    private static final class AlwaysPresent extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager km;

        AlwaysPresent(X509ExtendedKeyManager km) {
            this.km = km;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "client";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "client";
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"client"};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return km.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return km.getPrivateKey(alias);
        }
    }
}
