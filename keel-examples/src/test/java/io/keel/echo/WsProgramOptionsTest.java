package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ws program's --streaming and --max-message-size options take effect, seen from the JDK's client. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WsProgramOptionsTest {

    @Test
    void maxMessageSizeClosesAnOversizedMessageWith1009() throws Exception {
        try (EchoProcess echo = EchoProcess.start("--mode", "ws", "--bind", "127.0.0.1", "--port", "0",
            "--max-message-size", "1024")) {
            try (JdkWsClient c = new JdkWsClient(echo.port)) {
                c.sendBinary(new byte[1024], true); // at the limit: echoed
                assertThat((byte[]) c.nextMessage()).hasSize(1024);
                c.sendText("x".repeat(1025), true);
                assertThat(c.awaitClose().code()).isEqualTo(1009);
            }
            try (JdkWsClient c = new JdkWsClient(echo.port)) { // over the limit in parts: the message counts
                c.sendText("y".repeat(600), false);
                c.sendText("y".repeat(600), true);
                assertThat(c.awaitClose().code()).isEqualTo(1009);
            }
            assertThat(echo.terminate()).as(echo.allOutput()).isZero();
        }
    }

    @Test
    void streamingEchoesEachPartBeforeTheMessageEnds() throws Exception {
        try (EchoProcess echo = EchoProcess.start("--mode", "ws", "--bind", "127.0.0.1", "--port", "0",
            "--streaming", "--max-message-size", "4096")) {
            try (JdkWsClient c = new JdkWsClient(echo.port)) {
                c.sendText("first part, ", false);
                // the echo of the first part arrives while the message is still open on our side
                JdkWsClient.Part p = c.nextPart();
                assertThat(p.data()).isEqualTo("first part, ");
                assertThat(p.last()).isFalse();
                c.sendText("second part, ", false);
                p = c.nextPart();
                assertThat(p.data()).isEqualTo("second part, ");
                assertThat(p.last()).isFalse();
                c.sendText("end", true);
                p = c.nextPart();
                assertThat(p.data()).isEqualTo("end");
                assertThat(p.last()).isTrue();
                assertThat(c.nextMessage()).isEqualTo("first part, second part, end");

                c.sendBinary(new byte[] {1, 2}, false);
                assertThat((byte[]) c.nextPart().data()).isEqualTo(new byte[] {1, 2});
                c.sendBinary(new byte[] {3}, true);
                assertThat(c.nextPart().last()).isTrue();
                assertThat((byte[]) c.nextMessage()).isEqualTo(new byte[] {1, 2, 3});

                // the limit still applies to a streamed message: 3000 echoed, then 3000 more is over 4096
                c.sendBinary(new byte[3000], false);
                assertThat((byte[]) c.nextPart().data()).hasSize(3000);
                c.sendBinary(new byte[3000], true);
                assertThat(c.awaitClose().code()).isEqualTo(1009);
            }
            assertThat(echo.terminate()).as(echo.allOutput()).isZero();
        }
    }

    @Test
    void aMaxMessageSizeUnder125IsAUsageError() throws Exception {
        EchoProcess p = EchoProcess.launch("--mode", "ws", "--bind", "127.0.0.1", "--port", "0",
            "--max-message-size", "100");
        assertThat(p.awaitExit()).as(p.allOutput()).isEqualTo(2);
        assertThat(p.allOutput()).contains("--max-message-size").contains("--help")
            .doesNotContain("Exception").doesNotContain("\tat ");
    }
}
