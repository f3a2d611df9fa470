package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The files of {@code deploy/}: HAProxy accepts its configuration ({@code haproxy -c}), systemd its unit
 * ({@code systemd-analyze verify}), each when the tool is installed (HAProxy is required under
 * {@code keel.requireTools=true}); and the three agree with keel-echo's drain: the balancer's health checks see the
 * 503 within the drain delay, and neither systemd nor the kubelet kills the process before drain delay plus
 * shutdown grace.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeployFilesTest {
    private static final Path DEPLOY = Path.of("..", "deploy");

    private static String read(String name) throws IOException {
        return Files.readString(DEPLOY.resolve(name), StandardCharsets.UTF_8);
    }

    private static int number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static String onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            for (String d : List.of(dir, "/usr/sbin", "/sbin")) {
                Path p = Path.of(d, tool);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return null;
    }

    /** Runs {@code command}; returns its exit code and output. */
    private static String[] run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(String.join(" ", command) + " finished").isTrue();
        return new String[] {String.valueOf(p.exitValue()), out};
    }

    @Test
    void haproxyAcceptsTheConfiguration() throws Exception {
        String haproxy = onPath("haproxy");
        if (Boolean.getBoolean("keel.requireTools")) {
            assertThat(haproxy).as("keel.requireTools=true but haproxy is missing (apt-get install haproxy)").isNotNull();
        }
        Assumptions.assumeTrue(haproxy != null, "haproxy is missing (apt-get install haproxy)");
        String[] r = run(haproxy, "-c", "-f", DEPLOY.resolve("haproxy.cfg").toString());
        assertThat(r[0]).as(r[1]).isEqualTo("0");
        assertThat(r[1]).contains("Configuration file is valid");
    }

    @Test
    void systemdAcceptsTheUnit() throws Exception {
        String analyze = onPath("systemd-analyze");
        Assumptions.assumeTrue(analyze != null, "systemd-analyze is missing");
        String[] r = run(analyze, "verify", DEPLOY.resolve("keel-echo.service").toAbsolutePath().toString());
        assertThat(r[0]).as(r[1]).isEqualTo("0");
        assertThat(r[1]).as("no warning about the unit").doesNotContain("keel-echo.service:");
    }

    @Test
    void healthChecksAndStopTimeoutsMatchTheDrain() throws Exception {
        String unit = read("keel-echo.service");
        int drain = number(unit, "--drain-delay (\\d+)");
        int grace = number(unit, "--shutdown-grace (\\d+)");
        assertThat(unit).contains("KillSignal=SIGTERM").contains("LimitNOFILE=").contains("User=keel");
        assertThat(number(unit, "TimeoutStopSec=(\\d+)")).as("systemd waits for drain + grace").isGreaterThan(drain + grace);

        String k8s = read("kubernetes.yaml");
        int k8sDrain = number(k8s, "--drain-delay=(\\d+)");
        int k8sGrace = number(k8s, "--shutdown-grace=(\\d+)");
        assertThat(number(k8s, "terminationGracePeriodSeconds: (\\d+)")).as("the kubelet waits for drain + grace")
            .isGreaterThanOrEqualTo(k8sDrain + k8sGrace + 5);
        assertThat(k8s).contains("path: /healthz").doesNotContain("preStop:");
        assertThat(number(k8s, "periodSeconds: (\\d+)\\s+failureThreshold: 1")).as("readiness fails within the drain")
            .isLessThan(k8sDrain);

        String cfg = read("haproxy.cfg");
        int inter = number(cfg, "default-server inter (\\d+)s");
        int fall = number(cfg, "default-server inter \\d+s fall (\\d+)");
        assertThat(inter * fall).as("HAProxy sees the 503 within the drain delay").isLessThan(drain);
        assertThat(cfg).contains("send-proxy-v2").contains("send-proxy\n").contains("timeout tunnel 1h")
            .contains("http-check expect status 200").contains("check port 9100");
    }
}
