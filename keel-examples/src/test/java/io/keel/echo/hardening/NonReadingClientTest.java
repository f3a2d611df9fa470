package io.keel.echo.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.BufferPool;
import io.keel.echo.WebSocketEchoHandler;
import io.keel.websocket.WebSocket;
import io.keel.websocket.WebSocketHandler;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that pushes 64 MiB of WebSocket messages and never reads its echoes. The server must stop reading it
 * (TCP backpressure) rather than buffer: the server's intake stalls far below 64 MiB, the connection's send
 * queue stays under the queue limit, the pools grow by a bounded number of chunks, and a well-behaved client on
 * the same server is unaffected. Plain and TLS.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NonReadingClientTest {
    static final long TOTAL = 64L << 20;
    static final int MESSAGE = 64 * 1024;
    static final long MAX_QUEUED = 1L << 20;

    /** The program's echo handler, remembering the hostile client's WebSocket to read its queue. */
    static final class Tracking implements WebSocketHandler {
        final WebSocketEchoHandler echo = new WebSocketEchoHandler();
        volatile WebSocket bigSender;
        final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void onBinary(WebSocket ws, ByteBuffer data) {
            bigSender = ws;
            received.addAndGet(data.remaining());
            echo.onBinary(ws, data);
        }

        @Override
        public void onText(WebSocket ws, ByteBuffer utf8) {
            echo.onText(ws, utf8);
        }

        @Override
        public void onDrain(WebSocket ws) {
            echo.onDrain(ws);
        }
    }

    @Test
    void plain() throws Exception {
        run(false);
    }

    @Test
    void tls() throws Exception {
        run(true);
    }

    private void run(boolean secure) throws Exception {
        Tracking app = new Tracking();
        try (Rig rig = Rig.start(app, w -> w, secure ? t -> t : null, s -> s.maxQueuedBytes(MAX_QUEUED))) {
            long chunksBefore = rig.allocatedChunks();
            GoodClient good = GoodClient.start(rig);
            Wire hostile = new Wire(rig.address(), secure);
            try {
                hostile.socket.setReceiveBufferSize(32 * 1024);
                hostile.upgrade(13);
                byte[] frame = Wire.frame(true, 0x2, new byte[MESSAGE], true);
                // the writer blocks once the server stops reading; it is stopped by closing the socket
                CompletableFuture<Long> written = CompletableFuture.supplyAsync(() -> {
                    long n = 0;
                    try {
                        while (n < TOTAL) {
                            hostile.out.write(frame);
                            n += MESSAGE;
                        }
                    } catch (IOException closed) {
                        // the test closed the socket, or the server did
                    }
                    return n;
                });
                // wait until the server's intake from it stalls: no message for a whole second
                long lastIn = -1;
                long in = app.received.get();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (in != lastIn && !written.isDone() && System.nanoTime() < deadline) {
                    lastIn = in;
                    Thread.sleep(1_000);
                    in = app.received.get();
                }
                assertThat(written).as("the hostile client managed to send all 64 MiB: nobody stopped it").isNotDone();
                WebSocket ws = app.bigSender;
                assertThat(ws).isNotNull();
                CompletableFuture<long[]> state = new CompletableFuture<>();
                ws.execute(() -> state.complete(new long[] {ws.bufferedAmount(), ws.connection().isReadingPaused() ? 1 : 0}));
                long[] s = state.get(5, TimeUnit.SECONDS);
                long chunks = rig.allocatedChunks() - chunksBefore;
                System.out.printf("non-reading %s client: server took %d KiB of messages of 64 MiB and stopped; queued %d KiB, "
                        + "reading paused %s, pool chunks allocated %d (%d KiB)%n", secure ? "TLS" : "plain",
                    in >> 10, s[0] >> 10, s[1] == 1, chunks, chunks * BufferPool.CHUNK_SIZE >> 10);
                assertThat(in).as("message bytes the server took from the client that does not read").isLessThan(24L << 20);
                assertThat(s[1]).as("reading of the hostile client paused").isEqualTo(1);
                assertThat(s[0]).as("bytes queued for the hostile client").isLessThanOrEqualTo(MAX_QUEUED);
                assertThat(chunks * BufferPool.CHUNK_SIZE).as("pooled memory allocated while it pushed")
                    .isLessThanOrEqualTo(4 * MAX_QUEUED);
                good.stopAndCheck(50);
                hostile.abort();
                written.get(10, TimeUnit.SECONDS);
            } finally {
                hostile.abort();
                good.close();
            }
            awaitNoConnections(rig);
        }
    }

    static void awaitNoConnections(Rig rig) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (rig.server.stats().currentConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(rig.server.stats().currentConnections()).isZero();
    }
}
