package io.keel.echo.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.keel.echo.WebSocketEchoHandler;
import io.keel.tls.TlsProvider;
import io.keel.websocket.ClientWire;
import io.keel.websocket.ClientWire.Frame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import io.keel.websocket.WebSocketProtocolHandler;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fault 1 of the send-path issue: a Close (or a whole message) must never vanish behind a large echo.
 *
 * <p>A raw client writes, in one write, a binary message of several MiB (under the 16 MiB message limit but over
 * the 4 MiB per-connection queue limit) immediately followed by a Close(1000) or by a small message, and only
 * starts reading two seconds later. The program's echo handler, in process, plain or behind the TLS layer with
 * either provider. The server must echo the message intact, then answer the Close with a Close(1000) and end TCP
 * (RFC 6455 section 5.5.1: a message received completely before the Close is echoed before the Close reply; the
 * Close reply is a control frame, never refused by the data queue limit), or echo the small message after the
 * large one. A client that never reads after its Close must be released within the close timeout, not held
 * until the idle timeout (300 s). The server must log no error in any of these.
 *
 * <p>The client's TCP receive buffer is fixed small (64 KiB) before it connects, so what the kernel can soak up
 * of the echo is negligible: the server really holds nearly the whole echo in its own queue, whatever the
 * machine's TCP autotuning (with autotuned buffers the issue saw 7 MiB pass and 8 MiB fail).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CloseBehindLargeEchoTest extends OneServerOneClientTest {
    static final int MiB = 1 << 20;
    /** The scenario's delay before the client starts reading (not a synchronisation: the fault needs it). */
    static final long READ_DELAY_MILLIS = 2_000;
    static final int CLIENT_RECEIVE_BUFFER = 64 * 1024;

    enum Transport {
        WS(null), WSS_JDK(TlsProvider.JDK), WSS_OPENSSL(TlsProvider.OPENSSL);

        final TlsProvider provider;

        Transport(TlsProvider provider) {
            this.provider = provider;
        }
    }

    static Stream<Arguments> sizesAndTransports() {
        return Stream.of(4, 8, 12).flatMap(mib -> Arrays.stream(Transport.values()).map(t -> Arguments.of(t, mib)));
    }

    private void start(Transport t, UnaryOperator<WebSocketProtocolHandler.Builder> ws) throws IOException {
        if (t.provider != null) {
            assumeThat(t.provider.isAvailable()).as(t.provider + " provider available").isTrue();
        }
        rig = Rig.start(new WebSocketEchoHandler(), ws, t.provider, null, s -> s);
        client = new Wire(rig.address(), t.provider == null ? null : Rig.clientContext(), 10_000, CLIENT_RECEIVE_BUFFER);
        client.upgrade(13);
    }

    @ParameterizedTest(name = "{0}: {1} MiB + Close(1000), reading 2 s later")
    @MethodSource("sizesAndTransports")
    void largeMessageThenCloseEchoesTheMessageThenTheCloseReply(Transport t, int mib) throws Exception {
        start(t, w -> w); // default close timeout (5 s): longer than the client's 2 s before reading
        byte[] message = random(mib * MiB, mib);
        CompletableFuture<Void> written = writeInOneGo(
            ClientWire.encode(true, 0x2, message, true), closeFrame(1000));
        scenarioDelay();

        Frame echo = nextFrame("the echo of the " + mib + " MiB message");
        assertWhole(echo, 0x2, message, "the echo of the " + mib + " MiB message");
        Frame close = nextFrame("the Close reply after the " + mib + " MiB echo");
        assertThat(close.opcode()).as("the frame after the echo: the Close reply").isEqualTo(0x8);
        assertThat(close.closeCode()).as("the Close reply's code").isEqualTo(1000);
        assertThat(client.readsEndOfStream()).as("TCP ends after the Close reply").isTrue();
        written.get(10, TimeUnit.SECONDS);
        awaitNoConnections(Duration.ofSeconds(10));
        assertServerLoggedNoError();
    }

    static Stream<Arguments> otherPoliciesAndTransports() {
        return Stream.of(io.keel.websocket.BackpressurePolicy.CLOSE, io.keel.websocket.BackpressurePolicy.MANUAL)
            .flatMap(p -> Arrays.stream(Transport.values()).map(t -> Arguments.of(p, t)));
    }

    /**
     * The guarantees do not depend on the backpressure policy: with CLOSE or MANUAL the server keeps reading and
     * sees the Close while the 8 MiB echo is still queued, and its Close reply (a control frame) must still go
     * out after the echo.
     */
    @ParameterizedTest(name = "policy {0}, {1}: 8 MiB + Close(1000), reading 2 s later")
    @MethodSource("otherPoliciesAndTransports")
    void largeMessageThenCloseUnderTheOtherPolicies(io.keel.websocket.BackpressurePolicy policy, Transport t)
            throws Exception {
        start(t, w -> w.backpressure(policy));
        byte[] message = random(8 * MiB, 8);
        CompletableFuture<Void> written = writeInOneGo(ClientWire.encode(true, 0x2, message, true), closeFrame(1000));
        scenarioDelay();

        assertWhole(nextFrame("the echo of the 8 MiB message"), 0x2, message, "the echo of the 8 MiB message");
        Frame close = nextFrame("the Close reply after the 8 MiB echo");
        assertThat(close.opcode()).as("the frame after the echo: the Close reply").isEqualTo(0x8);
        assertThat(close.closeCode()).as("the Close reply's code").isEqualTo(1000);
        assertThat(client.readsEndOfStream()).as("TCP ends after the Close reply").isTrue();
        written.get(10, TimeUnit.SECONDS);
        awaitNoConnections(Duration.ofSeconds(10));
        assertServerLoggedNoError();
    }

    @ParameterizedTest(name = "{0}: 9 MiB + 100-byte message, reading 2 s later")
    @EnumSource(Transport.class)
    void largeMessageThenSmallMessageBothEchoedInOrder(Transport t) throws Exception {
        start(t, w -> w);
        byte[] big = random(9 * MiB, 9);
        byte[] small = random(100, 100);
        CompletableFuture<Void> written = writeInOneGo(
            ClientWire.encode(true, 0x2, big, true), ClientWire.encode(true, 0x2, small, true));
        scenarioDelay();

        assertWhole(nextFrame("the echo of the 9 MiB message"), 0x2, big, "the echo of the 9 MiB message");
        assertWhole(nextFrame("the echo of the 100-byte message after the 9 MiB one"), 0x2, small,
            "the echo of the 100-byte message");
        written.get(10, TimeUnit.SECONDS);
        // and the connection is still good: a normal close handshake
        client.write(closeFrame(1000));
        Frame close = nextFrame("the Close reply");
        assertThat(close.opcode()).as("after both echoes: the Close reply").isEqualTo(0x8);
        assertThat(close.closeCode()).isEqualTo(1000);
        assertThat(client.readsEndOfStream()).as("TCP ends after the Close reply").isTrue();
        awaitNoConnections(Duration.ofSeconds(10));
        assertServerLoggedNoError();
    }

    @ParameterizedTest(name = "{0}: 8 MiB + Close(1000), never reading")
    @EnumSource(Transport.class)
    void aClientThatNeverReadsAfterItsCloseIsReleasedWithinTheCloseTimeout(Transport t) throws Exception {
        Duration closeTimeout = Duration.ofSeconds(1);
        Duration margin = Duration.ofSeconds(3);
        start(t, w -> w.closeTimeout(closeTimeout));
        CompletableFuture<Void> written = writeInOneGo(
            ClientWire.encode(true, 0x2, random(8 * MiB, 8), true), closeFrame(1000));
        // the server reads the whole message before it can echo it, so the write completes (the Close's few
        // bytes fit the kernel's buffers whatever the server does)
        written.get(20, TimeUnit.SECONDS);
        long t0 = System.nanoTime();
        awaitNoConnections(closeTimeout.plus(margin));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("%s: the non-reading client was released %d ms after its 8 MiB + Close was written%n", t, ms);
        // and the client, reading at last, finds its connection ended (end of stream or reset) after what the
        // kernels held: the server did not keep it
        assertThat(drainToEnd(client.in, 16 * MiB)).as("the client's stream ended").isTrue();
        assertServerLoggedNoError();
    }

    @ParameterizedTest(name = "{0}: 8 MiB + Ping, reading 2 s later")
    @EnumSource(Transport.class)
    void aPingBehindALargeMessageGetsItsPongAfterTheEcho(Transport t) throws Exception {
        start(t, w -> w);
        byte[] message = random(8 * MiB, 81);
        byte[] ping = "are you there?".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        CompletableFuture<Void> written = writeInOneGo(
            ClientWire.encode(true, 0x2, message, true), ClientWire.encode(true, 0x9, ping, true));
        scenarioDelay();

        assertWhole(nextFrame("the echo of the 8 MiB message"), 0x2, message, "the echo of the 8 MiB message");
        Frame pong = nextFrame("the Pong after the 8 MiB echo");
        assertThat(pong.opcode()).as("the frame after the echo: the Pong").isEqualTo(0xA);
        assertThat(pong.payload()).as("the Pong's payload").isEqualTo(ping);
        written.get(10, TimeUnit.SECONDS);
        client.closeNormally();
        awaitNoConnections(Duration.ofSeconds(10));
        assertServerLoggedNoError();
    }

    /** Sends 8 MiB then closes itself (4000, "done") in the same callback: its close must follow the message. */
    static final class SendThenClose implements io.keel.websocket.WebSocketHandler {
        final byte[] payload = random(8 * MiB, 4000);
        final java.util.concurrent.atomic.AtomicReference<io.keel.core.SendStatus> status =
            new java.util.concurrent.atomic.AtomicReference<>();

        @Override
        public void onText(io.keel.websocket.WebSocket ws, java.nio.ByteBuffer utf8) {
            status.set(ws.sendBinary(java.nio.ByteBuffer.wrap(payload)));
            ws.close(4000, "done");
        }
    }

    @ParameterizedTest(name = "{0}: the application sends 8 MiB then closes")
    @EnumSource(Transport.class)
    void anApplicationsOwnCloseFollowsItsLargeMessage(Transport t) throws Exception {
        if (t.provider != null) {
            assumeThat(t.provider.isAvailable()).as(t.provider + " provider available").isTrue();
        }
        SendThenClose app = new SendThenClose();
        rig = Rig.start(app, w -> w, t.provider, null, s -> s); // default close timeout (5 s) > the 2 s delay
        client = new Wire(rig.address(), t.provider == null ? null : Rig.clientContext(), 10_000, CLIENT_RECEIVE_BUFFER);
        client.upgrade(13);
        client.sendText("go");
        scenarioDelay();

        assertWhole(nextFrame("the application's 8 MiB message"), 0x2, app.payload, "the application's 8 MiB message");
        assertThat(app.status.get()).as("the 8 MiB send's status").isNotEqualTo(io.keel.core.SendStatus.DROPPED);
        Frame close = nextFrame("the application's Close after its 8 MiB message");
        assertThat(close.opcode()).as("the frame after the message: the application's Close").isEqualTo(0x8);
        assertThat(close.closeCode()).isEqualTo(4000);
        assertThat(new String(close.payload(), 2, close.payload().length - 2, java.nio.charset.StandardCharsets.UTF_8))
            .isEqualTo("done");
        client.write(closeFrame(4000));
        assertThat(client.readsEndOfStream()).as("TCP ends after our Close reply").isTrue();
        awaitNoConnections(Duration.ofSeconds(10));
        assertServerLoggedNoError();
    }

    // ---- helpers ----

    private void scenarioDelay() throws InterruptedException {
        // The fault's scenario, not a synchronisation: the client reads nothing for two seconds, so the server
        // has to hold the echo (and what follows it) in its queue meanwhile.
        Thread.sleep(READ_DELAY_MILLIS);
    }

    /** Writes the parts with one write (one buffer) on another thread; the future completes when it returns. */
    private CompletableFuture<Void> writeInOneGo(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        byte[] bytes = all.toByteArray();
        return CompletableFuture.runAsync(() -> {
            try {
                client.write(bytes);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, r -> Thread.ofVirtual().name("raw-client-writer").start(r));
    }

    /** The next frame, or a failure saying that the stream ended where {@code what} was expected. */
    private Frame nextFrame(String what) {
        try {
            return client.readFrame();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("nothing came within 10 s where " + what + " was expected", e);
        } catch (IOException e) {
            throw new AssertionError("the connection ended where " + what + " was expected (a client sees 1006): " + e, e);
        }
    }

    private static void assertWhole(Frame f, int opcode, byte[] expected, String what) {
        assertThat(f.opcode()).as("%s: opcode", what).isEqualTo(opcode);
        assertThat(f.fin()).as("%s: one final frame", what).isTrue();
        assertThat(f.payload().length).as("%s: length", what).isEqualTo(expected.length);
        assertThat(Arrays.mismatch(f.payload(), expected)).as("%s: first differing byte", what).isEqualTo(-1);
    }

    private void awaitNoConnections(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (rig.server.stats().currentConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10); // bounded polling of a counter
        }
        assertThat(rig.server.stats().currentConnections())
            .as("connections the server still holds %d ms after the client's last write (close timeout: the bound)",
                within.toMillis())
            .isZero();
    }

    private void assertServerLoggedNoError() {
        log.assertNoErrors();
        assertThat(rig.server.stats().handlerErrors()).as("handler exceptions").isZero();
    }

    /** Reads and discards until end of stream or a reset: true; false when {@code max} bytes came without an end. */
    private static boolean drainToEnd(InputStream in, long max) throws IOException {
        byte[] b = new byte[64 * 1024];
        long total = 0;
        try {
            int n;
            while ((n = in.read(b)) >= 0) {
                total += n;
                if (total > max) {
                    return false;
                }
            }
            return true;
        } catch (SocketException | SSLException reset) {
            return true;
        }
    }

    private static byte[] closeFrame(int code) {
        return ClientWire.encode(true, 0x8, new byte[] {(byte) (code >> 8), (byte) code}, true);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
