package io.keel.echo.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.keel.echo.hardening.CloseBehindLargeEchoTest.Transport;
import io.keel.websocket.WebSocket;
import io.keel.websocket.WebSocketHandler;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * keel-websocket's PauseStopsDeliveryTest through the TLS layer (both providers) and plain: a handler that pauses
 * in onText for the first of five messages written in one go gets no other until it resumes from another thread,
 * then the four in order, and the client's Close behind them is answered after their echoes. The messages sit in
 * the TLS layer's decrypted input while paused. HyBi 13 and Hixie-76.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PauseStopsDeliveryOverTlsTest extends OneServerOneClientTest {
    static final class PausingEcho implements WebSocketHandler {
        final CompletableFuture<WebSocket> opened = new CompletableFuture<>();
        final BlockingQueue<String> delivered = new LinkedBlockingQueue<>();
        final CountDownLatch first = new CountDownLatch(1);

        @Override
        public void onOpen(WebSocket ws) {
            opened.complete(ws);
        }

        @Override
        public void onText(WebSocket ws, ByteBuffer utf8) {
            boolean isFirst = first.getCount() > 0;
            delivered.add(StandardCharsets.UTF_8.decode(utf8.duplicate()).toString());
            ws.sendText(utf8);
            if (isFirst) {
                ws.pauseReading();
                first.countDown();
            }
        }
    }

    static Stream<Arguments> transportsAndVersions() {
        return Arrays.stream(Transport.values()).flatMap(t -> Stream.of(13, 76).map(v -> Arguments.of(t, v)));
    }

    private static byte[] text(int version, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        if (version != 76) {
            return Wire.frame(true, 0x1, utf8, true);
        }
        byte[] f = new byte[utf8.length + 2];
        System.arraycopy(utf8, 0, f, 1, utf8.length);
        f[f.length - 1] = (byte) 0xFF;
        return f;
    }

    @ParameterizedTest(name = "{0}, version {1}")
    @MethodSource("transportsAndVersions")
    void pauseHoldsTheRestUntilResumeAndTheCloseComesAfterTheirEchoes(Transport t, int version) throws Exception {
        if (t.provider != null) {
            assumeThat(t.provider.isAvailable()).as(t.provider + " provider available").isTrue();
        }
        PausingEcho app = new PausingEcho();
        rig = Rig.start(app, w -> w, t.provider, null, s -> s.ioThreads(1));
        client = new Wire(rig.address(), t.provider == null ? null : Rig.clientContext(), 10_000, 0);
        client.upgrade(version);
        WebSocket ws = app.opened.get(10, TimeUnit.SECONDS);

        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 1; i <= 5; i++) {
            all.writeBytes(text(version, "message " + i));
        }
        all.writeBytes(version == 76 ? new byte[] {(byte) 0xFF, 0x00} : Wire.frame(true, 0x8, new byte[] {0x03, (byte) 0xE8}, true));
        client.write(all.toByteArray()); // one write: one TLS record

        assertThat(app.first.await(10, TimeUnit.SECONDS)).isTrue();
        // once a task queued on the loop now has run, the read that delivered message 1 is over
        CompletableFuture<Boolean> paused = new CompletableFuture<>();
        ws.execute(() -> paused.complete(ws.connection().isReadingPaused()));
        assertThat(paused.get(5, TimeUnit.SECONDS)).as("reading paused").isTrue();
        assertThat(List.copyOf(app.delivered)).as("delivered while paused").containsExactly("message 1");
        assertThat(client.readText()).isEqualTo("message 1");

        ws.resumeReading(); // from the test's thread
        for (int i = 2; i <= 5; i++) {
            assertThat(client.readText()).as("echo %d, after the resume and before the Close reply", i).isEqualTo("message " + i);
        }
        if (version == 76) {
            assertThat(client.read(2)).as("the Hixie-76 close reply").isEqualTo(new byte[] {(byte) 0xFF, 0x00});
        } else {
            io.keel.websocket.ClientWire.Frame close = client.readFrame();
            assertThat(close.opcode()).as("the Close reply, right after the echoes").isEqualTo(0x8);
            assertThat(close.closeCode()).isEqualTo(1000);
        }
        assertThat(client.readsEndOfStream()).isTrue();
        assertThat(List.copyOf(app.delivered)).containsExactly("message 1", "message 2", "message 3", "message 4", "message 5");
        NonReadingClientTest.awaitNoConnections(rig);
        log.assertNoErrors();
        assertThat(rig.server.stats().handlerErrors()).isZero();
    }
}
