package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Draining for load balancers ({@code --drain-delay}, {@link DrainingShutdown}) on the real keel-echo process: on
 * SIGTERM, {@code /healthz} turns 503 at once on the admin port and on the service port, while an open WebSocket
 * keeps echoing and a new client is still served; then every client gets 1001 and the process exits 0. A second
 * SIGTERM cuts the delay short.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DrainingShutdownTest {
    private static final Duration AWAIT = Duration.ofSeconds(20);
    private static final Pattern ADMIN = Pattern.compile("health check: (http://\\S+/healthz) \\(admin port");

    private static int status(String url) throws Exception {
        try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build()) {
            return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
        }
    }

    private static String adminHealthUrl(EchoProcess p) {
        Matcher m = ADMIN.matcher(p.allOutput());
        assertThat(m.find()).as("admin health check line in " + p.output).isTrue();
        return m.group(1);
    }

    @Test
    void sigtermTurnsHealthzTo503WhileClientsAreStillServedThenClosesThemWith1001AndExits0() throws Exception {
        int drainSeconds = 3;
        try (EchoProcess p = EchoProcess.start("--mode", "ws", "--bind", "127.0.0.1", "--port", "0",
            "--admin-port", "0", "--drain-delay", String.valueOf(drainSeconds), "--shutdown-grace", "5")) {
            p.awaitLine("metrics:", 20); // the last start line: the admin URL is printed
            String adminHealth = adminHealthUrl(p);
            String serviceHealth = "http://127.0.0.1:" + p.port + "/healthz";
            assertThat(status(adminHealth)).isEqualTo(200);
            assertThat(status(serviceHealth)).isEqualTo(200);
            try (JdkWsClient established = new JdkWsClient(p.port)) {
                established.sendText("before", true);
                assertThat(established.nextMessage()).isEqualTo("before");

                long t0 = System.nanoTime();
                p.sigterm();
                assertThat(p.awaitLine("draining", 20)).contains("/healthz answers 503 for " + drainSeconds + " s");
                Awaits.await("/healthz 503 on the admin port", AWAIT, () -> statusQuietly(adminHealth) == 503);
                assertThat(status(serviceHealth)).isEqualTo(503);
                // during the delay: the established client still echoes, and a new one is still served
                established.sendText("during", true);
                assertThat(established.nextMessage()).isEqualTo("during");
                try (JdkWsClient newcomer = new JdkWsClient(p.port)) {
                    newcomer.sendText("new", true);
                    assertThat(newcomer.nextMessage()).isEqualTo("new");
                    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
                        .as("all of this within the drain delay").isLessThan(drainSeconds * 1000L);
                    // then the graceful shutdown: 1001 for both
                    assertThat(established.awaitClose().code()).isEqualTo(1001);
                    assertThat(newcomer.awaitClose().code()).isEqualTo(1001);
                }
                long closedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertThat(closedAfterMs).as("closed after the drain delay").isGreaterThanOrEqualTo(drainSeconds * 1000L - 100);
                assertThat(p.awaitExit(30)).isZero();
            }
            assertThat(p.allOutput()).contains("keel-echo: shutting down (clients get a close with 1001, going away)")
                .contains("keel-echo: stopped;");
        }
    }

    @Test
    void aSecondSignalCutsTheDelayShort() throws Exception {
        try (EchoProcess p = EchoProcess.start("--mode", "ws", "--bind", "127.0.0.1", "--port", "0",
            "--drain-delay", "600")) {
            try (JdkWsClient client = new JdkWsClient(p.port)) {
                p.sigterm();
                p.awaitLine("draining", 20);
                long t0 = System.nanoTime();
                p.sigterm();
                p.awaitLine("drain delay cut short by a second signal", 20);
                assertThat(client.awaitClose().code()).isEqualTo(1001);
                assertThat(p.awaitExit(30)).isZero();
                assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(30);
            }
        }
    }

    @Test
    void aZeroDelaySkipsTheDrain() throws Exception {
        try (EchoProcess p = EchoProcess.start("--mode", "ws", "--bind", "127.0.0.1", "--port", "0",
            "--drain-delay", "0")) {
            assertThat(p.terminate()).isZero();
            assertThat(p.allOutput()).doesNotContain("draining").contains("keel-echo: shutting down");
        }
    }

    private static int statusQuietly(String url) {
        try {
            return status(url);
        } catch (Exception e) {
            return -1;
        }
    }
}
