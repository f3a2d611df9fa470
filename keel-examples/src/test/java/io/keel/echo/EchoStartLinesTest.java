package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What keel-echo prints when it starts, as a user reads it: every URL a person uses (the WebSocket, the page for a
 * browser, /healthz, /metrics), each of which answers; the generated certificate kept across restarts.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EchoStartLinesTest {
    /** The transport start line the child prints: the test pass's transport (-Dkeel.transport), else auto's choice. */
    private static final String TRANSPORT = ServerProgram.transportLine(
        io.keel.core.Transports.choose(System.getProperty("keel.transport", "auto")));

    private static final Pattern URL = Pattern.compile("(https?://\\S+)");
    private static final Pattern FINGERPRINT = Pattern.compile("certificate SHA-256 ([0-9A-F:]+)\\)");

    @TempDir
    Path tmp;

    /** The {@code n} lines after the "listening on" one. */
    private static List<String> nextLines(EchoProcess p, int n) throws InterruptedException {
        String[] lines = new String[n];
        for (int i = 0; i < n; i++) {
            lines[i] = p.nextLine(30);
        }
        return List.of(lines);
    }

    private static String url(String line) {
        Matcher m = URL.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        return m.group(1);
    }

    private static HttpResponse<String> get(SSLContext ssl, String url) throws Exception {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10));
        if (ssl != null) {
            b.sslContext(ssl);
        }
        try (HttpClient c = b.build()) {
            return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        }
    }

    /** A client context that trusts exactly the certificate in {@code crt}, as a user's {@code curl --cacert}. */
    private static SSLContext trusting(Path crt) throws Exception {
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(crt)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("keel", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    @Test
    void wsPrintsTheWebSocketThePageHealthzAndMetricsAndEachAnswers() throws Exception {
        try (EchoProcess p = EchoProcess.start("--mode", "ws", "--bind", "127.0.0.1", "--port", "0")) {
            String base = "127.0.0.1:" + p.port;
            assertThat(p.output.get(0)).isEqualTo("keel-echo: ws echo server listening on ws://" + base + "/");
            assertThat(nextLines(p, 4)).containsExactly(
                "  browser page: http://" + base + "/",
                "  health check: http://" + base + "/healthz",
                "  metrics:      http://" + base + "/metrics",
                TRANSPORT);
            List<String> lines = List.copyOf(p.output);
            HttpResponse<String> page = get(null, url(lines.get(1)));
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            HttpResponse<String> health = get(null, url(lines.get(2)));
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");
            HttpResponse<String> metrics = get(null, url(lines.get(3)));
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("\nkeel_http_requests_total ");
            assertThat(p.terminate()).as(p.allOutput()).isZero();
        }
    }

    /** The TLS warm-up runs in the background after the start lines and says how many handshakes it ran. */
    @Test
    void wssWarmsItsTlsHandshakeInTheBackgroundAndSaysSo() throws Exception {
        try (EchoProcess p = EchoProcess.start("--bind", "127.0.0.1", "--port", "0", "--tls-warm-up", "20")) {
            assertThat(p.awaitLine("TLS warm-up", 60))
                .matches("keel-echo: TLS warm-up: 20 handshakes in \\d+ ms");
            assertThat(p.terminate()).as(p.allOutput()).isZero();
        }
    }

    /**
     * The default wss server with --self-signed-dir: the first start generates the certificate and says so, the
     * printed https:// URLs answer to a client that trusts the printed certificate file, and a restart serves the
     * same certificate without a word about it.
     */
    @Test
    void wssKeepsItsGeneratedCertificateAcrossRestartsAndPrintsHttpsUrls() throws Exception {
        Path dir = tmp.resolve("certs");
        String fingerprint;
        try (EchoProcess p = EchoProcess.start("--bind", "127.0.0.1", "--port", "0", "--self-signed-dir", dir.toString())) {
            String base = "127.0.0.1:" + p.port;
            assertThat(p.output.get(0)).isEqualTo("keel-echo: generated a self-signed certificate in "
                + dir.resolve("self-signed.pem") + " (kept for the next starts)");
            Matcher f = FINGERPRINT.matcher(p.output.get(1));
            assertThat(f.find()).as(p.output.get(1)).isTrue();
            fingerprint = f.group(1);
            assertThat(p.output.get(1)).isEqualTo("keel-echo: wss echo server listening on wss://" + base
                + "/ (TLS openssl, certificate SHA-256 " + fingerprint + ")"); // auto: OpenSSL loads on linux-x86_64
            assertThat(nextLines(p, 5)).containsExactly(
                "  browser page: https://" + base + "/",
                "  health check: https://" + base + "/healthz",
                "  metrics:      https://" + base + "/metrics",
                TRANSPORT,
                "  certificate:  " + dir.resolve("self-signed.crt")
                    + " (self-signed: accept it once in the browser, or trust this file)");
            SSLContext trust = trusting(dir.resolve("self-signed.crt"));
            HttpResponse<String> health = get(trust, url(p.output.get(3)));
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");
            assertThat(get(trust, url(p.output.get(4))).body()).contains("\nkeel_tls_handshake_failures_total 0\n");
            assertThat(p.terminate()).as(p.allOutput()).isZero();
        }
        try (EchoProcess p = EchoProcess.start("--bind", "127.0.0.1", "--port", "0", "--self-signed-dir", dir.toString())) {
            assertThat(p.output.get(0)).contains("listening on wss://").endsWith("certificate SHA-256 " + fingerprint + ")");
            assertThat(get(trusting(dir.resolve("self-signed.crt")), "https://127.0.0.1:" + p.port + "/healthz").body())
                .isEqualTo("ok\n");
            assertThat(p.terminate()).as(p.allOutput()).isZero();
            assertThat(p.allOutput()).doesNotContain("generated");
        }
    }

    /** Without --self-signed-dir the certificate goes to $XDG_CACHE_HOME/keel (a temporary one here). */
    @Test
    void byDefaultTheCertificateIsKeptInTheXdgCacheDirectory() throws Exception {
        Path cache = tmp.resolve("xdg-cache");
        try (EchoProcess p = EchoProcess.startProgram(EchoMain.class, Map.of("XDG_CACHE_HOME", cache.toString()),
            "--bind", "127.0.0.1", "--port", "0")) {
            assertThat(p.output.get(0)).isEqualTo("keel-echo: generated a self-signed certificate in "
                + cache.resolve("keel/self-signed.pem") + " (kept for the next starts)");
            assertThat(p.awaitLine("  certificate:  ", 30)).isEqualTo("  certificate:  "
                + cache.resolve("keel/self-signed.crt") + " (self-signed: accept it once in the browser, or trust this file)");
            assertThat(p.terminate()).as(p.allOutput()).isZero();
        }
        assertThat(cache.resolve("keel/self-signed.pem")).isRegularFile();
    }

    /** A default cache directory that cannot be made is no reason not to start: a warning, a certificate in memory. */
    @Test
    void anUnusableDefaultCacheDirectoryIsAWarningAndACertificateInMemory() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("file"), "x");
        try (EchoProcess p = EchoProcess.startProgram(EchoMain.class, Map.of("XDG_CACHE_HOME", notADir.toString()),
            "--bind", "127.0.0.1", "--port", "0")) {
            assertThat(p.output.get(0)).isEqualTo("keel-echo: warning: cannot keep the self-signed certificate in "
                + notADir.resolve("keel") + " (" + notADir + " is a file, not a directory); using one in memory"
                + " (browsers will ask again after a restart)");
            assertThat(p.awaitLine("  certificate:  ", 30))
                .isEqualTo("  certificate:  self-signed, in memory only (a new one at each start)");
            assertThat(p.terminate()).as(p.allOutput()).isZero();
        }
    }

    /** keel-chat keeps its certificate the same way (and shares keel-echo's default directory). */
    @Test
    void chatKeepsItsCertificateToo() throws Exception {
        Path dir = tmp.resolve("chat-certs");
        try (EchoProcess p = EchoProcess.startProgram(io.keel.chat.ChatMain.class, "--bind", "127.0.0.1", "--port", "0",
            "--self-signed-dir", dir.toString())) {
            assertThat(p.output.get(0)).isEqualTo("keel-chat: generated a self-signed certificate in "
                + dir.resolve("self-signed.pem") + " (kept for the next starts)");
            assertThat(p.nextLine(30)).isEqualTo("  certificate: " + dir.resolve("self-signed.crt")
                + " (self-signed: accept it once in the browser, or trust this file)");
            assertThat(p.terminate()).as(p.allOutput()).isZero();
        }
    }
}
