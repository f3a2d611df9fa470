package io.keel.echo.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.tls.SelfSignedCertificate;
import io.keel.tls.TestPki;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The JDK's own WebSocket client (java.net.http) over wss://, trusting the certificate the test gave the server. */
@Timeout(60)
class JdkWebSocketClientTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "--tls-provider {0}")
    @ValueSource(strings = {"jdk", "openssl"})
    void textBinaryAndOneMebibyteAreEchoed(String provider) throws Exception {
        TestPki.ServerCert cert = TestPki.serverCert(dir);
        List<String> args = new ArrayList<>(List.of("--tls-provider", provider));
        args.addAll(List.of(cert.options()));
        try (WssEchoProcess p = WssEchoProcess.start(args.toArray(String[]::new));
             HttpClient http = HttpClient.newBuilder().sslContext(cert.clientContext()).connectTimeout(Duration.ofSeconds(10)).build()) {
            Collector c = new Collector();
            // by IP address: the certificate names 127.0.0.1, and the JDK client checks it
            WebSocket ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("wss://127.0.0.1:" + p.port + "/"), c).get(20, TimeUnit.SECONDS);

            ws.sendText("hello, wss", true).get(10, TimeUnit.SECONDS);
            assertThat(c.next()).isEqualTo("hello, wss");

            ws.sendText("héllo wörld ✓ 𝄞", true).get(10, TimeUnit.SECONDS);
            assertThat(c.next()).isEqualTo("héllo wörld ✓ 𝄞");

            byte[] small = {0, 1, 2, (byte) 0xff, (byte) 0x80};
            ws.sendBinary(ByteBuffer.wrap(small), true).get(10, TimeUnit.SECONDS);
            assertThat(c.next()).isEqualTo(small);

            byte[] big = new byte[1 << 20];
            new Random(42).nextBytes(big);
            ws.sendBinary(ByteBuffer.wrap(big), true).get(20, TimeUnit.SECONDS);
            assertThat((byte[]) c.next()).isEqualTo(big);

            String bigText = "0123456789abcdef".repeat((1 << 20) / 16);
            ws.sendText(bigText, true).get(20, TimeUnit.SECONDS);
            assertThat(c.next()).isEqualTo(bigText);

            ws.sendClose(1000, "done").get(10, TimeUnit.SECONDS);
            assertThat(c.next()).isEqualTo("close 1000");
        }
    }

    /**
     * Without --cert the program generates its certificate and prints its SHA-256: the certificate served is that
     * one (EC P-256, naming localhost, 127.0.0.1 and ::1), and a client pinning it gets its echo.
     */
    @Test
    void theGeneratedCertificateIsTheOnePrinted() throws Exception {
        try (WssEchoProcess p = WssEchoProcess.start()) {
            assertThat(p.fingerprint).as(p.allOutput()).isNotNull();
            X509Certificate served = servedCertificate(p.port);
            assertThat(SelfSignedCertificate.fingerprint(served)).isEqualTo(p.fingerprint);
            assertThat(served.getPublicKey()).isInstanceOfSatisfying(ECPublicKey.class,
                k -> assertThat(k.getParams().getCurve().getField().getFieldSize()).isEqualTo(256));
            List<String> names = served.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList();
            assertThat(names).contains("localhost", "127.0.0.1").anyMatch(ip -> ip.matches("0:0:0:0:0:0:0:1|::1"));
            try (HttpClient http = HttpClient.newBuilder().sslContext(TestPki.clientContext(served, null, null)).build()) {
                Collector c = new Collector();
                WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("wss://localhost:" + p.port + "/"), c)
                    .get(20, TimeUnit.SECONDS);
                ws.sendText("pinned", true).get(10, TimeUnit.SECONDS);
                assertThat(c.next()).isEqualTo("pinned");
                ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
                assertThat(c.next()).isEqualTo("close 1000");
            }
        }
    }

    /** The certificate the server presents, taken without trusting it. */
    private static X509Certificate servedCertificate(int port) throws Exception {
        X509Certificate[] seen = new X509Certificate[1];
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen[0] = chain[0];
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            s.startHandshake();
        }
        return seen[0];
    }

    /** Whole messages (String or byte[]) and the close ("close CODE") in arrival order. */
    static final class Collector implements WebSocket.Listener {
        private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        Object next() throws InterruptedException {
            Object m = messages.poll(20, TimeUnit.SECONDS);
            assertThat(m).as("an echo within 20 s").isNotNull();
            return m;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            messages.add("close " + statusCode);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            messages.add(error);
        }
    }
}
