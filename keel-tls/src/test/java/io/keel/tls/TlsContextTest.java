package io.keel.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLEngine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TlsContextTest {
    @TempDir
    Path dir;

    @Test
    void selfSignedHasLocalhostNamesAndFingerprint() throws Exception {
        SelfSignedCertificate ss = SelfSignedCertificate.generate();
        X509Certificate c = ss.certificate();
        assertThat(c.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(c.getSubjectAlternativeNames()).extracting(l -> l.get(1).toString())
                .contains("localhost", "127.0.0.1").anyMatch(s -> s.startsWith("0:0:0:0:0:0:0:1") || s.equals("::1"));
        byte[] d = MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
        assertThat(ss.sha256Fingerprint()).isEqualTo(HexFormat.ofDelimiter(":").withUpperCase().formatHex(d))
                .hasSize(32 * 3 - 1);
        TlsContext ctx = TlsContext.builder().selfSigned(ss).build();
        assertThat(ctx.sha256Fingerprint()).isEqualTo(ss.sha256Fingerprint());
        assertThat(ctx.certificate()).isEqualTo(c);
    }

    @Test
    void fingerprintMatchesOpenssl() throws Exception {
        assumeTrue(Openssl.available(), "openssl not installed");
        SelfSignedCertificate ss = SelfSignedCertificate.generate();
        Path crt = dir.resolve("ss.crt");
        ss.writePem(crt, dir.resolve("ss.key"));
        String out = Openssl.run("x509", "-in", crt.toString(), "-noout", "-fingerprint", "-sha256");
        assertThat(out.trim()).endsWith("=" + ss.sha256Fingerprint());
        // and the written files load back
        assertThat(TlsContext.builder().certificate(crt, dir.resolve("ss.key")).build().sha256Fingerprint())
                .isEqualTo(ss.sha256Fingerprint());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ec-pkcs8", "ec-sec1", "rsa-pkcs8", "rsa-pkcs1"})
    void readsPemKeysInEveryForm(String form) throws Exception {
        boolean rsa = form.startsWith("rsa");
        boolean pkcs8 = form.endsWith("pkcs8");
        TestPki.Issued ca = TestPki.ca("Test CA");
        TestPki.Issued id = TestPki.leaf(ca, rsa ? TestPki.rsa() : TestPki.ec(), Instant.now().minusSeconds(60),
                Duration.ofDays(1), "localhost");
        Path[] files = TestPki.writePem(dir, form, id, pkcs8);
        String keyText = Files.readString(files[1]);
        assertThat(keyText).contains(pkcs8 ? "BEGIN PRIVATE KEY" : rsa ? "BEGIN RSA PRIVATE KEY" : "BEGIN EC PRIVATE KEY");
        TlsContext ctx = TlsContext.builder().certificate(files[0], files[1]).build();
        assertThat(ctx.certificate()).isEqualTo(id.cert());
        assertThat(ctx.certificateChain()).containsExactly(id.cert(), ca.cert());
    }

    @ParameterizedTest
    @ValueSource(strings = {"genpkey-ec", "ecparam", "genrsa-traditional", "genpkey-rsa"})
    void readsKeysWrittenByOpenssl(String how) throws Exception {
        assumeTrue(Openssl.available(), "openssl not installed");
        Path key = dir.resolve(how + ".key");
        switch (how) {
            case "genpkey-ec" -> Openssl.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", key.toString());
            case "ecparam" -> Openssl.run("ecparam", "-name", "prime256v1", "-genkey", "-out", key.toString());
            case "genrsa-traditional" -> Openssl.run("genrsa", "-traditional", "-out", key.toString(), "2048");
            default -> Openssl.run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                    key.toString());
        }
        Path crt = dir.resolve(how + ".crt");
        Openssl.run("req", "-x509", "-new", "-key", key.toString(), "-out", crt.toString(), "-days", "2", "-subj",
                "/CN=localhost");
        String text = Files.readString(key);
        assertThat(text).contains(switch (how) {
            case "ecparam" -> "BEGIN EC PRIVATE KEY";
            case "genrsa-traditional" -> "BEGIN RSA PRIVATE KEY";
            default -> "BEGIN PRIVATE KEY";
        });
        TlsContext ctx = TlsContext.builder().certificate(crt, key).build();
        assertThat(KeyMaterial.subject(ctx.certificate())).isEqualTo("CN=localhost");
    }

    @Test
    void readsPkcs12AndRejectsAWrongPassword() throws Exception {
        TestPki.Issued id = TestPki.leaf(null, "localhost");
        Path p12 = TestPki.writePkcs12(dir, "server.p12", id, "secret".toCharArray());
        assertThat(TlsContext.builder().pkcs12(p12, "secret".toCharArray()).build().certificate()).isEqualTo(id.cert());
        assertThatThrownBy(() -> TlsContext.builder().pkcs12(p12, "wrong".toCharArray()).build())
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("wrong password");
        Path pwFile = TestPki.write(dir, "pw.txt", "secret\n");
        assertThat(TlsContext.builder().pkcs12(p12, pwFile).build().certificate()).isEqualTo(id.cert());
        assertThatThrownBy(() -> TlsContext.builder().pkcs12(p12, dir.resolve("nopw.txt")).build())
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("password file").hasMessageContaining("does not exist");
        Path notP12 = TestPki.write(dir, "x.p12", "hello");
        assertThatThrownBy(() -> TlsContext.builder().pkcs12(notP12, "x".toCharArray()).build())
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("PKCS#12");
    }

    @Test
    void missingAndSwappedFiles() throws Exception {
        TestPki.Issued id = TestPki.leaf(null, "localhost");
        Path[] f = TestPki.writePem(dir, "s", id, true);
        assertThatThrownBy(() -> TlsContext.builder().certificate(dir.resolve("nope.crt"), f[1]).build())
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("nope.crt").hasMessageContaining("does not exist");
        assertThatThrownBy(() -> TlsContext.builder().certificate(f[1], f[0]).build())
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("swapped");
        Path garbage = TestPki.write(dir, "g.key", "-----BEGIN PRIVATE KEY-----\nnot base64!!\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TlsContext.builder().certificate(f[0], garbage).build())
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("g.key");
        assertThatThrownBy(() -> TlsContext.builder().build()).isInstanceOf(TlsConfigException.class)
                .hasMessageContaining("No server certificate");
    }

    @Test
    void onePemFileWithTheChainAndTheKeyInEitherOrder() throws Exception {
        TestPki.Issued ca = TestPki.ca("Test CA");
        TestPki.Issued id = TestPki.leaf(ca, TestPki.ec(), Instant.now().minusSeconds(60), Duration.ofDays(1), "localhost");
        Path[] f = TestPki.writePem(dir, "s", id, true);
        String chain = Files.readString(f[0]);
        String key = Files.readString(f[1]);
        Path keyFirst = TestPki.write(dir, "key-first.pem", key + chain);
        Path keyLast = TestPki.write(dir, "key-last.pem", "a comment line\n" + chain + key);
        for (Path both : List.of(keyFirst, keyLast)) {
            TlsContext ctx = TlsContext.builder().certificate(both).build();
            assertThat(ctx.certificateChain()).as(both.toString()).containsExactly(id.cert(), ca.cert());
            ctx.reload(); // re-read from the same one file
            assertThat(ctx.certificate()).isEqualTo(id.cert());
        }
    }

    @Test
    void onePemFileWithoutItsKeyOrWithoutItsCertificateSaysWhichIsMissing() throws Exception {
        TestPki.Issued id = TestPki.leaf(null, "localhost");
        Path[] f = TestPki.writePem(dir, "s", id, true);
        assertThatThrownBy(() -> TlsContext.builder().certificate(f[0]).build())
                .isInstanceOf(TlsConfigException.class)
                .hasMessage("The PEM file " + f[0] + " holds a certificate but no private key: give the private key"
                        + " file as well, or append the key to this file");
        assertThatThrownBy(() -> TlsContext.builder().certificate(f[1]).build())
                .isInstanceOf(TlsConfigException.class)
                .hasMessage("The certificate and key file " + f[1] + " holds a private key but no certificate"
                        + " (-----BEGIN CERTIFICATE-----)");
        TestPki.Issued other = TestPki.leaf(null, "localhost");
        Path mismatched = TestPki.write(dir, "mismatch.pem", Files.readString(f[0])
                + Files.readString(TestPki.writePem(dir, "o", other, true)[1]));
        assertThatThrownBy(() -> TlsContext.builder().certificate(mismatched).build())
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("does not match")
                .hasMessageContaining(mismatched.toString());
    }

    /** Every file error names the file and says what is wrong in words: no Java exception text. */
    @Test
    void fileErrorsAreWordsNotJavaExceptions() throws Exception {
        TestPki.Issued id = TestPki.leaf(null, "localhost");
        Path[] f = TestPki.writePem(dir, "s", id, true);
        Path sub = Files.createDirectory(dir.resolve("a-directory"));
        assertThatThrownBy(() -> TlsContext.builder().certificate(sub, f[1]).build())
                .hasMessage("The certificate chain file " + sub + " is a directory, not a file");
        assertThatThrownBy(() -> TlsContext.builder().certificate(f[0], sub).build())
                .hasMessage("The private key file " + sub + " is a directory, not a file");
        assertThatThrownBy(() -> TlsContext.builder().certificate(sub).build())
                .hasMessage("The certificate and key file " + sub + " is a directory, not a file");
        assertThatThrownBy(() -> TlsContext.builder().certificate(f[0], f[1]).verifyPeer(sub).build())
                .hasMessage("The trusted client CA file " + sub + " is a directory, not a file");
        assertThatThrownBy(() -> TlsContext.builder().pkcs12(sub, "x".toCharArray()).build())
                .hasMessage("The PKCS#12 keystore file " + sub + " is a directory, not a file");
        Path p12 = TestPki.writePkcs12(dir, "server.p12", id, "secret".toCharArray());
        assertThatThrownBy(() -> TlsContext.builder().pkcs12(p12, sub).build())
                .hasMessage("The password file " + sub + " is a directory, not a file");
        Path notP12 = TestPki.write(dir, "x.p12", "hello");
        assertThatThrownBy(() -> TlsContext.builder().pkcs12(notP12, "x".toCharArray()).build())
                .hasMessage("The PKCS#12 keystore " + notP12 + " is not a valid PKCS#12 (.p12/.pfx) file (damaged,"
                        + " or another format such as PEM or JKS?)");
        Path badCert = TestPki.write(dir, "bad.crt", "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> TlsContext.builder().certificate(badCert, f[1]).build())
                .hasMessage("The certificate chain file " + badCert + " holds a CERTIFICATE block that is not a valid"
                        + " X.509 certificate (damaged or truncated?)");
        Path truncated = TestPki.write(dir, "cut.crt", Files.readString(f[0]).substring(0, 100));
        assertThatThrownBy(() -> TlsContext.builder().certificate(truncated, f[1]).build())
                .hasMessage("The certificate chain file " + truncated + " has a BEGIN CERTIFICATE line without its END"
                        + " CERTIFICATE line (truncated?)");
        Path garbageKey = TestPki.write(dir, "g.key", "-----BEGIN PRIVATE KEY-----\nnot base64!!\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TlsContext.builder().certificate(f[0], garbageKey).build())
                .hasMessageStartingWith("The private key file " + garbageKey + " ").hasMessageNotContaining("Exception")
                .hasMessageNotContaining("java.");
    }

    @Test
    void reasonDropsJavaClassNames() {
        assertThat(KeyMaterial.reason(new java.io.IOException("java.io.IOException: Is a directory"))).isEqualTo("Is a directory");
        assertThat(KeyMaterial.reason(new RuntimeException("Unable to initialize, java.io.IOException: Invalid lenByte")))
                .isEqualTo("Unable to initialize, Invalid lenByte");
        assertThat(KeyMaterial.reason(new java.nio.file.FileSystemException("/x", null, "Read-only file system")))
                .isEqualTo("Read-only file system");
        assertThat(KeyMaterial.reason(new RuntimeException(new java.io.IOException("disk on fire")))).isEqualTo("disk on fire");
        assertThat(KeyMaterial.reason(new NullPointerException())).isEqualTo("unexpected error");
    }

    @Test
    void aSelfSignedCertificateWrittenToOneFileReadsBackWithAnOwnerOnlyFile() throws Exception {
        SelfSignedCertificate ss = SelfSignedCertificate.generate();
        Path file = dir.resolve("self-signed.pem");
        ss.writePem(file);
        SelfSignedCertificate back = SelfSignedCertificate.readPem(file);
        assertThat(back.certificate()).isEqualTo(ss.certificate());
        assertThat(back.privateKey().getEncoded()).isEqualTo(ss.privateKey().getEncoded());
        assertThat(TlsContext.builder().certificate(file).build().sha256Fingerprint()).isEqualTo(ss.sha256Fingerprint());
        if (Files.getFileStore(dir).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .isEqualTo("rw-------");
            Path crt = dir.resolve("ss.crt");
            Path key = dir.resolve("ss.key");
            ss.writePem(crt, key);
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                    .isEqualTo("rw-------");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(crt)))
                    .isEqualTo("rw-r--r--");
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file left")
                    .noneMatch(n -> n.endsWith(".tmp"));
        }
        // overwritten in place: the new one is read back
        SelfSignedCertificate next = SelfSignedCertificate.generate();
        next.writePem(file);
        assertThat(SelfSignedCertificate.readPem(file).certificate()).isEqualTo(next.certificate());
        // an expired one reads back too: the caller decides
        SelfSignedCertificate expired = SelfSignedCertificate.generate(Instant.now().minus(Duration.ofDays(3)), Duration.ofDays(1));
        expired.writePem(file);
        assertThat(SelfSignedCertificate.readPem(file).certificate()).isEqualTo(expired.certificate());
        assertThatThrownBy(() -> TlsContext.builder().certificate(file).build()).hasMessageContaining("expired on");
    }

    @Test
    void keyThatDoesNotMatchTheCertificate() throws Exception {
        TestPki.Issued a = TestPki.leaf(null, "localhost");
        TestPki.Issued b = TestPki.leaf(null, "localhost");
        Path crt = TestPki.write(dir, "a.crt", TestPki.chainPem(a.cert()));
        Path key = TestPki.write(dir, "b.key", TestPki.keyPem(b.keys().getPrivate(), true));
        assertThatThrownBy(() -> TlsContext.builder().certificate(crt, key).build())
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("does not match");
        Path rsaKey = TestPki.write(dir, "r.key", TestPki.keyPem(TestPki.rsa().getPrivate(), false));
        assertThatThrownBy(() -> TlsContext.builder().certificate(crt, rsaKey).build())
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("does not match");
    }

    @Test
    void expiredAndNotYetValidCertificates() throws Exception {
        TestPki.Issued expired = TestPki.leaf(null, TestPki.ec(), Instant.now().minus(Duration.ofDays(10)),
                Duration.ofDays(1), "localhost");
        Path[] f = TestPki.writePem(dir, "exp", expired, true);
        assertThatThrownBy(() -> TlsContext.builder().certificate(f[0], f[1]).build())
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("expired on");
        TestPki.Issued future = TestPki.leaf(null, TestPki.ec(), Instant.now().plus(Duration.ofDays(2)),
                Duration.ofDays(1), "localhost");
        Path[] g = TestPki.writePem(dir, "fut", future, true);
        assertThatThrownBy(() -> TlsContext.builder().certificate(g[0], g[1]).build())
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("not valid yet");
    }

    @ParameterizedTest
    @ValueSource(strings = {"JDK", "OPENSSL"})
    void enginesGetTheIntermediatePolicy(TlsProvider provider) {
        assumeTrue(provider.isAvailable(), "provider not available");
        TlsContext ctx = TlsContext.builder().selfSigned().provider(provider).build();
        SSLEngine e = ctx.newEngine();
        assertThat(e.getUseClientMode()).isFalse();
        // Netty's OpenSSL engine always lists the "SSLv2Hello" pseudo-protocol (a ClientHello format, not a version)
        assertThat(e.getEnabledProtocols()).filteredOn(p -> !p.equals("SSLv2Hello"))
                .containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(ctx.enabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(e.getEnabledCipherSuites()).allMatch(s -> s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_")
                || s.startsWith("TLS_ECDHE_") && (s.contains("_GCM_") || s.contains("CHACHA20_POLY1305")));
        assertThat(e.getEnabledCipherSuites()).contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        assertThat(ctx.enabledCipherSuites()).containsExactlyInAnyOrder(e.getEnabledCipherSuites());
        if (provider == TlsProvider.JDK) {
            assertThat(ctx.sslContext().getProvider().getName()).isEqualTo("SunJSSE");
        } else {
            assertThat(ctx.sslContext()).isNull();
            assertThat(e.getClass().getName()).startsWith("io.netty.handler.ssl.").contains("OpenSslEngine");
        }
        ctx.release(e);
        assertThat(System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation")).isEqualTo("true");
    }

    @Test
    void protocolsCanBeRestrictedButNotWidened() {
        TlsContext ctx = TlsContext.builder().selfSigned().protocols("TLSv1.3").build();
        assertThat(ctx.newEngine().getEnabledProtocols()).containsExactly("TLSv1.3");
        assertThatThrownBy(() -> TlsContext.builder().protocols("TLSv1.1")).isInstanceOf(TlsConfigException.class)
                .hasMessageContaining("TLSv1.1");
    }

    @Test
    void reloadServesTheNewCertificateAndKeepsTheOldOnError() throws Exception {
        TestPki.Issued one = TestPki.leaf(null, "localhost");
        Path[] f = TestPki.writePem(dir, "srv", one, true);
        TlsContext ctx = TlsContext.builder().certificate(f[0], f[1]).build();
        assertThat(ctx.certificate()).isEqualTo(one.cert());
        TestPki.Issued two = TestPki.leaf(null, "localhost");
        TestPki.writePem(dir, "srv", two, false);
        ctx.reload();
        assertThat(ctx.certificate()).isEqualTo(two.cert());
        assertThat(ctx.reloadCount()).isEqualTo(1);
        // a bad file: the error says why and the current certificate stays
        Files.writeString(f[1], TestPki.keyPem(one.keys().getPrivate(), true));
        assertThatThrownBy(ctx::reload).isInstanceOf(TlsConfigException.class).hasMessageContaining("does not match");
        assertThat(ctx.certificate()).isEqualTo(two.cert());
    }

    @Test
    void openSslProviderLoadsOrSaysWhy() {
        // on this machine Netty and netty-tcnative are on the test class path
        if (TlsProvider.OPENSSL.isAvailable()) {
            assertThat(TlsContext.builder().selfSigned().provider(TlsProvider.OPENSSL).build().provider())
                    .isEqualTo(TlsProvider.OPENSSL);
        }
        // the messages for the machines where they are not
        assertThat(TlsProvider.unavailable(new ClassNotFoundException("io.netty.internal.tcnative.SSLContext")))
                .hasMessageStartingWith("The OpenSSL TLS provider needs netty-tcnative (io.netty:netty-tcnative-boringssl-static)")
                .hasMessageEndingWith("use the JDK provider");
        assertThat(TlsProvider.unavailable(new NoClassDefFoundError("io/netty/handler/ssl/OpenSsl")))
                .hasMessageContaining("io.netty:netty-handler").hasMessageContaining("io.netty.handler.ssl.OpenSsl is missing");
        assertThat(TlsProvider.unavailable(new UnsatisfiedLinkError("no netty_tcnative_linux_x86_64")))
                .hasMessageStartingWith("The OpenSSL TLS provider (BoringSSL through netty-tcnative) cannot load its native library on")
                .hasMessageContaining("no netty_tcnative_linux_x86_64").hasMessageEndingWith("use the JDK provider instead");
    }

    /** openssl on the PATH, for tests that use it (they skip when it is missing). */
    static final class Openssl {
        static boolean available() {
            try {
                Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (Exception e) {
                return false;
            }
        }

        static String run(String... args) throws Exception {
            List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("openssl %s: %s", String.join(" ", args), out).isZero();
            return out;
        }
    }
}
