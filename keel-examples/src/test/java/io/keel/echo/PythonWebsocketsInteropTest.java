package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Timeout;

/**
 * Python's {@code websockets} library (Debian's python3-websockets, run by the system {@code /usr/bin/python3})
 * against the real keel-echo program. Skipped when the library is missing, unless {@code keel.requireTools=true}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PythonWebsocketsInteropTest {
    static final String PYTHON = "/usr/bin/python3";

    @BeforeAll
    static void needsPythonWebsockets() throws Exception {
        boolean available = false;
        if (new File(PYTHON).canExecute()) {
            Process p = new ProcessBuilder(PYTHON, "-c", "import websockets").redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            available = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        }
        if (Boolean.getBoolean("keel.requireTools")) {
            assertThat(available).as("keel.requireTools=true but %s cannot import websockets "
                + "(apt-get install python3-websockets)", PYTHON).isTrue();
        }
        Assumptions.assumeTrue(available, PYTHON + " has no 'websockets' module (apt-get install python3-websockets)");
    }

    /**
     * The library offers permessage-deflate with context takeover: the default (shared) answers no context
     * takeover, dedicated accepts the offer as made, off declines; every echo is exact in each.
     */
    @ParameterizedTest
    @CsvSource({
        "shared, ext=permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        "dedicated, ext=permessage-deflate",
        "off, ext=",
    })
    void pythonWebsocketsClientGetsEveryEchoAndClosesNormally(String compression, String ext) throws Exception {
        Path script = Path.of(PythonWebsocketsInteropTest.class.getResource("/ws_echo_client.py").toURI());
        try (EchoProcess echo = EchoProcess.start("--mode", "ws", "--bind", "127.0.0.1", "--port", "0",
                "--compression", compression)) {
            Path log = Files.createTempFile("keel-python-ws", ".log");
            try {
                Process py = new ProcessBuilder(PYTHON, script.toString(), "ws://127.0.0.1:" + echo.port + "/")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!py.waitFor(40, TimeUnit.SECONDS)) {
                    py.destroyForcibly();
                    throw new AssertionError("python client hung: " + Files.readString(log));
                }
                String out = Files.readString(log, StandardCharsets.UTF_8);
                assertThat(py.exitValue()).as(out).isZero();
                assertThat(out).startsWith("OK websockets");
                assertThat(out.strip()).endsWith(ext);
            } finally {
                Files.deleteIfExists(log);
            }
            assertThat(echo.terminate()).as(echo.allOutput()).isZero();
        }
    }
}
