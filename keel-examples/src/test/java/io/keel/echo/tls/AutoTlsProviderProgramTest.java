package io.keel.echo.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.echo.EchoMain;
import io.keel.echo.EchoProcess;
import io.keel.tls.TestPki;
import io.keel.tls.TlsProvider;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --tls-provider auto}, keel-echo's default: OpenSSL where it loads, the JDK otherwise, and the start lines
 * say which runs and, for a fallback, why. The fallback is run in child JVMs where OpenSSL cannot load: one without
 * Netty on its class path at all (the library must work without it), one with Netty's own switch
 * {@code -Dio.netty.handler.ssl.noOpenSsl=true} (as when BoringSSL's native library cannot load). Each serves a
 * wss client.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AutoTlsProviderProgramTest {
    @TempDir
    Path dir;

    @Test
    void autoRunsOpenSslWhereItLoads() throws Exception {
        TestPki.ServerCert cert = TestPki.serverCert(dir);
        try (EchoProcess p = EchoProcess.start(with(cert, "--bind", "127.0.0.1", "--port", "0"))) {
            String expected = TlsProvider.OPENSSL.isAvailable() ? "openssl" : "jdk";
            assertThat(p.output).anyMatch(l -> l.contains("listening on wss://") && l.contains("(TLS " + expected + ","));
            echoes(cert, p.port);
        }
    }

    @Test
    void withoutNettyOnTheClassPathAutoFallsBackToTheJdkAndSaysWhy() throws Exception {
        String withoutNetty = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> !e.contains("netty"))
            .collect(Collectors.joining(File.pathSeparator));
        TestPki.ServerCert cert = TestPki.serverCert(dir);
        try (EchoProcess p = EchoProcess.startProgramWithClassPath(EchoMain.class, withoutNetty,
            with(cert, "--bind", "127.0.0.1", "--port", "0", "--drain-delay", "0"))) {
            p.awaitLine("TLS provider: jdk (auto: The OpenSSL TLS provider needs Netty's SSL engine", 20);
            assertThat(p.output).anyMatch(l -> l.contains("listening on wss://") && l.contains("(TLS jdk,"));
            echoes(cert, p.port);
        }
    }

    @Test
    void withOpenSslDisabledAutoFallsBackToTheJdkAndSaysWhy() throws Exception {
        TestPki.ServerCert cert = TestPki.serverCert(dir);
        try (EchoProcess p = EchoProcess.startProgram(EchoMain.class,
            Map.of("JAVA_TOOL_OPTIONS", "-Dio.netty.handler.ssl.noOpenSsl=true"),
            with(cert, "--bind", "127.0.0.1", "--port", "0", "--drain-delay", "0"))) {
            String why = p.awaitLine("TLS provider: jdk (auto: ", 20);
            assertThat(why).contains("noOpenSsl");
            assertThat(p.output).anyMatch(l -> l.contains("listening on wss://") && l.contains("(TLS jdk,"));
            echoes(cert, p.port);
        }
    }

    private static String[] with(TestPki.ServerCert cert, String... args) {
        String[] all = Arrays.copyOf(args, args.length + 4);
        System.arraycopy(cert.options(), 0, all, args.length, 4);
        return all;
    }

    private static void echoes(TestPki.ServerCert cert, int port) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().sslContext(cert.clientContext())
            .connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpResponse<String> health = http.send(java.net.http.HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + port + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            JdkWebSocketClientTest.Collector c = new JdkWebSocketClientTest.Collector();
            WebSocket ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("wss://127.0.0.1:" + port + "/"), c).get(20, TimeUnit.SECONDS);
            ws.sendText("auto", true).get(10, TimeUnit.SECONDS);
            assertThat(c.next()).isEqualTo("auto");
            ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
        }
    }
}
