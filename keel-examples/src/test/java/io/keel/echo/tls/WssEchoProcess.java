package io.keel.echo.tls;

import io.keel.echo.EchoProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * The real keel-echo program in a child JVM ({@link EchoProcess}) for the wss interop tests: bound to 127.0.0.1 on
 * any port, with the certificate fingerprint from its "listening on" line and helpers for its HTTP endpoints.
 */
final class WssEchoProcess implements AutoCloseable {
    private static final Pattern FINGERPRINT = Pattern.compile("certificate SHA-256 ([0-9A-F:]+)");

    private final EchoProcess echo;
    final Process process;
    final int port;
    final String fingerprint;

    private WssEchoProcess(EchoProcess echo) {
        this.echo = echo;
        this.process = echo.process;
        this.port = echo.port;
        Matcher f = FINGERPRINT.matcher(echo.allOutput());
        this.fingerprint = f.find() ? f.group(1) : null;
    }

    /** Starts keel-echo bound to 127.0.0.1 on any port with {@code args} and waits for its "listening on" line. */
    static WssEchoProcess start(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0"));
        all.addAll(List.of(args));
        return new WssEchoProcess(EchoProcess.start(all.toArray(String[]::new)));
    }

    String allOutput() {
        return echo.allOutput();
    }

    /** {@code GET path} over https with {@code ssl} (or http when null); the body, asserting 200. */
    String get(SSLContext ssl, String path) throws Exception {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        if (ssl != null) {
            b.sslContext(ssl);
        }
        try (HttpClient c = b.build()) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(
                (ssl != null ? "https" : "http") + "://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET " + path + ": " + r.statusCode() + " " + r.body());
            }
            return r.body();
        }
    }

    /** One counter or gauge (without labels, or with the exact label set given in {@code name}) from /metrics. */
    long metric(SSLContext ssl, String name) throws Exception {
        return metric(get(ssl, "/metrics"), name);
    }

    /** One counter or gauge from the text of /metrics. */
    static long metric(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\d+)$").matcher(metrics);
        if (!m.find()) {
            throw new AssertionError("no " + name + " in /metrics:\n" + metrics);
        }
        return Long.parseLong(m.group(1));
    }

    @Override
    public void close() throws InterruptedException {
        echo.sigterm();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
