package io.keel.echo.tls;

import io.keel.echo.EchoMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * The real keel-echo program in a child JVM (as {@code io.keel.echo.EchoProcess}, which is package-private there),
 * for the wss interop tests: started with the given options, its port parsed from the "listening on" line.
 */
final class WssEchoProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (?:wss?://)?\\S*?:(\\d+)");
    private static final Pattern FINGERPRINT = Pattern.compile("certificate SHA-256 ([0-9A-F:]+)");

    final Process process;
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    int port;
    String fingerprint;

    private WssEchoProcess(Process process) {
        this.process = process;
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
            lines.add("<eof>");
        }, "wss-echo-process-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts keel-echo bound to 127.0.0.1 on any port with {@code args} and waits for its "listening on" line. */
    static WssEchoProcess start(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Xmx256m");
        cmd.add("--enable-native-access=ALL-UNNAMED"); // Conscrypt loads its native library
        cmd.add(EchoMain.class.getName());
        cmd.add("--bind");
        cmd.add("127.0.0.1");
        cmd.add("--port");
        cmd.add("0");
        cmd.addAll(List.of(args));
        WssEchoProcess p = new WssEchoProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        String line;
        while (!(line = p.nextLine(60)).equals("<eof>")) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                p.port = Integer.parseInt(m.group(1));
                Matcher f = FINGERPRINT.matcher(line);
                p.fingerprint = f.find() ? f.group(1) : null;
                return p;
            }
        }
        p.process.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("keel-echo did not start: " + p.allOutput());
    }

    private String nextLine(int seconds) throws InterruptedException {
        String l = lines.poll(seconds, TimeUnit.SECONDS);
        if (l == null) {
            throw new AssertionError("no output from keel-echo within " + seconds + " s: " + allOutput());
        }
        return l;
    }

    String allOutput() {
        synchronized (output) {
            return String.join("\n", output);
        }
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
        process.toHandle().destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
