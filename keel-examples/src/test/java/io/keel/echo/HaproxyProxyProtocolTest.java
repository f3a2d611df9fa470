package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.echo.hardening.Wire;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Keel behind a real HAProxy with the PROXY protocol: 3 keel-echo instances, clients from 127.0.0.2 to 127.0.0.5
 * (two each) echoing through HAProxy, over ws:// (HTTP mode, PROXY v1) and wss:// (TCP passthrough, PROXY v2).
 * Each client's own address and port must appear in exactly one instance's access log, with its messages, its
 * close (1000, by the client), and every instance serves some. Skipped when {@code haproxy} is not installed
 * (required with {@code keel.requireTools=true}).
 */
@Timeout(120)
class HaproxyProxyProtocolTest {
    private static final int INSTANCES = 3;
    private static final int MESSAGES = 3;
    private static final Pattern WS_LINE = Pattern.compile(" ws client=(\\S+) .* in=(\\d+)/\\d+ out=(\\d+)/\\d+"
        + " close=(\\d+) closed_by=(\\w+)");

    @BeforeAll
    static void haproxyInstalled() {
        HaproxyHarness.assumeInstalled();
    }

    @ParameterizedTest
    @EnumSource(HaproxyHarness.Mode.class)
    void eachInstanceLogsEachClientsOwnAddress(HaproxyHarness.Mode mode, @TempDir Path dir) throws Exception {
        try (HaproxyHarness lb = HaproxyHarness.start(mode, INSTANCES, dir, 500)) {
            List<String> clients = new ArrayList<>();
            for (int host = 2; host <= 5; host++) {
                for (int k = 0; k < 2; k++) {
                    clients.add(echoThrough(lb, InetAddress.getByName("127.0.0." + host), mode));
                }
            }
            Map<String, Integer> servedBy = new HashMap<>();
            Awaits.await("an access log line for every client", Duration.ofSeconds(20), () -> {
                servedBy.clear();
                for (int i = 0; i < INSTANCES; i++) {
                    for (String line : lines(lb, i)) {
                        Matcher m = WS_LINE.matcher(line);
                        if (m.find() && clients.contains(m.group(1))) {
                            assertThat(servedBy.put(m.group(1), i)).as("logged once: %s", line).isNull();
                            assertThat(m.group(2)).as(line).isEqualTo(String.valueOf(MESSAGES));
                            assertThat(m.group(3)).as(line).isEqualTo(String.valueOf(MESSAGES));
                            assertThat(m.group(4)).as(line).isEqualTo("1000");
                            assertThat(m.group(5)).as(line).isEqualTo("client");
                        }
                    }
                }
                return servedBy.size() == clients.size();
            });
            assertThat(servedBy.values()).as("round robin: every instance served clients").containsAll(List.of(0, 1, 2));
            // HAProxy's health checks carry a PROXY header too (v1 UNKNOWN / v2 LOCAL): served, with HAProxy's address
            for (int i = 0; i < INSTANCES; i++) {
                int instance = i;
                Awaits.await("a health check logged by instance " + i, Duration.ofSeconds(10), () -> lines(lb, instance)
                    .stream().anyMatch(l -> l.contains(" http client=127.0.0.1:") && l.contains(" path=/healthz status=200 ")));
            }
            assertThat(lb.haproxyOutput()).as("no server went down").noneMatch(l -> l.contains(" is DOWN"));
            for (int i = 0; i < INSTANCES; i++) {
                for (String line : lines(lb, i)) {
                    if (line.contains(" ws ")) {
                        assertThat(line).as("only our clients, by their own address, not HAProxy's")
                            .containsPattern("client=127\\.0\\.0\\.[2-5]:\\d+ ");
                        assertThat(line).contains(mode == HaproxyHarness.Mode.WSS_TCP ? "tls=TLSv1." : "tls=-");
                    }
                }
            }
        }
    }

    private static List<String> lines(HaproxyHarness lb, int i) {
        try {
            return lb.accessLogLines(i);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Connects from {@code source} through HAProxy, echoes {@link #MESSAGES} messages, closes; its "ip:port". */
    private static String echoThrough(HaproxyHarness lb, InetAddress source, HaproxyHarness.Mode mode)
        throws Exception {
        try (Wire w = Wire.from(source, lb.frontend(), mode == HaproxyHarness.Mode.WSS_TCP)) {
            w.upgrade(13);
            for (int i = 0; i < MESSAGES; i++) {
                w.sendText("m" + i);
                assertThat(w.readText()).isEqualTo("m" + i);
            }
            w.closeNormally();
            return source.getHostAddress() + ":" + w.localAddress().getPort();
        }
    }
}
