package io.keel.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keel.core.SendStatus;
import io.keel.websocket.ClientWire.Frame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@link WebSocket} methods that send, ping and close, called from a thread that is not the WebSocket's loop
 * (here: the test's thread): handed to the loop, run in this thread's order, their statuses promises (QUEUED,
 * BACKPRESSURE then one onDrain, or DROPPED; never SENT), the caller's buffer untouched, argument errors thrown
 * to the caller, DROPPED once the WebSocket is closed. HyBi (13) and Hixie-76.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WebSocketOffLoopApiTest extends OneClientLoopbackTest {
    static final class App implements WebSocketHandler {
        final CompletableFuture<WebSocket> opened = new CompletableFuture<>();
        final CountDownLatch closed = new CountDownLatch(1);
        final CountDownLatch drained = new CountDownLatch(1);

        @Override
        public void onOpen(WebSocket ws) {
            opened.complete(ws);
        }

        @Override
        public void onText(WebSocket ws, ByteBuffer utf8) {
            ws.sendText(utf8);
        }

        @Override
        public void onDrain(WebSocket ws) {
            drained.countDown();
        }

        @Override
        public void onClose(WebSocket ws, int code, String reason) {
            closed.countDown();
        }
    }

    private final App app = new App();
    @Override
    protected WebSocketHandler app() {
        return app;
    }

    private WebSocket upgrade(int version) throws Exception {
        client.upgradeAny(version);
        WebSocket ws = app.opened.get(10, TimeUnit.SECONDS);
        assertThat(ws.connection().inEventLoop()).isFalse();
        return ws;
    }

    private String readText(int version) throws IOException {
        if (version != 76) {
            Frame f = client.readFrame();
            assertThat(f.opcode()).as("a text frame, not opcode %d", f.opcode()).isEqualTo(0x1);
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

    @ParameterizedTest(name = "version {0}")
    @ValueSource(ints = {13, 76})
    void sendsThenCloseFromAnotherThreadArriveInOrderAndNothingAfterTheClose(int version) throws Exception {
        WebSocket ws = upgrade(version);
        int n = 1_000;
        ByteBuffer reused = ByteBuffer.allocate(32);
        for (int i = 0; i < n; i++) {
            SendStatus s;
            if (i % 2 == 0) {
                reused.clear();
                reused.put(("m" + i).getBytes(StandardCharsets.UTF_8)).flip();
                s = ws.sendText(reused);
                assertThat(reused.position()).as("the caller's buffer: position not moved").isZero();
            } else {
                s = ws.sendText("m" + i);
            }
            assertThat(s).as("off-loop send %d", i).isIn(SendStatus.QUEUED, SendStatus.BACKPRESSURE);
        }
        ws.close(4001, "bye");
        SendStatus late = ws.sendText("late");
        assertThat(late).as("a send after close() from the same thread").isNotEqualTo(SendStatus.SENT);

        for (int i = 0; i < n; i++) {
            assertThat(readText(version)).as("message %d", i).isEqualTo("m" + i);
        }
        if (version == 76) {
            assertThat(client.read(2)).as("the Hixie-76 close, right after the messages").isEqualTo(new byte[] {(byte) 0xFF, 0x00});
            client.write(new byte[] {(byte) 0xFF, 0x00});
        } else {
            Frame close = client.readFrame();
            assertThat(close.opcode()).as("the close, right after the messages (not \"late\")").isEqualTo(0x8);
            assertThat(close.closeCode()).isEqualTo(4001);
            client.sendClose(4001);
        }
        assertThat(client.readsEndOfStream()).as("nothing after the close").isTrue();
        assertThat(app.closed.await(10, TimeUnit.SECONDS)).isTrue();

        ByteBuffer after = ByteBuffer.wrap("after".getBytes(StandardCharsets.UTF_8));
        assertThat(ws.sendText(after)).as("off-loop send once closed").isEqualTo(SendStatus.DROPPED);
        assertThat(after.position()).isZero();
        assertThat(ws.ping(ByteBuffer.allocate(1))).as("off-loop ping once closed").isEqualTo(SendStatus.DROPPED);
        ws.close(); // a no-op once closed, from any thread
    }

    @Test
    void aPingFromAnotherThreadGoesOutBetweenTheMessagesSentAroundIt() throws Exception {
        WebSocket ws = upgrade(13);
        assertThat(ws.sendText("before")).isIn(SendStatus.QUEUED, SendStatus.BACKPRESSURE);
        assertThat(ws.ping(ByteBuffer.wrap(new byte[] {7}))).isIn(SendStatus.QUEUED, SendStatus.BACKPRESSURE);
        assertThat(ws.sendText("after")).isIn(SendStatus.QUEUED, SendStatus.BACKPRESSURE);
        assertThat(client.readFrame().text()).isEqualTo("before");
        Frame ping = client.readFrame();
        assertThat(ping.opcode()).isEqualTo(0x9);
        assertThat(ping.payload()).containsExactly(7);
        assertThat(client.readFrame().text()).isEqualTo("after");
        client.sendClose(1000);
        assertThat(client.readFrame().closeCode()).isEqualTo(1000);
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(ints = {13, 76})
    void argumentErrorsAreThrownToTheCallingThread(int version) throws Exception {
        WebSocket ws = upgrade(version);
        assertThatThrownBy(() -> ws.close(999, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ws.close(1005, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ws.close(1000, "r".repeat(124))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ws.ping(ByteBuffer.allocate(126))).isInstanceOf(IllegalArgumentException.class);
        if (version == 76) {
            assertThatThrownBy(() -> ws.sendBinary(ByteBuffer.wrap(new byte[] {(byte) 0xC0, 0x00})))
                .as("binary data that is not UTF-8 on Hixie-76").isInstanceOf(IllegalArgumentException.class);
        }
        // still open and working
        assertThat(ws.sendText("still here")).isIn(SendStatus.QUEUED, SendStatus.BACKPRESSURE);
        assertThat(readText(version)).isEqualTo("still here");
    }

    @Test
    void aHixie76PingFromAnotherThreadIsDroppedAsOnTheLoop() throws Exception {
        WebSocket ws = upgrade(76);
        CompletableFuture<SendStatus> onLoop = new CompletableFuture<>();
        ws.execute(() -> onLoop.complete(ws.ping(ByteBuffer.allocate(1))));
        assertThat(onLoop.get(5, TimeUnit.SECONDS)).as("ping on the loop, Hixie-76").isEqualTo(SendStatus.DROPPED);
        assertThat(ws.ping(ByteBuffer.allocate(1)))
            .as("ping from another thread, Hixie-76 (no pings): a promise to send it would not be kept")
            .isEqualTo(SendStatus.DROPPED);
    }

    @Test
    void nullArgumentsAreNamed() throws Exception {
        WebSocket ws = upgrade(13);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ws.sendText((ByteBuffer) null))
            .isInstanceOf(NullPointerException.class).hasMessage("utf8");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ws.sendText((CharSequence) null))
            .isInstanceOf(NullPointerException.class).hasMessage("text");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ws.sendBinary(null))
            .isInstanceOf(NullPointerException.class).hasMessage("data");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ws.sendFragment(null, true, true, true))
            .isInstanceOf(NullPointerException.class).hasMessage("data");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ws.ping(null))
            .isInstanceOf(NullPointerException.class).hasMessage("payload");
        assertThat(ws.sendText("after")).isIn(SendStatus.QUEUED, SendStatus.BACKPRESSURE);
        assertThat(readText(13)).isEqualTo("after");
    }

    @Test
    void backpressurePromisedToAnotherThreadIsFollowedByOnDrain() throws Exception {
        client.socket.setReceiveBufferSize(32 * 1024);
        WebSocket ws = upgrade(13);
        byte[] chunk = new byte[64 * 1024];
        List<byte[]> sent = new ArrayList<>();
        SendStatus last = null;
        // the client reads nothing yet: the queue passes the 64 KiB high watermark long before the 4 MiB limit
        for (int i = 0; i < 160 && last != SendStatus.BACKPRESSURE; i++) {
            Arrays.fill(chunk, (byte) i);
            last = ws.sendBinary(ByteBuffer.wrap(chunk));
            assertThat(last).as("off-loop send %d", i).isIn(SendStatus.QUEUED, SendStatus.BACKPRESSURE);
            sent.add(chunk.clone());
        }
        assertThat(last).as("BACKPRESSURE promised before the 4 MiB limit (the kernels hold at most a few MiB)").isEqualTo(SendStatus.BACKPRESSURE);
        for (int i = 0; i < sent.size(); i++) {
            Frame f = client.readFrame();
            assertThat(f.opcode()).isEqualTo(0x2);
            assertThat(f.payload()).as("message %d", i).isEqualTo(sent.get(i));
        }
        assertThat(app.drained.await(10, TimeUnit.SECONDS)).as("onDrain after the BACKPRESSURE promise").isTrue();
        client.sendClose(1000);
        assertThat(client.readFrame().closeCode()).isEqualTo(1000);
    }
}
