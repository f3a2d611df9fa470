package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code --stats} line: a timestamp first, rates and totals labelled, WebSocket figures only for ws/wss. Built
 * in this JVM against a real server with a fixed clock; one run of the program checks the line is printed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatsLineTest {
    private static final Duration AWAIT = Duration.ofSeconds(20);
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T10:15:30.789Z"), ZoneOffset.UTC);
    private static final String RATE = "\\d+(\\.\\d)? (B|KiB|MiB|GiB)/s";

    @Test
    void numbersAreGroupedAndBytesScaled() {
        assertThat(StatsPrinter.count(0)).isEqualTo("0");
        assertThat(StatsPrinter.count(1234)).isEqualTo("1,234");
        assertThat(StatsPrinter.count(1_234_567)).isEqualTo("1,234,567");
        assertThat(StatsPrinter.bytes(1023)).isEqualTo("1023 B");
        assertThat(StatsPrinter.bytes(3000)).isEqualTo("2.9 KiB");
        assertThat(StatsPrinter.bytes(5L * 1024 * 1024)).isEqualTo("5.0 MiB");
        assertThat(StatsPrinter.bytes(3L * 1024 * 1024 * 1024)).isEqualTo("3.0 GiB");
    }

    @Test
    void tcpLineHasConnectionsAndDataOnly() throws Exception {
        EchoServer echo = EchoServer.start(EchoOptions.parse(new String[] {"--mode", "tcp", "--bind", "127.0.0.1",
            "--port", "0"}));
        try {
            StatsPrinter printer = new StatsPrinter(echo, System.out, 1, CLOCK);
            byte[] data = new byte[3000];
            try (SocketChannel ch = TestServers.connect(new InetSocketAddress("127.0.0.1", echo.server.port()))) {
                TestServers.writeFully(ch, ByteBuffer.wrap(data));
                assertThat(TestServers.readExactly(ch, data.length)).hasSize(data.length);
                Awaits.await("3000 bytes counted out", AWAIT, () -> echo.server.stats().bytesOut() == 3000);
                String line = printer.line();
                assertThat(line).matches("2025-06-01T10:15:30Z stats: conns 1 open / 1 total \\(peak 1, 0 refused\\), "
                    + "data " + RATE + " in, " + RATE + " out \\(totals 2\\.9 KiB in, 2\\.9 KiB out\\)");
                assertThat(line).doesNotContain("msgs").doesNotContain("websocket").doesNotContain("handshake")
                    .doesNotContain("1008").doesNotContain("1009").doesNotContain("closed").doesNotContain("tls");
                // the next line's rates cover only what came since: nothing
                assertThat(printer.line()).endsWith("data 0 B/s in, 0 B/s out (totals 2.9 KiB in, 2.9 KiB out)");
            }
        } finally {
            echo.server.close();
        }
    }

    @Test
    void wsLineHasMessagesWebSocketsAndCloses() throws Exception {
        EchoServer echo = EchoServer.start(EchoOptions.parse(new String[] {"--mode", "ws", "--bind", "127.0.0.1",
            "--port", "0", "--max-message-size", "1024"}));
        try {
            StatsPrinter printer = new StatsPrinter(echo, System.out, 1, CLOCK);
            try (JdkWsClient c = new JdkWsClient(echo.server.port())) {
                for (int i = 0; i < 3; i++) {
                    c.sendText("m" + i, true);
                    assertThat(c.nextMessage()).isEqualTo("m" + i);
                }
                c.sendBinary(new byte[2000], true); // over --max-message-size: closed with 1009
                assertThat(c.awaitClose().code()).isEqualTo(1009);
            }
            Awaits.await("the connection to end", AWAIT, () -> echo.server.stats().currentConnections() == 0);
            String line = printer.line();
            assertThat(line).matches("2025-06-01T10:15:30Z stats: conns 0 open / 1 total \\(peak 1, 0 refused\\), "
                + "msgs \\d+/s in \\(3 total\\), data " + RATE + " in, " + RATE + " out \\(totals \\S+ \\S+ in, \\S+ \\S+ out\\), "
                + "websockets 0 open, handshakes rfc_6455 1 / hybi_08 0 / hybi_07 0 / hixie_76 0 \\(0 rejected\\), "
                + "closed 0 for not reading \\(1008\\), 1 for protocol errors \\(1002/1007/1009\\)");
        } finally {
            echo.server.close();
        }
    }

    @Test
    void theProgramPrintsTimestampedLines() throws Exception {
        try (EchoProcess p = EchoProcess.start("--mode", "tcp", "--bind", "127.0.0.1", "--port", "0", "--stats", "1")) {
            String line = p.awaitLine(" stats: ", 30);
            assertThat(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ stats: conns 0 open / 0 total \\(peak 0,"
                + " 0 refused\\), data 0 B/s in, 0 B/s out \\(totals 0 B in, 0 B out\\)");
            Instant printed = Instant.parse(line.substring(0, line.indexOf(' ')));
            assertThat(Duration.between(printed, Instant.now()).abs()).isLessThan(Duration.ofMinutes(1));
            assertThat(p.terminate()).as(p.allOutput()).isZero();
        }
    }
}
