package io.keel.echo.hardening;

import io.keel.echo.EchoProcess;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.tls.SelfSignedCertificate;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graceful shutdown loses nothing: the real program (ws, and wss with a certificate the JDK client is made to
 * trust), 20 JDK clients each streaming numbered messages; SIGTERM mid-stream. Every client gets a gap-free
 * prefix of its messages back, then a close with 1001; all the messages the server had received before shutdown
 * started (its own counter, read just before the signal) are among the echoes; the process exits 0 within the
 * shutdown grace.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GracefulShutdownTest {
    static final int CLIENTS = 20;
    static final int GRACE_SECONDS = 5;
    private static final Pattern RECEIVED = Pattern.compile("(?m)^keel_websocket_messages_received_total (\\d+)");

    /** One streaming client: sends "id-n" one after another and records each echo in order. */
    static final class Streamer implements WebSocket.Listener {
        final int id;
        final List<String> echoes = new CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        final StringBuilder part = new StringBuilder();
        volatile long sent;
        volatile WebSocket ws;

        Streamer(int id) {
            this.id = id;
        }

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            part.append(data);
            if (last) {
                echoes.add(part.toString());
                part.setLength(0);
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
            closeCode.complete(code);
            return null;
        }

        @Override
        public void onError(WebSocket w, Throwable error) {
            closeCode.completeExceptionally(error);
        }

        /** Sends until the server closes: the next send starts when the previous one is written. */
        void stream() {
            try {
                for (long n = 0; !closeCode.isDone(); n++) {
                    ws.sendText(id + "-" + n, true).get(10, TimeUnit.SECONDS);
                    sent = n + 1;
                }
            } catch (Exception closing) {
                // the server closed the WebSocket: sends fail from then on
            }
        }
    }

    @Test
    void ws() throws Exception {
        run(false, "--mode", "ws");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"jdk", "openssl"})
    void wss(String provider, @TempDir Path dir) throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.generate();
        Path certFile = dir.resolve("cert.pem");
        Path keyFile = dir.resolve("key.pem");
        cert.writePem(certFile, keyFile);
        run(true, "--mode", "wss", "--cert", certFile.toString(), "--key", keyFile.toString(), "--tls-provider", provider);
    }

    private void run(boolean secure, String... modeArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of(modeArgs));
        args.addAll(List.of("--bind", "127.0.0.1", "--port", "0", "--shutdown-grace", String.valueOf(GRACE_SECONDS)));
        Path certFile = secure ? Path.of(modeArgs[3]) : null;
        HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (secure) {
            hb.sslContext(trusting(certFile));
        }
        HttpClient http = hb.build();
        try (EchoProcess p = EchoProcess.start(args.toArray(String[]::new))) {
            String base = (secure ? "wss" : "ws") + "://127.0.0.1:" + p.port + "/";
            List<Streamer> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Streamer s = new Streamer(i);
                s.ws = http.newWebSocketBuilder().buildAsync(URI.create(base), s).get(15, TimeUnit.SECONDS);
                clients.add(s);
            }
            // the connection that reads /metrics just before the signal: connected (and its TLS handshake done)
            // before the streams start, because a new TLS handshake while 20 clients stream was seen to take from
            // 0.6 s to over 10 s (the program's TLS handshake timeout) on this loaded 2-core machine
            Wire metricsWire = new Wire(new java.net.InetSocketAddress("127.0.0.1", p.port), secure, 30_000);
            List<Thread> senders = new ArrayList<>();
            for (Streamer s : clients) {
                Thread t = new Thread(s::stream, "streamer-" + s.id);
                t.start();
                senders.add(t);
            }
            // mid-stream: wait until every client has had echoes, then read the server's count and signal it
            long streamStart = System.nanoTime();
            // at most 5 s: the metrics connection must send its request within the WebSocket handshake timeout (10 s)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (clients.stream().anyMatch(c -> c.echoes.size() < 200) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            System.out.printf("graceful shutdown (%s): %d..%d echoes per client after %d ms; fetching /metrics%n",
                secure ? "wss" : "ws", clients.stream().mapToInt(c -> c.echoes.size()).min().orElse(0),
                clients.stream().mapToInt(c -> c.echoes.size()).max().orElse(0),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - streamStart));
            assertThat(clients).as("every client has echoes before the signal").allMatch(c -> !c.echoes.isEmpty());
            long f0 = System.nanoTime();
            String metrics;
            try (Wire w = metricsWire) {
                w.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
                metrics = new String(w.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
            System.out.printf("graceful shutdown (%s): /metrics fetched in %d ms%n", secure ? "wss" : "ws",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - f0));
            Matcher m = RECEIVED.matcher(metrics);
            assertThat(m.find()).as("messages counter in /metrics").isTrue();
            long receivedBeforeShutdown = Long.parseLong(m.group(1));
            long t0 = System.nanoTime();
            p.sigterm();
            int exit = p.awaitExit(GRACE_SECONDS + 10);
            long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            for (Thread t : senders) {
                t.join(10_000);
            }
            long echoed = 0;
            for (Streamer s : clients) {
                assertThat(s.closeCode.get(10, TimeUnit.SECONDS)).as("close code for client %d", s.id).isEqualTo(1001);
                List<String> got = List.copyOf(s.echoes);
                for (int n = 0; n < got.size(); n++) {
                    assertThat(got.get(n)).as("echo %d of client %d: the echoes must be a gap-free prefix", n, s.id)
                        .isEqualTo(s.id + "-" + n);
                }
                assertThat((long) got.size()).isLessThanOrEqualTo(s.sent);
                echoed += got.size();
            }
            System.out.printf("graceful shutdown (%s): %d clients, %d messages echoed (server had received %d when "
                    + "the signal was sent), exit %d after %d ms (grace %d s)%n", secure ? "wss" : "ws", CLIENTS, echoed,
                receivedBeforeShutdown, exit, exitMillis, GRACE_SECONDS);
            assertThat(echoed).as("echoes of the messages received before shutdown").isGreaterThanOrEqualTo(receivedBeforeShutdown);
            assertThat(exit).isZero();
            // the server's shutdown ends within the grace; allow one more second for the JVM to exit on a busy machine
            assertThat(exitMillis).as("time from SIGTERM to exit, ms").isLessThan(GRACE_SECONDS * 1000L + 1_000);
        }
    }

    /** A client SSL context that trusts exactly the certificate in {@code pem}. */
    static SSLContext trusting(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            ks.setCertificateEntry("keel", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, tmf.getTrustManagers(), null);
        return c;
    }
}
