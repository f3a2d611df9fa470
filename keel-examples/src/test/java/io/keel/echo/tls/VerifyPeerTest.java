package io.keel.echo.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keel.tls.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --verify-peer --ca ca.pem}: a client certificate issued by that CA gets its echo; no certificate, or one
 * from another CA, fails the TLS handshake and never reaches the WebSocket layer.
 */
@Timeout(60)
class VerifyPeerTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "--tls-provider {0}")
    @ValueSource(strings = {"jdk", "openssl"})
    void onlyClientsWithACertificateFromTheCaGetIn(String provider) throws Exception {
        TestPki.ServerCert server = TestPki.serverCert(dir);
        TestPki.Issued ca = TestPki.ca("Keel test client CA");
        TestPki.Issued good = TestPki.clientCert(ca, "good client");
        TestPki.Issued otherCa = TestPki.ca("Some other CA");
        TestPki.Issued stranger = TestPki.clientCert(otherCa, "stranger");
        Path caFile = TestPki.writePem(dir.resolve("ca.pem"), ca.certificate());

        SSLContext goodCtx = TestPki.clientContext(server.cert().certificate(), good.key(), good.certificate());
        SSLContext noCertCtx = server.clientContext();
        SSLContext strangerCtx = TestPki.clientContext(server.cert().certificate(), stranger.key(), stranger.certificate());

        List<String> args = new ArrayList<>(List.of("--tls-provider", provider, "--verify-peer", "--ca", caFile.toString()));
        args.addAll(List.of(server.options()));
        try (WssEchoProcess p = WssEchoProcess.start(args.toArray(String[]::new))) {
            URI uri = URI.create("wss://127.0.0.1:" + p.port + "/");

            // the good client: a WebSocket echo
            try (HttpClient http = HttpClient.newBuilder().sslContext(goodCtx).build()) {
                JdkWebSocketClientTest.Collector c = new JdkWebSocketClientTest.Collector();
                WebSocket ws = http.newWebSocketBuilder().buildAsync(uri, c).get(20, TimeUnit.SECONDS);
                ws.sendText("mutual TLS", true).get(10, TimeUnit.SECONDS);
                assertThat(c.next()).isEqualTo("mutual TLS");
                ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
                assertThat(c.next()).isEqualTo("close 1000");
            }

            // no certificate and a certificate from another CA: the JDK WebSocket client cannot connect
            for (SSLContext bad : List.of(noCertCtx, strangerCtx)) {
                try (HttpClient http = HttpClient.newBuilder().sslContext(bad).build()) {
                    assertThatThrownBy(() -> http.newWebSocketBuilder().buildAsync(uri, new JdkWebSocketClientTest.Collector())
                        .get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
                }
            }

            // (the JDK client tries each twice)
            long failures = WssEchoProcess.metric(p.get(goodCtx, "/metrics"), "keel_tls_handshake_failures_total");
            assertThat(failures).isGreaterThanOrEqualTo(2);

            // and at the socket level, for TLS 1.3 (where the client finishes first) and 1.2: the upgrade request
            // sent gets no 101 (nor any HTTP answer): an alert or the connection closed
            for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
                for (SSLContext bad : List.of(noCertCtx, strangerCtx)) {
                    assertThat(upgradeAttempt(bad, protocol, p.port)).as(protocol).doesNotContain("HTTP/1.1");
                }
            }

            // 4 more failed handshakes; only the good client's upgrade reached the WebSocket layer
            String metrics = awaitMetric(p, goodCtx, "keel_tls_handshake_failures_total", failures + 4);
            assertThat(WssEchoProcess.metric(metrics, "keel_websocket_handshakes_total{version=\"rfc_6455\"}")).as(metrics).isEqualTo(1);
            assertThat(WssEchoProcess.metric(metrics, "keel_websocket_handshakes_rejected_total")).as(metrics).isZero();
        }
    }

    /** What the server answers to an upgrade request on a {@code protocol} connection made with {@code ctx}. */
    private static String upgradeAttempt(SSLContext ctx, String protocol, int port) throws IOException {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            s.setEnabledProtocols(new String[] {protocol});
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                s.startHandshake(); // with TLS 1.3 this may succeed: the server checks the certificate after
                s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                }
                return got.toString(StandardCharsets.US_ASCII) + "<eof>";
            } catch (SSLException | java.net.SocketException e) {
                return got.toString(StandardCharsets.US_ASCII) + "<" + e + ">";
            }
        }
    }

    /** /metrics once {@code name} has reached {@code value} (failures are counted as the server sees them). */
    private static String awaitMetric(WssEchoProcess p, SSLContext ctx, String name, long value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String metrics;
        do {
            metrics = p.get(ctx, "/metrics");
        } while (WssEchoProcess.metric(metrics, name) < value && System.nanoTime() < deadline);
        assertThat(WssEchoProcess.metric(metrics, name)).as(metrics).isEqualTo(value);
        return metrics;
    }
}
