package io.keel.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Test certificates: a CA and leaves it signs, in every file form the context reads. */
final class TestPki {
    private TestPki() {
    }

    record Issued(KeyPair keys, X509Certificate cert, X509Certificate issuer) {
        X509Certificate[] chain() {
            return issuer == null || issuer.equals(cert) ? new X509Certificate[] {cert} : new X509Certificate[] {cert, issuer};
        }
    }

    static KeyPair ec() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Issued ca(String cn) {
        KeyPair kp = ec();
        X509Certificate c = build(cn, kp, cn, kp.getPrivate(), Instant.now().minusSeconds(3600), Duration.ofDays(30), true);
        return new Issued(kp, c, c);
    }

    /** A leaf signed by {@code ca} (or self-signed when ca is null) with these DNS names. */
    static Issued leaf(Issued ca, KeyPair kp, Instant notBefore, Duration validity, String... dnsNames) {
        String cn = dnsNames.length > 0 ? dnsNames[0] : "client";
        X509Certificate c = ca == null
                ? build(cn, kp, cn, kp.getPrivate(), notBefore, validity, false, dnsNames)
                : build(cn, kp, subjectCn(ca.cert), ca.keys.getPrivate(), notBefore, validity, false, dnsNames);
        return new Issued(kp, c, ca == null ? null : ca.cert);
    }

    static Issued leaf(Issued ca, String... dnsNames) {
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
            }
            if (dnsNames.length > 0) {
                List<GeneralName> names = new ArrayList<>();
                for (String n : dnsNames) {
                    names.add(new GeneralName(GeneralName.dNSName, n));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            }
            String alg = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(Object o) {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return sw.toString();
    }

    /** "PKCS8" (BEGIN PRIVATE KEY) or "TRADITIONAL" (BEGIN RSA/EC PRIVATE KEY, as openssl's legacy forms). */
    static String keyPem(PrivateKey key, boolean pkcs8) {
        if (pkcs8) {
            return pem(new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", key.getEncoded()));
        }
        return pem(key); // JcaPEMWriter writes PKCS#1 for RSA and SEC1 for EC
    }

    static Path write(Path dir, String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.US_ASCII);
        return p;
    }

    static String chainPem(X509Certificate... chain) {
        StringBuilder sb = new StringBuilder();
        for (X509Certificate c : chain) {
            sb.append(pem(c));
        }
        return sb.toString();
    }

    /** Writes cert chain and key PEM files and returns {cert, key}. */
    static Path[] writePem(Path dir, String prefix, Issued id, boolean pkcs8) throws IOException {
        return new Path[] {write(dir, prefix + ".crt", chainPem(id.chain())),
                write(dir, prefix + ".key", keyPem(id.keys.getPrivate(), pkcs8))};
    }

    static Path writePkcs12(Path dir, String name, Issued id, char[] password) throws Exception {
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
    static SSLContext clientContext(Issued clientId, X509Certificate... trusted) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        int i = 0;
        for (X509Certificate t : trusted) {
            ts.setCertificateEntry("t" + i++, t);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ts);
        KeyManagerFactory kmf = null;
        if (clientId != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("c", clientId.keys.getPrivate(), "x".toCharArray(), clientId.chain());
            kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(ks, "x".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }
}
