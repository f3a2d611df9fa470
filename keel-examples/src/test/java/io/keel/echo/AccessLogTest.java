package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.echo.hardening.Wire;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keel-echo --access-log FILE}: one line per WebSocket session with the client, TLS, version, path,
 * duration, messages and bytes each way, the close code and who closed (client, server, abort), and one per HTTP
 * request; values never break a line.
 */
@Timeout(60)
class AccessLogTest {
    private static final Duration AWAIT = Duration.ofSeconds(20);
    private static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ";

    @TempDir
    Path dir;
    private EchoServer echo;

    @AfterEach
    void stop() {
        if (echo != null) {
            echo.server.close();
            echo.accessLog.close();
        }
    }

    private Path start(String... extra) throws Exception {
        Path log = dir.resolve("access.log");
        List<String> args = new java.util.ArrayList<>(List.of("--mode", "ws", "--bind", "127.0.0.1", "--port", "0",
            "--access-log", log.toString()));
        args.addAll(List.of(extra));
        echo = EchoServer.start(EchoOptions.parse(args.toArray(String[]::new)));
        return log;
    }

    private InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", echo.server.port());
    }

    private static String awaitLine(Path log, String containing) {
        String[] found = new String[1];
        Awaits.await("an access log line with " + containing, AWAIT, () -> {
            try {
                if (!Files.exists(log)) {
                    return false;
                }
                for (String l : Files.readAllLines(log)) {
                    if (l.contains(containing)) {
                        found[0] = l;
                        return true;
                    }
                }
                return false;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return found[0];
    }

    @Test
    void sessionClosedByTheClient() throws Exception {
        Path log = start();
        int port;
        try (Wire w = new Wire(address(), false)) {
            port = w.localAddress().getPort();
            w.upgrade(13);
            w.sendText("hello");
            assertThat(w.readText()).isEqualTo("hello");
            w.sendText("hi");
            assertThat(w.readText()).isEqualTo("hi");
            w.closeNormally();
        }
        assertThat(awaitLine(log, "client=127.0.0.1:" + port + " ")).matches(TIME + "ws client=127\\.0\\.0\\.1:" + port
            + " tls=- version=RFC_6455 path=/echo duration_ms=\\d+ in=2/7 out=2/7 close=1000 closed_by=client");
    }

    @Test
    void sessionClosedByTheServerAndAborted() throws Exception {
        Path log = start("--idle-timeout", "1");
        try (Wire idle = new Wire(address(), false); Wire aborted = new Wire(address(), false)) {
            idle.upgrade(8);
            aborted.upgrade(13);
            aborted.sendText("x");
            assertThat(aborted.readText()).isEqualTo("x");
            aborted.abort();
            assertThat(awaitLine(log, "client=127.0.0.1:" + aborted.localAddress().getPort() + " "))
                .contains(" version=RFC_6455 ").contains(" in=1/1 out=1/1 close=1006 closed_by=abort");
            assertThat(idle.readCloseCode()).as("the idle timeout's close").isEqualTo(1001);
            assertThat(awaitLine(log, "client=127.0.0.1:" + idle.localAddress().getPort() + " "))
                .contains(" version=HYBI_08 ").contains(" in=0/0 out=0/0 close=1001 closed_by=server");
        }
    }

    @Test
    void httpRequestsAreLoggedToo() throws Exception {
        Path log = start();
        try (Wire w = new Wire(address(), false)) {
            w.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(w.readHead()).startsWith("HTTP/1.1 200");
            assertThat(awaitLine(log, " http ")).matches(TIME + "http client=127\\.0\\.0\\.1:"
                + w.localAddress().getPort() + " tls=- method=GET path=/healthz status=200 duration_ms=\\d+");
        }
    }

    @Test
    void valuesNeverBreakALine() {
        assertThat(AccessLog.token("/a b\r\nc\u007F")).isEqualTo("/a?b??c?");
        assertThat(AccessLog.token("")).isEqualTo("-");
        assertThat(AccessLog.token(null)).isEqualTo("-");
        assertThat(AccessLog.token("/ok")).isEqualTo("/ok");
    }

    @Test
    void aFileThatCannotBeOpenedIsAClearStartupError() throws Exception {
        Path notADir = dir.resolve("file");
        Files.writeString(notADir, "x", StandardCharsets.US_ASCII);
        EchoOptions o = EchoOptions.parse(new String[] {"--mode", "ws", "--port", "0", "--access-log",
            notADir.resolve("access.log").toString()});
        try {
            EchoServer.start(o).server.close();
            throw new AssertionError("started with an unwritable access log");
        } catch (StartupException e) {
            assertThat(e.getMessage()).startsWith("--access-log: cannot open '").doesNotContain("Exception");
        }
    }
}
