package io.keel.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.Server;
import io.keel.core.TestServers;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The compressed echo path (permessage-deflate, shared mode: the loop's codec and buffers) allocates nothing on
 * the event loop in the steady state, as the plain echo path does ({@code SteadyStateAllocationTest} in
 * keel-core): 512-byte text messages, each inflated, handed to the echo as a view of the loop's chunk and
 * compressed into the loop's buffer. Measured with the JDK's per-thread allocation counter.
 */
class CompressedEchoAllocationTest {
    private static final int WARM_UP = 10_000;
    private static final int MEASURED = 5_000;

    @Test
    void compressedEchoingAllocatesNothingOnTheLoop() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        WebSocketProtocolHandler layer = WebSocketProtocolHandler.builder(new WebSocketHandler() {
            @Override
            public void onText(WebSocket ws, ByteBuffer utf8) {
                ws.sendText(utf8);
            }
        }).build();
        Server server = TestServers.start(Server.builder().ioThreads(1).handler(layer));
        try (Socket s = new Socket("127.0.0.1", server.port()); DeflateWire c = new DeflateWire(s.getInputStream(),
                s.getOutputStream())) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(10_000);
            assertThat(c.upgrade("permessage-deflate")).contains("client_no_context_takeover");
            CompletableFuture<Long> id = new CompletableFuture<>();
            server.loops().get(0).execute(() -> id.complete(Thread.currentThread().threadId()));
            long loopThread = id.get();
            byte[] message = "{\"user\":\"keel\",\"text\":\"a chat line of some length\"} ".repeat(10)
                .substring(0, 512).getBytes(StandardCharsets.UTF_8);
            byte[] frame = ClientWire.encode(true, 1, c.compress(message), true);
            frame[0] |= 0x40; // RSV1: compressed; the same bytes every time (no context takeover)
            c.send(1, message, true, 1);
            int echoLength = c.read().payload().length;
            assertThat(echoLength).isEqualTo(message.length);
            echo(s, frame, WARM_UP);
            long before = threads.getThreadAllocatedBytes(loopThread);
            echo(s, frame, MEASURED);
            long allocated = threads.getThreadAllocatedBytes(loopThread) - before;
            assertThat(layer.stats().compression().compressedBytesOut()).isPositive();
            // a few stray bytes (a JIT deoptimisation) are tolerated; one object per message would be >= 16 B each
            assertThat(allocated).as("bytes the loop allocated for %d compressed echoes", MEASURED).isLessThan(MEASURED);
        } finally {
            TestServers.closeAndCheckLeaks(server);
        }
    }

    /** Sends {@code frame} and reads one compressed echo frame back, {@code messages} times. */
    private static void echo(Socket s, byte[] frame, int messages) throws Exception {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        for (int i = 0; i < messages; i++) {
            out.write(frame);
            out.flush();
            ClientWire.Frame f = ClientWire.readFrame(in);
            assertThat(f.opcode()).isEqualTo(1);
        }
    }
}
