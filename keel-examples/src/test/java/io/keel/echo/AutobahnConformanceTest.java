package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Autobahn|Testsuite fuzzing client, cases 1.x to 10.x (301 cases), against the real echo program over
 * ws:// and wss://, graded strictly: a case passes only when its behaviour and its close behaviour are both OK
 * or INFORMATIONAL (NON-STRICT is a failure). Runs under Jython from Maven Central; see autobahn/README.md.
 * Skipped with {@code -Dkeel.autobahn=false} (the quick local run); CI always runs it.
 */
@Tag("autobahn")
class AutobahnConformanceTest {
    private static final Pattern SUMMARY = Pattern.compile("^autobahn: (\\d+) passed, (\\d+) failed$");
    private static final int CASES_1_TO_10 = 301;

    /**
     * Every mode on both transports: {@code auto} is keel-echo's default (io_uring where it runs, which the start
     * line does not say; on NIO otherwise) and {@code nio} the other one.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"ws, auto", "wss, auto", "ws, nio", "wss, nio"})
    void allCasesOneToTenPassStrictly(String mode, String transport) throws Exception {
        assumeTrue(!"false".equals(System.getProperty("keel.autobahn")), "Autobahn disabled with -Dkeel.autobahn=false");
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path script = root.resolve("autobahn/run.sh");
        assertThat(script).exists();
        Path out = Path.of("target", "autobahn-" + mode + "-" + transport).toAbsolutePath();
        Files.createDirectories(out);
        try (EchoProcess server = EchoProcess.start("--mode", mode, "--bind", "127.0.0.1", "--port", "0",
            "--idle-timeout", "0", "--transport", transport)) {
            List<String> cmd = new ArrayList<>(List.of("bash", script.toString(), "127.0.0.1",
                String.valueOf(server.port), "--out", out.toString(), "--agent", "keel-" + mode + "-" + transport, "--timeout", "1500"));
            if (mode.equals("wss")) {
                cmd.add("--tls");
            }
            Process p = new ProcessBuilder(cmd).directory(root.toFile())
                .redirectError(out.resolve("run.stderr.txt").toFile()).start();
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            }
            assertThat(p.waitFor(30, TimeUnit.MINUTES)).isTrue();
            String all = String.join("\n", lines);
            Matcher m = lines.isEmpty() ? null : SUMMARY.matcher(lines.get(lines.size() - 1));
            assertThat(m != null && m.matches()).as("summary line; output:\n%s\nstderr in %s", all, out).isTrue();
            assertThat(Integer.parseInt(m.group(2))).as("failed cases:\n%s", all).isZero();
            assertThat(Integer.parseInt(m.group(1))).isEqualTo(CASES_1_TO_10);
            assertThat(p.exitValue()).isZero();
            assertThat(server.terminate()).isZero();
        }
    }
}
