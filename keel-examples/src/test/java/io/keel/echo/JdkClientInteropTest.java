package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The JDK's {@code java.net.http} WebSocket client against the real keel-echo program in ws mode. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdkClientInteropTest {
    private static EchoProcess echo;

    @BeforeAll
    static void startProgram() throws Exception {
        echo = EchoProcess.start("--mode", "ws", "--bind", "127.0.0.1", "--port", "0");
    }

    @AfterAll
    static void stopProgram() throws Exception {
        if (echo != null) {
            try (EchoProcess p = echo) {
                assertThat(p.terminate()).as(p.allOutput()).isZero();
                assertThat(p.allOutput()).contains("ws echo server listening on ws://127.0.0.1:").contains("stopped");
            }
        }
    }

    /** Text made of 1-, 2- and 3-byte UTF-8 characters (no surrogates, so any split is a valid CharSequence). */
    static String text(int chars, long seed) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 éüßçñ€✓中文";
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(chars);
        for (int i = 0; i < chars; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest(name = "{0} chars")
    @ValueSource(ints = {5, 100 * 1024, 2 * 1024 * 1024})
    void textIsEchoedExactly(int size) throws Exception {
        try (JdkWsClient c = new JdkWsClient(echo.port)) {
            String s = text(size, size);
            c.sendText(s, true);
            assertThat((String) c.nextMessage()).isEqualTo(s);
            closeNormally(c);
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {5, 100 * 1024, 2 * 1024 * 1024})
    void binaryIsEchoedExactly(int size) throws Exception {
        try (JdkWsClient c = new JdkWsClient(echo.port)) {
            byte[] b = bytes(size, size);
            c.sendBinary(b, true);
            assertThat((byte[]) c.nextMessage()).isEqualTo(b);
            closeNormally(c);
        }
    }

    @ParameterizedTest(name = "{0} in 4 parts")
    @ValueSource(ints = {8, 100 * 1024, 2 * 1024 * 1024})
    void partialSendsComeBackAsOneMessage(int size) throws Exception {
        try (JdkWsClient c = new JdkWsClient(echo.port)) {
            String s = text(size, 31 + size);
            int q = size / 4;
            c.sendText(s.substring(0, q), false);
            c.sendText(s.substring(q, 2 * q), false);
            c.sendText(s.substring(2 * q, 3 * q), false);
            c.sendText(s.substring(3 * q), true);
            byte[] b = bytes(size, 77 + size);
            c.sendBinary(java.util.Arrays.copyOfRange(b, 0, q), false);
            c.sendBinary(java.util.Arrays.copyOfRange(b, q, 3 * q), false);
            c.sendBinary(java.util.Arrays.copyOfRange(b, 3 * q, size), true);
            assertThat((String) c.nextMessage()).isEqualTo(s);
            assertThat((byte[]) c.nextMessage()).isEqualTo(b);
            closeNormally(c);
        }
    }

    @Test
    void manyMessagesInFlightKeepTheirOrderAndKind() throws Exception {
        try (JdkWsClient c = new JdkWsClient(echo.port)) {
            for (int i = 0; i < 200; i++) {
                if (i % 2 == 0) {
                    c.sendText("m" + i, true);
                } else {
                    c.sendBinary(new byte[] {(byte) i, (byte) (i >> 8)}, true);
                }
            }
            for (int i = 0; i < 200; i++) {
                Object m = c.nextMessage();
                if (i % 2 == 0) {
                    assertThat(m).isEqualTo("m" + i);
                } else {
                    assertThat((byte[]) m).isEqualTo(new byte[] {(byte) i, (byte) (i >> 8)});
                }
            }
            closeNormally(c);
        }
    }

    private static void closeNormally(JdkWsClient c) throws Exception {
        c.ws.sendClose(1000, "bye").get(10, TimeUnit.SECONDS);
        JdkWsClient.Close close = c.awaitClose();
        assertThat(close.code()).isEqualTo(1000);
    }
}
