package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.echo.hardening.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Draining one keel-echo instance out of a real HAProxy (issue 12's integration test): 3 instances with the PROXY
 * protocol behind HAProxy (ws:// in HTTP mode, wss:// passed through in TCP mode with PROXY v2), health-checked on
 * {@code /healthz} every 200 ms ({@code fall 2 rise 1}); 6 clients from 127.0.0.2-4 echo numbered messages through
 * it without pause. One instance gets SIGTERM with {@code --drain-delay 3}: its {@code /healthz} turns 503 at once,
 * HAProxy takes it out of the rotation within the delay (stats socket, and its "is DOWN ... code: 503" line) so new
 * clients only reach the other two, its own clients keep echoing until the delay ends, then get 1001, reconnect
 * through HAProxy to another instance and go on from their first message not echoed; every echo is checked, and the
 * access logs agree message for message. The drained process exits 0 within the grace period. Skipped when
 * {@code haproxy} is not installed (required with {@code keel.requireTools=true}).
 */
@Timeout(120)
class HaproxyDrainTest {
    private static final int INSTANCES = 3;
    private static final int DRAIN_SECONDS = 3;
    private static final int GRACE_SECONDS = 5;
    private static final Duration AWAIT = Duration.ofSeconds(20);
    private static final Pattern ADMIN = Pattern.compile("health check: (http://\\S+)/healthz \\(admin port");
    private static final Pattern WS_LINE = Pattern.compile(" ws client=(\\S+) .* in=(\\d+)/\\d+ out=(\\d+)/\\d+"
        + " close=(\\d+) closed_by=(\\w+)");
    private static final Pattern OPEN = Pattern.compile("(?m)^keel_websockets_open (\\d+)$");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void haproxyInstalled() {
        HaproxyHarness.assumeInstalled();
    }

    @ParameterizedTest
    @EnumSource(HaproxyHarness.Mode.class)
    void aDrainedInstanceLeavesTheRotationAndItsClientsMoveOnWithoutLosingAMessage(HaproxyHarness.Mode mode,
        @TempDir Path dir) throws Exception {
        boolean tls = mode == HaproxyHarness.Mode.WSS_TCP;
        try (HaproxyHarness lb = HaproxyHarness.start(mode, INSTANCES, dir, 200, "--admin-port", "0",
            "--drain-delay", String.valueOf(DRAIN_SECONDS), "--shutdown-grace", String.valueOf(GRACE_SECONDS))) {
            List<String> admin = new ArrayList<>();
            for (EchoProcess p : lb.instances()) {
                p.awaitLine("metrics:", 20); // the admin URLs are printed before this line
                Matcher m = ADMIN.matcher(p.allOutput());
                assertThat(m.find()).as("admin port line in %s", p.output).isTrue();
                admin.add(m.group(1));
                assertThat(status(m.group(1) + "/healthz")).isEqualTo(200);
            }
            List<NumberedEchoClient> clients = new ArrayList<>();
            List<String> newcomers = new ArrayList<>();
            int drained;
            for (int i = 0; i < 6; i++) {
                clients.add(new NumberedEchoClient(i, InetAddress.getByName("127.0.0." + (2 + i / 2)), lb.frontend(),
                    tls).start());
            }
            try {
                Awaits.await("every client echoing", AWAIT, () -> clients.stream().allMatch(c -> c.echoed() >= 20
                    || c.failure() != null));
                assertNoFailure(clients);
                int[] open = new int[INSTANCES];
                Awaits.await("6 WebSockets open over the instances", AWAIT, () -> {
                    for (int i = 0; i < INSTANCES; i++) {
                        open[i] = websocketsOpen(admin.get(i));
                    }
                    return open[0] + open[1] + open[2] == clients.size();
                });
                drained = open[1] > 0 ? 1 : open[0] > 0 ? 0 : 2; // round robin gives each 2; any one with clients
                int victimIndex = drained;
                EchoProcess victim = lb.instances().get(drained);
                assertThat(lb.serverUp(drained)).isTrue();

                long t0 = System.nanoTime();
                victim.sigterm();
                Awaits.await("/healthz 503 on the drained instance", AWAIT,
                    () -> statusQuietly(admin.get(victimIndex) + "/healthz") == 503);
                long healthz503Ms = millisSince(t0);
                Awaits.await("HAProxy marks k" + drained + " down", AWAIT, () -> !serverUpQuietly(lb, victimIndex));
                long downMs = millisSince(t0);
                int[] echoedWhenDown = clients.stream().mapToInt(NumberedEchoClient::echoed).toArray();
                Awaits.await("HAProxy's line on why k" + drained + " is down (a 503)", AWAIT, () -> lb.haproxyOutput()
                    .stream().anyMatch(l -> l.contains("Server keel/k" + victimIndex + " is DOWN")
                        && l.contains("code: 503"))); // printed just after the state changes: awaited
                // new clients during the delay: HAProxy sends them to the two others only (checked in the logs)
                for (int i = 0; i < 3; i++) {
                    newcomers.add(echoOnce(lb, tls));
                }
                assertThat(millisSince(t0)).as("503 (%d ms), down (%d ms) and new clients within the drain delay",
                    healthz503Ms, downMs).isLessThan(DRAIN_SECONDS * 1000L);
                assertThat(victim.process.isAlive()).as("still serving during the delay").isTrue();

                assertThat(victim.awaitExit(DRAIN_SECONDS + GRACE_SECONDS + 10)).as("exit code").isZero();
                assertThat(millisSince(t0)).as("exit within drain delay + grace")
                    .isLessThan((DRAIN_SECONDS + GRACE_SECONDS) * 1000L);
                List<NumberedEchoClient> movedOn = clients.stream()
                    .filter(c -> c.sessions().stream().anyMatch(s -> s.closeCode == 1001)).toList();
                assertThat(movedOn).as("the drained instance's clients got 1001").hasSize(open[drained]);
                for (NumberedEchoClient c : movedOn) {
                    NumberedEchoClient.Session gone = c.sessions().get(0);
                    assertThat(gone.closeCode).isEqualTo(1001);
                    assertThat(gone.firstMessage + gone.echoed).as("client %d echoed during the delay", c.id)
                        .isGreaterThan(echoedWhenDown[c.id] + 10);
                }
                int[] echoedAfterDrain = clients.stream().mapToInt(NumberedEchoClient::echoed).toArray();
                Awaits.await("every client echoing after the drain", AWAIT, () -> clients.stream()
                    .allMatch(c -> c.echoed() >= echoedAfterDrain[c.id] + 20 || c.failure() != null));
                assertNoFailure(clients);
                for (NumberedEchoClient c : movedOn) {
                    assertThat(c.sessions()).as("client %d reconnected once", c.id).hasSize(2);
                }
            } finally {
                for (NumberedEchoClient c : clients) {
                    c.stop();
                }
            }
            assertNoFailure(clients);
            checkAccessLogs(lb, drained, clients, newcomers);
        }
    }

    /**
     * Every session of every client, and every newcomer, is one line of one instance's access log, by the client's
     * own address and port: the sessions closed with 1001 on the drained instance (closed by the server, every
     * echoed message counted), all others on the other two, closed by the client with 1000; the drained instance
     * answered HAProxy's checks with 503.
     */
    private static void checkAccessLogs(HaproxyHarness lb, int drained, List<NumberedEchoClient> clients,
        List<String> newcomers) {
        Map<String, NumberedEchoClient.Session> sessions = new HashMap<>();
        for (NumberedEchoClient c : clients) {
            int next = 0;
            for (NumberedEchoClient.Session s : c.sessions()) {
                assertThat(s.firstMessage).as("client %d goes on from its first message not echoed", c.id)
                    .isEqualTo(next);
                next += s.echoed;
                sessions.put(c.clientField(s), s);
            }
            assertThat(next).isEqualTo(c.echoed());
        }
        Map<String, Matcher> logged = new HashMap<>();
        Map<String, Integer> servedBy = new HashMap<>();
        Awaits.await("an access log line for every session", AWAIT, () -> {
            logged.clear();
            servedBy.clear();
            for (int i = 0; i < INSTANCES; i++) {
                for (String line : lines(lb, i)) {
                    Matcher m = WS_LINE.matcher(line);
                    if (m.find()) {
                        assertThat(logged.put(m.group(1), m)).as("logged once: %s", line).isNull();
                        servedBy.put(m.group(1), i);
                    }
                }
            }
            return logged.keySet().containsAll(sessions.keySet()) && logged.keySet().containsAll(newcomers);
        });
        assertThat(logged).as("no other WebSocket sessions").hasSize(sessions.size() + newcomers.size());
        sessions.forEach((client, s) -> {
            Matcher m = logged.get(client);
            int in = Integer.parseInt(m.group(2));
            assertThat(Integer.parseInt(m.group(3))).as("echoes sent to %s", client).isEqualTo(s.echoed);
            if (s.closeCode == 1001) {
                assertThat(servedBy.get(client)).isEqualTo(drained);
                assertThat(m.group(4) + " " + m.group(5)).isEqualTo("1001 server");
                assertThat(in).as("the message in flight at the close may have been read").isBetween(s.echoed,
                    s.echoed + 1);
            } else {
                assertThat(servedBy.get(client)).as("%s not on the drained instance", client).isNotEqualTo(drained);
                assertThat(m.group(4) + " " + m.group(5)).isEqualTo("1000 client");
                assertThat(in).isEqualTo(s.echoed);
            }
        });
        for (String n : newcomers) {
            assertThat(servedBy.get(n)).as("newcomer %s not sent to the drained instance", n).isNotEqualTo(drained);
            assertThat(logged.get(n).group(3)).isEqualTo("1");
        }
        assertThat(lines(lb, drained)).as("HAProxy's checks saw the drain")
            .anyMatch(l -> l.contains(" path=/healthz status=503 "));
    }

    /** A new client from 127.0.0.5 through HAProxy: one echo and a normal close; its "ip:port". */
    private static String echoOnce(HaproxyHarness lb, boolean tls) throws IOException {
        try (Wire w = Wire.from(InetAddress.getByName("127.0.0.5"), lb.frontend(), tls)) {
            w.upgrade(13);
            w.sendText("newcomer");
            assertThat(w.readText()).isEqualTo("newcomer");
            w.closeNormally();
            return "127.0.0.5:" + w.localAddress().getPort();
        }
    }

    private static void assertNoFailure(List<NumberedEchoClient> clients) {
        for (NumberedEchoClient c : clients) {
            if (c.failure() != null) {
                throw new AssertionError("client " + c.id + " failed", c.failure());
            }
        }
    }

    private static int websocketsOpen(String adminBase) {
        String metrics = get(adminBase + "/metrics").body();
        Matcher m = OPEN.matcher(metrics);
        assertThat(m.find()).as("keel_websockets_open in %s", metrics).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static int status(String url) {
        return get(url).statusCode();
    }

    private static int statusQuietly(String url) {
        try {
            return status(url);
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    private static HttpResponse<String> get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean serverUpQuietly(HaproxyHarness lb, int i) {
        try {
            return lb.serverUp(i);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> lines(HaproxyHarness lb, int i) {
        try {
            return lb.accessLogLines(i);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long millisSince(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }
}
