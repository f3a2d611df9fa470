package io.keel.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.websocket.ClientWire.Frame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link WebSocket#pauseReading()} stops delivery at once: a handler that pauses inside {@code onText} for the
 * first message gets no further message, not even those already read in the same buffer, until
 * {@link WebSocket#resumeReading()} (called here from the test's thread, not the loop); then the rest come, in
 * order. A client's Close written behind the messages is answered only after they are all echoed. HyBi (13, 8)
 * and Hixie-76.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class PauseStopsDeliveryTest extends OneClientLoopbackTest {
    /** Echoes text messages, recording them; pauses reading on the first one. */
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
            String m = StandardCharsets.UTF_8.decode(utf8.duplicate()).toString();
            boolean isFirst = delivered.isEmpty() && first.getCount() > 0;
            delivered.add(m);
            ws.sendText(utf8);
            if (isFirst) {
                ws.pauseReading();
                first.countDown();
            }
        }
    }

    private final PausingEcho app = new PausingEcho();
    @Override
    protected WebSocketHandler app() {
        return app;
    }

    private void upgrade(int version) throws IOException {
        client.upgradeAny(version);
    }

    /** A text frame in the client's framing: HyBi masked, Hixie-76 0x00 text 0xFF. */
    private static byte[] text(int version, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        if (version != 76) {
            return ClientWire.encode(true, 0x1, utf8, true);
        }
        byte[] f = new byte[utf8.length + 2];
        System.arraycopy(utf8, 0, f, 1, utf8.length);
        f[f.length - 1] = (byte) 0xFF;
        return f;
    }

    private static byte[] close(int version) {
        return version == 76 ? new byte[] {(byte) 0xFF, 0x00} : ClientWire.encode(true, 0x8, new byte[] {0x03, (byte) 0xE8}, true);
    }

    /** Reads one text message in the server's framing. */
    private String readText(int version) throws IOException {
        if (version != 76) {
            Frame f = client.readFrame();
            assertThat(f.opcode()).as("a text frame, not opcode %d (%s)", f.opcode(), f.text()).isEqualTo(0x1);
            return f.text();
        }
        int b = client.in.read();
        assertThat(b).as("Hixie-76 text frame start").isEqualTo(0x00);
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        while ((b = client.in.read()) != 0xFF) {
            if (b < 0) {
                throw new IOException("end of stream inside a Hixie-76 frame");
            }
            m.write(b);
        }
        return m.toString(StandardCharsets.UTF_8);
    }

    /** Writes the upgrade's messages 1..5 (and {@code tail}) in one write; waits until the first is delivered. */
    private WebSocket sendFiveInOneWriteAndAwaitTheFirst(int version, byte[] tail) throws Exception {
        upgrade(version);
        WebSocket ws = app.opened.get(10, TimeUnit.SECONDS);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 1; i <= 5; i++) {
            all.writeBytes(text(version, "message " + i));
        }
        all.writeBytes(tail);
        client.write(all.toByteArray());
        assertThat(app.first.await(10, TimeUnit.SECONDS)).as("the first message delivered").isTrue();
        // The loop delivered message 1 while handling the read that held all five (one small write on loopback):
        // once a task queued on the loop now has run, that read is over, and whatever it would deliver was delivered.
        CompletableFuture<Boolean> paused = new CompletableFuture<>();
        ws.execute(() -> paused.complete(ws.connection().isReadingPaused()));
        assertThat(paused.get(5, TimeUnit.SECONDS)).as("reading paused, seen on the loop").isTrue();
        assertThat(List.copyOf(app.delivered)).as("delivered while paused (the other four were in the read buffer)")
            .containsExactly("message 1");
        assertThat(readText(version)).as("the first echo").isEqualTo("message 1");
        return ws;
    }

    private List<String> awaitDelivered(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (app.delivered.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5); // bounded polling of what the handler recorded
        }
        return List.copyOf(app.delivered);
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(ints = {13, 8, 76})
    void pauseInOnTextHoldsTheRestUntilResumeFromAnotherThread(int version) throws Exception {
        WebSocket ws = sendFiveInOneWriteAndAwaitTheFirst(version, new byte[0]);
        ws.resumeReading(); // from this thread, not the loop
        assertThat(awaitDelivered(5)).as("after resumeReading: the other four, in order")
            .containsExactly("message 1", "message 2", "message 3", "message 4", "message 5");
        List<String> echoes = new ArrayList<>();
        for (int i = 2; i <= 5; i++) {
            echoes.add(readText(version));
        }
        assertThat(echoes).containsExactly("message 2", "message 3", "message 4", "message 5");
        // still a working WebSocket: another message, then the close handshake
        client.write(text(version, "message 6"));
        assertThat(readText(version)).isEqualTo("message 6");
        client.write(close(version));
        assertCloseReplyThenEnd(version);
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(ints = {13, 8, 76})
    void aCloseBehindPausedMessagesIsAnsweredAfterTheirEchoes(int version) throws Exception {
        WebSocket ws = sendFiveInOneWriteAndAwaitTheFirst(version, close(version));
        ws.resumeReading();
        for (int i = 2; i <= 5; i++) {
            assertThat(readText(version)).as("echo %d, before the Close reply", i).isEqualTo("message " + i);
        }
        assertCloseReplyThenEnd(version);
        assertThat(List.copyOf(app.delivered)).containsExactly("message 1", "message 2", "message 3", "message 4", "message 5");
    }

    private void assertCloseReplyThenEnd(int version) throws IOException {
        if (version == 76) {
            assertThat(client.read(2)).as("the Hixie-76 close reply").isEqualTo(new byte[] {(byte) 0xFF, 0x00});
        } else {
            Frame f = client.readFrame();
            assertThat(f.opcode()).as("the Close reply").isEqualTo(0x8);
            assertThat(f.closeCode()).isEqualTo(1000);
        }
        assertThat(client.readsEndOfStream()).as("then TCP ends").isTrue();
    }
}
