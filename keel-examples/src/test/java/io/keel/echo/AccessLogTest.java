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
    void refusedUpgradesAreLoggedWithTheirStatus() throws Exception {
        Path log = start();
        try (Wire w = new Wire(address(), false)) {
            w.write("GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n\r\n");
            assertThat(w.readHead()).startsWith("HTTP/1.1 426");
            assertThat(awaitLine(log, " status=426 ")).matches(TIME + "http client=127\\.0\\.0\\.1:"
                + w.localAddress().getPort() + " tls=- method=GET path=/chat status=426 duration_ms=0");
        }
        try (Wire w = new Wire(address(), false)) {
            w.write("\u0016\u0003\u0001 not HTTP\r\n\r\n");
            assertThat(w.readHead()).startsWith("HTTP/1.1 400");
            assertThat(awaitLine(log, "client=127.0.0.1:" + w.localAddress().getPort() + " "))
                .endsWith(" method=- path=- status=400 duration_ms=0");
        }
    }

    /** The loops hand lines to a queue: an output that takes nothing (a full pipe) stops no request. */
    @Test
    void aStalledOutputNeverStopsTheServer() throws Exception {
        java.io.PipedOutputStream stalled = new java.io.PipedOutputStream();
        java.io.PipedInputStream neverRead = new java.io.PipedInputStream(stalled, 16);
        java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
        try (AccessLog blocked = new AccessLog("-", new java.io.PrintStream(stalled, false),
            new java.io.PrintStream(errors, true))) {
            long t0 = System.nanoTime();
            for (int i = 0; i < AccessLog.QUEUE_LINES + 1000; i++) {
                blocked.log("http client=127.0.0.1:1 line=" + i);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            // the writer holds one line (stuck in its write), the queue the next QUEUE_LINES: the rest are dropped
            assertThat(blocked.dropped()).isGreaterThanOrEqualTo(999);
        }
        neverRead.close();
    }

    @Test
    void reopenStartsANewFileAfterARotation() throws Exception {
        Path log = start();
        try (Wire w = new Wire(address(), false)) {
            w.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
            w.readHead();
        }
        awaitLine(log, "path=/healthz");
        Path rotated = dir.resolve("access.log.1");
        Files.move(log, rotated);
        assertThat(echo.accessLog.reopen()).isTrue();
        try (Wire w = new Wire(address(), false)) {
            w.write("GET /after HTTP/1.1\r\nHost: localhost\r\n\r\n");
            w.readHead();
        }
        assertThat(awaitLine(log, "path=/after")).contains(" status=404 ");
        assertThat(Files.readString(rotated)).contains("path=/healthz").doesNotContain("path=/after");
    }

    @Test
    void valuesNeverBreakALine() {
        assertThat(AccessLog.token("/x\u0085y\u009b2J\u2028")).isEqualTo("/x?y?2J?"); // C1 and line separators
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
        String missingDir = dir.resolve("no/such/dir/access.log").toString();
        try {
            EchoServer.start(EchoOptions.parse(new String[] {"--mode", "ws", "--port", "0", "--access-log", missingDir}))
                .server.close();
            throw new AssertionError("started with an access log in a missing directory");
        } catch (StartupException e) {
            assertThat(e.getMessage()).isEqualTo("--access-log: cannot open '" + missingDir
                + "' for appending: no such file or directory");
        }
    }
}
