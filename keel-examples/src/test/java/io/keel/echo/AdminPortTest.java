package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.echo.hardening.Wire;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --admin-port}: /healthz and /metrics on a plain HTTP listener of its own, on 127.0.0.1 by default, that
 * --max-connections does not count and a full service port does not block.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminPortTest {
    private static final Duration AWAIT = Duration.ofSeconds(20);

    private static HttpResponse<String> get(String url) throws Exception {
        try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build()) {
            return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        }
    }

    private static long metric(String metrics, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(name)
            + " (\\d+)$").matcher(metrics);
        assertThat(m.find()).as(name + " in\n" + metrics).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void healthChecksAndScrapesAreNotCountedAgainstMaxConnections() throws Exception {
        EchoServer echo = EchoServer.start(EchoOptions.parse(new String[] {"--mode", "ws", "--bind", "127.0.0.1",
            "--port", "0", "--admin-port", "0", "--max-connections", "1"}));
        try {
            assertThat(echo.admin.localAddress().getAddress().getHostAddress()).as("loopback by default").isEqualTo("127.0.0.1");
            String admin = "http://127.0.0.1:" + echo.admin.port();
            String service = "http://127.0.0.1:" + echo.server.port();
            assertThat(echo.listeningLines()).containsExactly(
                "ws echo server listening on ws://127.0.0.1:" + echo.server.port() + "/",
                "  browser page: " + service + "/",
                "  health check: " + admin + "/healthz (admin port; also on the service port)",
                "  metrics:      " + admin + "/metrics (admin port; also on the service port)",
                ServerProgram.transportLine(echo.server.transport()));

            try (JdkWsClient ws = new JdkWsClient(echo.server.port())) { // the one connection --max-connections allows
                ws.sendText("hello", true);
                assertThat(ws.nextMessage()).isEqualTo("hello");
                // the service port is full: another client is refused
                try (Socket refused = new Socket()) {
                    refused.connect(new InetSocketAddress("127.0.0.1", echo.server.port()), 10_000);
                    refused.setSoTimeout(20_000);
                    try (InputStream in = refused.getInputStream()) {
                        assertThat(in.read()).as("closed by the limiter").isEqualTo(-1);
                    }
                }
                Awaits.await("the refused connection to be counted", AWAIT, () -> echo.server.stats().rejectedByLimiter() == 1);
                long served = echo.server.stats().totalConnections();

                // while it is full, the admin port answers, again and again
                for (int i = 0; i < 5; i++) {
                    HttpResponse<String> health = get(admin + "/healthz");
                    assertThat(health.statusCode()).isEqualTo(200);
                    assertThat(health.body()).isEqualTo("ok\n");
                }
                HttpResponse<String> metrics = get(admin + "/metrics");
                assertThat(metrics.statusCode()).isEqualTo(200);
                assertThat(metrics.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
                assertThat(metric(metrics.body(), "keel_connections")).isEqualTo(1);
                assertThat(metric(metrics.body(), "keel_connections_refused_total")).isEqualTo(1);
                assertThat(metric(metrics.body(), "keel_connections_total")).as("admin requests are not counted").isEqualTo(served);
                assertThat(metric(metrics.body(), "keel_websockets_open")).isEqualTo(1);
                assertThat(echo.server.stats().rejectedByLimiter()).isEqualTo(1);

                HttpResponse<String> page = get(admin + "/");
                assertThat(page.statusCode()).as("no page on the admin port").isEqualTo(404);
                assertThat(page.body()).isEqualTo("404 Not Found: not found; this port serves /healthz and /metrics\n");
            }
            Awaits.await("the client's connection to end", AWAIT, () -> echo.server.stats().currentConnections() == 0);
            // the service port's endpoints keep working as before
            HttpResponse<String> health = get(service + "/healthz");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");
            assertThat(get(service + "/metrics").body()).contains("\nkeel_connections_total ");
        } finally {
            echo.server.close();
            echo.closeAdminAndAccessLog();
        }
    }

    /** While the service port shuts down gracefully, the admin port says 503: a load balancer stops sending. */
    @Test
    void healthzOnTheAdminPortSays503WhileTheServerShutsDown() throws Exception {
        EchoServer echo = EchoServer.start(EchoOptions.parse(new String[] {"--mode", "ws", "--bind", "127.0.0.1",
            "--port", "0", "--admin-port", "0"}));
        String admin = "http://127.0.0.1:" + echo.admin.port();
        try (Wire client = new Wire(new InetSocketAddress("127.0.0.1", echo.server.port()), false).upgrade(13)) {
            assertThat(get(admin + "/healthz").statusCode()).isEqualTo(200);
            var done = echo.server.shutdown(Duration.ofSeconds(60)); // the client does not answer its close: it waits
            assertThat(client.readCloseCode()).isEqualTo(1001);
            HttpResponse<String> health = get(admin + "/healthz");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).isEqualTo("503 Service Unavailable: shutting down\n");
            client.abort();
            done.get(30, TimeUnit.SECONDS);
        } finally {
            echo.server.close();
            echo.closeAdminAndAccessLog();
        }
    }

    @Test
    void aTcpServerWithAnAdminPortPrintsItsUrlsAndServesMetricsWithoutWebSocketCounters() throws Exception {
        try (EchoProcess p = EchoProcess.start("--mode", "tcp", "--bind", "127.0.0.1", "--port", "0", "--admin-port", "0")) {
            assertThat(p.output.get(0)).isEqualTo("keel-echo: tcp echo server listening on 127.0.0.1:" + p.port);
            String health = p.nextLine(30);
            assertThat(health).matches("  health check: http://127\\.0\\.0\\.1:\\d+/healthz \\(admin port\\)");
            String adminBase = health.substring(health.indexOf("http://"), health.indexOf("/healthz"));
            assertThat(p.nextLine(30)).isEqualTo("  metrics:      " + adminBase + "/metrics (admin port)");
            assertThat(get(adminBase + "/healthz").body()).isEqualTo("ok\n");
            String metrics = get(adminBase + "/metrics").body();
            assertThat(metric(metrics, "keel_connections")).isZero();
            assertThat(metrics).doesNotContain("websocket").doesNotContain("keel_tls");
            assertThat(p.terminate()).as(p.allOutput()).isZero();
        }
    }

    @Test
    void anAdminPortInUseIsOneLineAndExitOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            EchoStartupTest.Run r = EchoStartupTest.run("--mode", "ws", "--bind", "127.0.0.1", "--port", "0",
                "--admin-port", String.valueOf(taken.getLocalPort()));
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).isEqualTo("keel-echo: --admin-port: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                + ": address already in use (is another server running?)" + System.lineSeparator());
        }
    }
}
