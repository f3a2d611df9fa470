package io.keel.echo.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Oversized, invalid and garbage input: each offender is closed with the right code (1009, 1002, 1007) or, on
 * the TLS port, closed cleanly and counted as a TLS handshake failure; a well-behaved client beside them is
 * served promptly throughout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InvalidInputTest {
    static final int MAX_MESSAGE = 64 * 1024;
    static Rig plain;
    static Rig secure;
    static GoodClient goodPlain;
    static GoodClient goodSecure;

    @BeforeAll
    static void start() throws Exception {
        plain = Rig.plain(w -> w.maxMessageSize(MAX_MESSAGE), s -> s);
        secure = Rig.secure(w -> w.maxMessageSize(MAX_MESSAGE), t -> t, s -> s);
        goodPlain = GoodClient.start(plain);
        goodSecure = GoodClient.start(secure);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            goodPlain.stopAndCheck(50);
            goodSecure.stopAndCheck(50);
        } finally {
            goodPlain.close();
            goodSecure.close();
            plain.close();
            secure.close();
        }
    }

    /** Sends {@code bytes} after an RFC 6455 upgrade (plain or TLS) and returns the server's close code. */
    private static int closeCodeFor(boolean tls, byte[]... frames) throws IOException {
        try (Wire w = new Wire((tls ? secure : plain).address(), tls)) {
            w.upgrade(13);
            // written beside the reader: the server may close before it has read everything (an oversized frame is
            // refused on its header), and then our writes fail, which is fine
            java.util.concurrent.CompletableFuture<Void> writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    for (byte[] f : frames) {
                        w.write(f);
                    }
                } catch (IOException refused) {
                    // the server closed first
                }
            });
            int code = w.readCloseCode();
            writer.join();
            assertThat(w.readsEndOfStream()).as("connection closed after the close frame").isTrue();
            return code;
        }
    }

    /**
     * A client the server fails (RFC 6455 section 7.1.7) may still be sending, as Autobahn's case 4.2.5 does a byte
     * at a time. The server half-closes and keeps reading until the client closes: a socket closed at once would
     * answer the client's next bytes with a reset, and a reset can destroy the echo and the close frame in the
     * client's receive buffer (through a TLS proxy such as socat, it did).
     */
    @Test
    void aFailedClientThatKeepsSendingGetsTheEchoTheCloseAndNoReset() throws Exception {
        try (Wire w = new Wire(plain.address(), false)) {
            w.upgrade(13);
            w.write(masked(true, 0x1, "Hello".getBytes(StandardCharsets.UTF_8)));
            w.write(masked(true, 0xF, new byte[] {1})); // a reserved opcode: 1002
            var echo = w.readFrame();
            assertThat(echo.opcode()).isEqualTo(0x1);
            assertThat(new String(echo.payload(), StandardCharsets.UTF_8)).isEqualTo("Hello");
            assertThat(w.readCloseCode()).isEqualTo(1002);
            assertThat(w.in.read()).as("the server's output ends (FIN)").isEqualTo(-1);
            for (int i = 0; i < 200; i++) {
                w.write(masked(true, 0x9, new byte[0])); // read and dropped by the server: no reset, no broken pipe
            }
            assertThat(w.in.read()).as("still the end of the server's output, not a reset").isEqualTo(-1);
        }
    }

    private static byte[] masked(boolean fin, int opcode, byte[] payload) {
        return Wire.frame(fin, opcode, payload, true);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aMessageOverTheLimitIs1009(boolean tls) throws Exception {
        long before = (tls ? secure : plain).ws.stats().messagesTooBig();
        assertThat(closeCodeFor(tls, masked(true, 0x2, new byte[MAX_MESSAGE + 1]))).isEqualTo(1009);
        assertThat((tls ? secure : plain).ws.stats().messagesTooBig()).isEqualTo(before + 1);
    }

    /**
     * A client that sends a 1 MiB message (16 times the limit) in one go must still read the 1009 close: the server
     * closes while the rest of the message is unread, and a close that resets the connection would discard it.
     */
    @org.junit.jupiter.api.RepeatedTest(20)
    void aMuchLargerMessageStillGetsIts1009() throws Exception {
        assertThat(closeCodeFor(false, masked(true, 0x2, new byte[1 << 20]))).isEqualTo(1009);
    }

    @Test
    void fragmentsAddingUpOverTheLimitAre1009() throws Exception {
        byte[] half = new byte[MAX_MESSAGE / 2 + 1];
        assertThat(closeCodeFor(false, masked(false, 0x2, half), masked(true, 0x0, half))).isEqualTo(1009);
    }

    @Test
    void aFrameHeaderClaimingAnEnormousLengthIs1009WithoutWaitingForIt() throws Exception {
        ByteBuffer h = ByteBuffer.allocate(14);
        h.put((byte) 0x82).put((byte) (0x80 | 127)).putLong(1L << 40).putInt(0x01020304);
        assertThat(closeCodeFor(false, h.array())).isEqualTo(1009);
    }

    @Test
    void anUnmaskedClientFrameIs1002() throws Exception {
        assertThat(closeCodeFor(false, Wire.frame(true, 0x1, "hi".getBytes(StandardCharsets.UTF_8), false)))
            .isEqualTo(1002);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x3, 0x7, 0xB, 0xF})
    void aReservedOpcodeIs1002(int opcode) throws Exception {
        assertThat(closeCodeFor(false, masked(true, opcode, new byte[3]))).isEqualTo(1002);
    }

    @Test
    void reservedBitsWithoutAnExtensionAre1002() throws Exception {
        byte[] f = masked(true, 0x1, "x".getBytes(StandardCharsets.UTF_8));
        f[0] |= 0x40; // RSV1
        assertThat(closeCodeFor(true, f)).isEqualTo(1002);
    }

    @Test
    void aFragmentedPingIs1002() throws Exception {
        assertThat(closeCodeFor(false, masked(false, 0x9, new byte[1]))).isEqualTo(1002);
    }

    @Test
    void aContinuationWithoutAStartIs1002() throws Exception {
        assertThat(closeCodeFor(false, masked(true, 0x0, new byte[4]))).isEqualTo(1002);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void invalidUtf8TextIs1007(boolean tls) throws Exception {
        byte[] bad = {'o', 'k', (byte) 0xC0, (byte) 0xAF}; // overlong '/'
        assertThat(closeCodeFor(tls, masked(true, 0x1, bad))).isEqualTo(1007);
    }

    @Test
    void aSurrogateSplitAcrossFragmentsIs1007() throws Exception {
        // U+D800 encoded (ED A0 80) is not valid UTF-8; split over two fragments
        assertThat(closeCodeFor(false, masked(false, 0x1, new byte[] {(byte) 0xED}),
            masked(true, 0x0, new byte[] {(byte) 0xA0, (byte) 0x80}))).isEqualTo(1007);
    }

    @Test
    void invalidUtf8InACloseReasonIs1007() throws Exception {
        assertThat(closeCodeFor(false, masked(true, 0x8, new byte[] {0x03, (byte) 0xE8, (byte) 0xFF})))
            .isEqualTo(1007);
    }

    /** Reads until end of stream, and says whether it came as a clean close (EOF, not a reset). */
    private static boolean closedCleanly(Socket s) throws IOException {
        try {
            byte[] b = new byte[4096];
            while (s.getInputStream().read(b) >= 0) {
                // a TLS alert may come first
            }
            return true;
        } catch (java.net.SocketException reset) {
            return false;
        }
    }

    private static void awaitFailures(long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (secure.tls.stats().handshakeFailures() < expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(secure.tls.stats().handshakeFailures()).isEqualTo(expected);
    }

    @Test
    void garbageOnTheTlsPortIsClosedCleanlyAndCountedAsAHandshakeFailure() throws Exception {
        long before = secure.tls.stats().handshakeFailures();
        byte[] garbage = new byte[4096];
        new Random(7).nextBytes(garbage);
        garbage[0] = 0x47; // not a TLS record type either way
        try (Socket s = new Socket("127.0.0.1", secure.server.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(garbage);
            assertThat(closedCleanly(s)).as("closed with a FIN, not a reset").isTrue();
        }
        awaitFailures(before + 1);
    }

    @Test
    void plainHttpOnTheTlsPortIsClosedCleanlyAndCountedAsAHandshakeFailure() throws Exception {
        long before = secure.tls.stats().handshakeFailures();
        long upgrades = secure.ws.stats().handshakes(io.keel.websocket.protocol.ProtocolVersion.RFC_6455);
        try (Socket s = new Socket("127.0.0.1", secure.server.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(Wire.hybiRequest(13).getBytes(StandardCharsets.ISO_8859_1));
            assertThat(closedCleanly(s)).as("closed with a FIN, not a reset").isTrue();
        }
        awaitFailures(before + 1);
        assertThat(secure.ws.stats().handshakes(io.keel.websocket.protocol.ProtocolVersion.RFC_6455))
            .as("no WebSocket opened in the clear on the TLS port").isEqualTo(upgrades);
    }
}
