package io.keel.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.LogCapture;
import io.keel.core.SendStatus;
import io.keel.core.Server;
import io.keel.core.TestServers;
import io.keel.websocket.ClientWire.Frame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The default {@link BackpressurePolicy#PAUSE_READING}: an application that echoes and ignores every send status
 * (one send per message, nothing else) is protected by the layer itself. A client that pushes 16 MiB of messages
 * without reading is paused by the layer when a send reports BACKPRESSURE, no send is ever DROPPED, and when the
 * client reads, reading resumes, {@link WebSocketHandler#onDrain} is called, and every echo arrives intact.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LayerBackpressureTest {
    /** An echo that ignores the statuses (counts them only). */
    static final class NaiveEcho implements WebSocketHandler {
        final CompletableFuture<WebSocket> opened = new CompletableFuture<>();
        final AtomicInteger backpressure = new AtomicInteger();
        final AtomicInteger dropped = new AtomicInteger();
        final CountDownLatch drained = new CountDownLatch(1);

        @Override
        public void onOpen(WebSocket ws) {
            opened.complete(ws);
        }

        @Override
        public void onBinary(WebSocket ws, ByteBuffer data) {
            SendStatus s = ws.sendBinary(data);
            if (s == SendStatus.BACKPRESSURE) {
                backpressure.incrementAndGet();
            } else if (s == SendStatus.DROPPED) {
                dropped.incrementAndGet();
            }
        }

        @Override
        public void onDrain(WebSocket ws) {
            drained.countDown();
        }
    }

    @Test
    void theLayerPausesAClientThatDoesNotReadAndResumesItWhenDrained() throws Exception {
        NaiveEcho app = new NaiveEcho();
        int messages = 256;
        int size = 64 * 1024; // 16 MiB in all: far over the 1 MiB queue limit set here and what the kernels hold
        try (LogCapture log = LogCapture.start()) {
            Server server = TestServers.start(Server.builder().ioThreads(1).maxQueuedBytes(1 << 20)
                .handler(WebSocketProtocolHandler.builder(app).build()));
            try (RawClient c = new RawClient(server.localAddress())) {
                c.socket.setReceiveBufferSize(64 * 1024);
                c.upgrade(13);
                WebSocket ws = app.opened.get(10, TimeUnit.SECONDS);
                byte[][] sent = new byte[messages][];
                Random rnd = new Random(5);
                for (int i = 0; i < messages; i++) {
                    sent[i] = new byte[size];
                    rnd.nextBytes(sent[i]);
                }
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        for (byte[] m : sent) {
                            c.write(ClientWire.encode(true, 0x2, m, true));
                        }
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, r -> Thread.ofVirtual().start(r));

                // the client reads nothing yet: the layer must pause it (bounded polling of its state on the loop)
                boolean paused = false;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!paused && System.nanoTime() < deadline) {
                    CompletableFuture<Boolean> p = new CompletableFuture<>();
                    ws.execute(() -> p.complete(ws.connection().isReadingPaused()));
                    paused = p.get(5, TimeUnit.SECONDS);
                    if (!paused) {
                        Thread.sleep(10);
                    }
                }
                assertThat(paused).as("the layer paused the client that does not read").isTrue();
                assertThat(app.backpressure.get()).as("sends that reported BACKPRESSURE").isPositive();

                for (int i = 0; i < messages; i++) {
                    Frame f = c.readFrame();
                    assertThat(f.opcode()).as("echo %d: binary, not a close (%s)", i, f.closeCode()).isEqualTo(0x2);
                    assertThat(Arrays.equals(f.payload(), sent[i])).as("echo %d is exact", i).isTrue();
                }
                writer.get(20, TimeUnit.SECONDS);
                assertThat(app.drained.await(10, TimeUnit.SECONDS)).as("onDrain after the queue drained").isTrue();
                assertThat(app.dropped.get()).as("sends DROPPED").isZero();

                c.sendClose(1000);
                assertThat(c.readFrame().closeCode()).isEqualTo(1000);
                assertThat(c.readsEndOfStream()).isTrue();
            } finally {
                TestServers.closeAndCheckLeaks(server);
            }
            log.assertNoErrors();
            assertThat(server.stats().handlerErrors()).isZero();
        }
    }
}
