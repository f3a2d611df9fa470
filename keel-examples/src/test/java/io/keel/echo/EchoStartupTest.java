package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.chat.ChatProgramRun;
import io.keel.tls.SelfSignedCertificate;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * keel-echo's command line and start-up failures as a user meets them, run in this JVM ({@link EchoMain#run}
 * returns before installing any signal handler when it fails): each failure is one line on stderr naming the file
 * and what is wrong, exit 2 for the command line, 1 for the start; never a Java exception's text.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EchoStartupTest {
    @TempDir
    Path dir;

    /** What {@link EchoMain#run} returned and printed. */
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = EchoMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A failure: exactly {@code line} (after "keel-echo: ") on stderr, nothing on stdout, exit {@code exit}. */
    private static void assertFails(int exit, String line, String... args) {
        Run r = run(args);
        assertThat(r.exit()).as(String.join(" ", args) + "\n" + r.err()).isEqualTo(exit);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("keel-echo: " + line + System.lineSeparator())
            .doesNotContain("Exception").doesNotContain("java.").doesNotContain("\tat ");
    }

    private static String[] wss(String... more) {
        String[] all = new String[more.length + 4];
        System.arraycopy(new String[] {"--bind", "127.0.0.1", "--port", "0"}, 0, all, 0, 4);
        System.arraycopy(more, 0, all, 4, more.length);
        return all;
    }

    @Test
    void helpListsEveryHttpEndpointAndTheNewOptions() {
        Run r = run("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("Usage: keel-echo [options]")
            .contains("GET /           a page to try the echo in a browser")
            .contains("GET /healthz    200 \"ok\" while the server accepts connections, 503 once it drains or shuts down")
            .contains("GET /metrics    the counters in Prometheus' text format")
            .contains("--admin-port PORT", "--admin-bind ADDRESS", "--self-signed-dir DIR", "--cert FILE [--key FILE]",
                "without --key, FILE holds both", "--pkcs12 FILE --password-file FILE", "--stats SECONDS",
                "--drain-delay SECONDS", "--ping-interval SECONDS", "--pong-timeout SECONDS",
                "--tls-provider auto|jdk|openssl");
    }

    @Test
    void usageErrorsAreOneLineWithAHintAndExitTwo() {
        assertFails(2, "--pkcs12 needs --password-file FILE: a file whose first line is the key store's password,"
            + " empty for none (try 'keel-echo --help')", "--pkcs12", "server.p12");
        assertFails(2, "unknown option '--nope' (try 'keel-echo --help')", "--nope");
        assertFails(2, "--admin-bind goes with --admin-port PORT (try 'keel-echo --help')", "--admin-bind", "::1");
    }

    @Test
    void badCertificateFilesAreOneLineNamingTheFileAndExitOne() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("a-dir"));
        SelfSignedCertificate ss = SelfSignedCertificate.generate();
        Path crt = dir.resolve("c.pem");
        Path key = dir.resolve("k.pem");
        ss.writePem(crt, key);
        Path missing = dir.resolve("missing.pem");
        assertFails(1, "The certificate chain file " + sub + " is a directory, not a file",
            wss("--cert", sub.toString(), "--key", key.toString()));
        assertFails(1, "The private key file " + sub + " is a directory, not a file",
            wss("--cert", crt.toString(), "--key", sub.toString()));
        assertFails(1, "The certificate chain file " + missing + " does not exist",
            wss("--cert", missing.toString(), "--key", key.toString()));
        assertFails(1, "The certificate and key file " + missing + " does not exist", wss("--cert", missing.toString()));
        assertFails(1, "The PEM file " + crt + " holds a certificate but no private key: give the private key file as"
            + " well, or append the key to this file", wss("--cert", crt.toString()));
        assertFails(1, "The trusted client CA file " + sub + " is a directory, not a file",
            wss("--cert", crt.toString(), "--key", key.toString(), "--verify-peer", "--ca", sub.toString()));
        Path pw = Files.writeString(dir.resolve("pw"), "secret\n");
        assertFails(1, "The PKCS#12 keystore file " + sub + " is a directory, not a file",
            wss("--pkcs12", sub.toString(), "--password-file", pw.toString()));
        Path notP12 = Files.writeString(dir.resolve("x.p12"), "hello");
        assertFails(1, "The PKCS#12 keystore " + notP12 + " is not a valid PKCS#12 (.p12/.pfx) file (damaged, or"
            + " another format such as PEM or JKS?)", wss("--pkcs12", notP12.toString(), "--password-file", pw.toString()));
        assertFails(1, "The password file " + sub + " is a directory, not a file",
            wss("--pkcs12", notP12.toString(), "--password-file", sub.toString()));
        Path damaged = Files.writeString(dir.resolve("bad.pem"),
            "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n" + ss.privateKeyPem());
        assertFails(1, "The certificate and key file " + damaged + " holds a CERTIFICATE block that is not a valid"
            + " X.509 certificate (damaged or truncated?)", wss("--cert", damaged.toString()));
    }

    @Test
    void anUnwritableSelfSignedDirIsOneLineAndExitOne() throws Exception {
        // a file where the directory should be: not writable as a directory, even for root (CI)
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertFails(1, "cannot keep the self-signed certificate in " + file + ": it is a file, not a directory",
            wss("--self-signed-dir", file.toString()));
        Path below = file.resolve("keel");
        assertFails(1, "cannot keep the self-signed certificate in " + below + ": " + file + " is a file, not a directory",
            wss("--self-signed-dir", below.toString()));
        // keel-chat says the same
        ChatProgramRun.Run r = ChatProgramRun.run("--bind", "127.0.0.1", "--port", "0", "--self-signed-dir", file.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("keel-chat: cannot keep the self-signed certificate in " + file
            + ": it is a file, not a directory" + System.lineSeparator());
    }

    /** --cert with one PEM file holding the chain and the key serves that certificate. */
    @Test
    void onePemFileWithCertificateAndKeyWorksWithCertAlone() throws Exception {
        SelfSignedCertificate ss = SelfSignedCertificate.generate();
        Path both = dir.resolve("both.pem");
        Files.writeString(both, ss.certificatePem() + ss.privateKeyPem());
        EchoServer echo = EchoServer.start(EchoOptions.parse(wss("--cert", both.toString())));
        try {
            assertThat(echo.tls.certificate()).isEqualTo(ss.certificate());
            assertThat(echo.selfSigned).isNull();
            // the listening line, the page, /healthz, /metrics and the transport
            assertThat(echo.listeningLines()).hasSize(5).first().asString()
                .endsWith("(TLS openssl, certificate SHA-256 " + ss.sha256Fingerprint() + ")"); // auto: OpenSSL loads
        } finally {
            echo.server.close();
        }
    }
}
