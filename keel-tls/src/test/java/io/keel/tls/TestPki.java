package io.keel.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

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
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test certificates for every module's TLS tests (keel-tls publishes it in its test-jar): CAs, server leaves and
 * client certificates they sign, a generated self-signed server certificate as PEM files, every file form the
 * context reads (PEM chains, PKCS#8 and traditional keys, PKCS#12), and client contexts that trust them.
 */
public final class TestPki {
    private TestPki() {
    }

    /** A key pair, its certificate and the certificate of its issuer (null when self-signed as a leaf). */
    public record Issued(KeyPair keys, X509Certificate cert, X509Certificate issuer) {
        /** The certificate, then its issuer unless it is its own. */
        public X509Certificate[] chain() {
            return issuer == null || issuer.equals(cert) ? new X509Certificate[] {cert} : new X509Certificate[] {cert, issuer};
        }

        public PrivateKey key() {
            return keys.getPrivate();
        }

        public X509Certificate certificate() {
            return cert;
        }
    }

    /** A generated self-signed server certificate (see {@link SelfSignedCertificate}) and its PEM files. */
    public record ServerCert(SelfSignedCertificate cert, Path certFile, Path keyFile) {
        /** The command-line options of a program that takes PEM files (keel-echo): --cert FILE --key FILE. */
        public String[] options() {
            return new String[] {"--cert", certFile.toString(), "--key", keyFile.toString()};
        }

        /** A client context that trusts exactly this certificate (and has no key of its own). */
        public SSLContext clientContext() {
            return TestPki.clientContext(cert.certificate(), null, null);
        }
    }

    /** Generates a self-signed server certificate and writes it as {@code server.pem} and {@code server.key} in {@code dir}. */
    public static ServerCert serverCert(Path dir) throws IOException {
        SelfSignedCertificate c = SelfSignedCertificate.generate();
        Path cert = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        c.writePem(cert, key);
        return new ServerCert(c, cert, key);
    }

    public static KeyPair ec() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed CA (keyCertSign, cRLSign) valid from an hour ago for 30 days. */
    public static Issued ca(String cn) {
        KeyPair kp = ec();
        X509Certificate c = build(cn, kp, cn, kp.getPrivate(), Instant.now().minusSeconds(3600), Duration.ofDays(30), true);
        return new Issued(kp, c, c);
    }

    /** A leaf signed by {@code ca} (or self-signed when ca is null) with these DNS names. */
    public static Issued leaf(Issued ca, KeyPair kp, Instant notBefore, Duration validity, String... dnsNames) {
        String cn = dnsNames.length > 0 ? dnsNames[0] : "client";
        X509Certificate c = ca == null
                ? build(cn, kp, cn, kp.getPrivate(), notBefore, validity, false, dnsNames)
                : build(cn, kp, subjectCn(ca.cert), ca.keys.getPrivate(), notBefore, validity, false, dnsNames);
        return new Issued(kp, c, ca == null ? null : ca.cert);
    }

    public static Issued leaf(Issued ca, String... dnsNames) {
        return leaf(ca, ec(), Instant.now().minusSeconds(3600), Duration.ofDays(10), dnsNames);
    }

    private static String subjectCn(X509Certificate c) {
        return c.getSubjectX500Principal().getName().replaceFirst("^CN=([^,]*).*$", "$1");
    }

    private static X509Certificate build(String cn, KeyPair subject, String issuerCn, PrivateKey issuerKey,
            Instant notBefore, Duration validity, boolean isCa, String... dnsNames) {
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + issuerCn),
                    new BigInteger(64, new SecureRandom()), Date.from(notBefore), Date.from(notBefore.plus(validity)),
                    new X500Name("CN=" + cn), subject.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            if (isCa) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
                b.addExtension(Extension.subjectKeyIdentifier, false,
                        new JcaX509ExtensionUtils().createSubjectKeyIdentifier(subject.getPublic()));
            }
            if (dnsNames.length > 0) {
                List<GeneralName> names = new ArrayList<>();
                for (String n : dnsNames) {
                    names.add(new GeneralName(GeneralName.dNSName, n));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            }
            return sign(b, issuerKey);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client certificate (digitalSignature, clientAuth) for {@code cn} issued by {@code ca}, valid 30 days. */
    public static Issued clientCert(Issued ca, String cn) {
        KeyPair kp = ec();
        Instant now = Instant.now();
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.cert, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))),
                    new X500Name("CN=" + cn), kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.cert));
            return new Issued(kp, sign(b, ca.key()), ca.cert);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey) throws Exception {
        String alg = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(issuerKey)));
    }

    public static String pem(Object o) {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return sw.toString();
    }

    /** "PKCS8" (BEGIN PRIVATE KEY) or "TRADITIONAL" (BEGIN RSA/EC PRIVATE KEY, as openssl's legacy forms). */
    public static String keyPem(PrivateKey key, boolean pkcs8) {
        if (pkcs8) {
            return pem(new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", key.getEncoded()));
        }
        return pem(key); // JcaPEMWriter writes PKCS#1 for RSA and SEC1 for EC
    }

    public static Path write(Path dir, String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.US_ASCII);
        return p;
    }

    /** Writes {@code o} (a certificate, a key...) as PEM to {@code file}. */
    public static Path writePem(Path file, Object o) throws IOException {
        Files.writeString(file, pem(o), StandardCharsets.US_ASCII);
        return file;
    }

    public static String chainPem(X509Certificate... chain) {
        StringBuilder sb = new StringBuilder();
        for (X509Certificate c : chain) {
            sb.append(pem(c));
        }
        return sb.toString();
    }

    /** Writes cert chain and key PEM files and returns {cert, key}. */
    public static Path[] writePem(Path dir, String prefix, Issued id, boolean pkcs8) throws IOException {
        return new Path[] {write(dir, prefix + ".crt", chainPem(id.chain())),
                write(dir, prefix + ".key", keyPem(id.keys.getPrivate(), pkcs8))};
    }

    public static Path writePkcs12(Path dir, String name, Issued id, char[] password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", id.keys.getPrivate(), password, id.chain());
        Path p = dir.resolve(name);
        try (var out = Files.newOutputStream(p)) {
            ks.store(out, password);
        }
        return p;
    }

    /** A client SSLContext trusting {@code trusted} and presenting {@code clientId} (may be null). */
    public static SSLContext clientContext(Issued clientId, X509Certificate... trusted) throws Exception {
        KeyManagerFactory kmf = null;
        if (clientId != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("c", clientId.keys.getPrivate(), "x".toCharArray(), clientId.chain());
            kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(ks, "x".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), trusting(trusted).getTrustManagers(), null);
        return ctx;
    }

    /**
     * A client context trusting only {@code trusted}; with {@code key} and {@code chain} it presents that client
     * certificate whatever CAs the server asks for (the JDK's own key manager would silently send none when the
     * issuer is not among them, so a foreign certificate would never be tested).
     */
    public static SSLContext clientContext(X509Certificate trusted, PrivateKey key, X509Certificate chain) {
        try {
            KeyManager[] kms = null;
            if (key != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", key, new char[0], new X509Certificate[] {chain});
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, new char[0]);
                kms = new KeyManager[] {new AlwaysPresent((X509ExtendedKeyManager) kmf.getKeyManagers()[0])};
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kms, trusting(trusted).getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static TrustManagerFactory trusting(X509Certificate... trusted) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        int i = 0;
        for (X509Certificate t : trusted) {
            ts.setCertificateEntry("t" + i++, t);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ts);
        return tmf;
    }

    /** Presents the one client certificate ("client") whatever the server asks for; never a server key. */
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
