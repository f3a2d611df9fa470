package io.keel.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.Server;
import io.keel.core.TestServers;
import io.keel.websocket.ClientWire.Frame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Publish/subscribe over real sockets: subscriptions on several event loops, publishes from a foreign thread, a
 * subscriber that leaves, and a subscriber that never reads, which is closed with 1008 at its queue limit while
 * the others get every message.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PubSubLoopbackTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Server server;
    private WebSocketProtocolHandler layer;
    private CountDownLatch subscribed;

    /** Subscribes every WebSocket to the topic named by its path; a text message "leave" unsubscribes it. */
    final class Subscriber implements WebSocketHandler {
        @Override
        public void onOpen(WebSocket ws) {
            ws.subscribe(ws.path().substring(1));
            subscribed.countDown();
        }

        @Override
        public void onText(WebSocket ws, ByteBuffer utf8) {
            if (StandardCharsets.UTF_8.decode(utf8).toString().equals("leave")) {
                ws.unsubscribe(ws.path().substring(1));
                ws.sendText("left");
            }
        }
    }

    private void start(int subscribers, long maxQueuedBytes) {
        subscribed = new CountDownLatch(subscribers);
        layer = WebSocketProtocolHandler.builder(new Subscriber()).build();
        server = TestServers.start(Server.builder().ioThreads(2).maxQueuedBytes(maxQueuedBytes).handler(layer));
    }

    private RawClient subscriber(String topic, int receiveBuffer) throws Exception {
        RawClient c = new RawClient(server.localAddress(), receiveBuffer);
        toClose.add(c);
        c.write(ClientWire.hybiRequest("/" + topic, 13));
        assertThat(c.readResponseHead().status()).isEqualTo(101);
        return c;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        if (server != null) {
            TestServers.closeAndCheckLeaks(server);
        }
    }

    @Test
    void everySubscriberOnEveryLoopGetsEveryMessageInPublishOrder() throws Exception {
        start(5, 4 << 20);
        List<RawClient> room = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            room.add(subscriber("room", 0));
        }
        RawClient other = subscriber("other", 0);
        assertThat(subscribed.await(5, TimeUnit.SECONDS)).isTrue();

        for (int i = 0; i < 100; i++) {
            layer.publish("room", ByteBuffer.wrap(("m" + i).getBytes(StandardCharsets.UTF_8)), true);
        }
        layer.publish("other", ByteBuffer.wrap(new byte[] {1, 2, 3}), false);

        for (RawClient c : room) {
            for (int i = 0; i < 100; i++) {
                Frame f = c.readFrame();
                assertThat(f.opcode()).isEqualTo(0x1);
                assertThat(f.text()).isEqualTo("m" + i);
            }
        }
        Frame f = other.readFrame();
        assertThat(f.opcode()).isEqualTo(0x2);
        assertThat(f.payload()).containsExactly(1, 2, 3);
        assertThat(layer.stats().published()).isEqualTo(101);
        assertThat(layer.stats().deliveries()).isEqualTo(401);
    }

    @Test
    void anUnsubscribedWebSocketGetsNothingMore() throws Exception {
        start(2, 4 << 20);
        RawClient stays = subscriber("room", 0);
        RawClient leaves = subscriber("room", 0);
        assertThat(subscribed.await(5, TimeUnit.SECONDS)).isTrue();
        leaves.sendText("leave");
        assertThat(leaves.readFrame().text()).isEqualTo("left");

        layer.publish("room", ByteBuffer.wrap("after".getBytes(StandardCharsets.UTF_8)), true);
        assertThat(stays.readFrame().text()).isEqualTo("after");
        leaves.sendText("leave"); // answered "left" after anything published to it: proves nothing came first
        assertThat(leaves.readFrame().text()).isEqualTo("left");
    }

    @Test
    void aSubscriberThatNeverReadsIsClosedWith1008AndTheOthersGetEverything() throws Exception {
        start(3, 256 * 1024);
        RawClient fast1 = subscriber("room", 0);
        RawClient fast2 = subscriber("room", 0);
        RawClient slow = subscriber("room", 4096);
        assertThat(subscribed.await(5, TimeUnit.SECONDS)).isTrue();

        byte[] payload = new byte[16 * 1024];
        int messages = 400; // 6.4 MiB: far past the slow one's socket buffers and its 256 KiB queue
        List<Throwable> failures = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        // the fast ones acknowledge what they read, so that the publisher stays within a window of them (an
        // unpaced publisher would outrun them too, and they would be closed for it as well)
        java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(2 * 8);
        for (RawClient fast : List.of(fast1, fast2)) {
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < messages; i++) {
                        Frame f = fast.readFrame();
                        window.release();
                        assertThat(f.payload()).hasSize(payload.length);
                        assertThat(f.payload()[0]).isEqualTo((byte) i);
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                    window.release(messages * 2);
                }
            });
            t.start();
            threads.add(t);
        }
        for (int i = 0; i < messages; i++) {
            assertThat(window.tryAcquire(2, 10, TimeUnit.SECONDS)).as("the fast subscribers keep reading").isTrue();
            payload[0] = (byte) i;
            layer.publish("room", ByteBuffer.wrap(payload), false);
        }
        for (Thread t : threads) {
            t.join(20_000);
        }
        assertThat(failures).isEmpty();

        // the slow one now reads: what was queued for it, then the close that the control allowance let through
        Frame close = null;
        int got = 0;
        for (int i = 0; i <= messages && close == null; i++) {
            Frame f = slow.readFrame();
            if (f.opcode() == 0x8) {
                close = f;
            } else {
                assertThat(f.payload()[0]).as("no gap before the close").isEqualTo((byte) got++);
            }
        }
        assertThat(close).isNotNull();
        assertThat(close.closeCode()).isEqualTo(1008);
        assertThat(got).isLessThan(messages);
        assertThat(layer.stats().sendQueueOverflows()).isEqualTo(1);
    }
}
