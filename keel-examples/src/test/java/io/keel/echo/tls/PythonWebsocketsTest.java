package io.keel.echo.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.tls.TestPki;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Python's websockets library (Debian python3-websockets, run by the system /usr/bin/python3) over wss://, with the
 * server's certificate as its only CA.
 */
@Timeout(60)
class PythonWebsocketsTest {
    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "--tls-provider {0}")
    @ValueSource(strings = {"jdk", "openssl"})
    void echoesOverWss(String provider) throws Exception {
        Tools.assume(Files.isExecutable(Path.of(PYTHON))
            && Tools.run(List.of(PYTHON, "-c", "import websockets"), new byte[0], Duration.ofSeconds(20)).exitCode() == 0,
            "python3-websockets (for " + PYTHON + ")");
        Path script = dir.resolve("wss_client.py");
        try (InputStream in = PythonWebsocketsTest.class.getResourceAsStream("wss_client.py")) {
            Files.write(script, in.readAllBytes());
        }
        TestPki.ServerCert cert = TestPki.serverCert(dir);
        List<String> args = new ArrayList<>(List.of("--tls-provider", provider));
        args.addAll(List.of(cert.options()));
        try (WssEchoProcess p = WssEchoProcess.start(args.toArray(String[]::new))) {
            Tools.Result r = Tools.run(List.of(PYTHON, script.toString(), "wss://127.0.0.1:" + p.port + "/",
                cert.certFile().toString()), new byte[0], Duration.ofSeconds(45));
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.output()).contains("connected TLSv1.3").contains("echo 4 str 1048576").contains("closed 1000");
        }
    }
}
