package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.Server;
import io.keel.core.TestServers;
import io.keel.websocket.WebSocket;
import io.keel.websocket.WebSocketHandler;
import io.keel.websocket.WebSocketProtocolHandler;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The echo handler under a client that does not read: it must pause reading that client (TCP backpressure)
 * rather than queue without bound and drop (1008), and resume once the client reads, losing nothing.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EchoBackpressureTest {

    /** The program's echo handler, watched: did it pause the reader, and did a drain follow? */
    static final class Watched implements WebSocketHandler {
        final WebSocketEchoHandler echo = new WebSocketEchoHandler();
        final CountDownLatch paused = new CountDownLatch(1);
        final CountDownLatch drained = new CountDownLatch(1);
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public void onBinary(WebSocket ws, ByteBuffer data) {
            echo.onBinary(ws, data);
            if (ws.connection().isReadingPaused()) {
                paused.countDown();
            }
        }

        @Override
        public void onDrain(WebSocket ws) {
            drained.countDown();
            echo.onDrain(ws);
        }

        @Override
        public void onClose(WebSocket ws, int code, String reason) {
            closed.complete(code);
        }
    }

    @Test
    void aClientThatDoesNotReadIsPausedThenGetsEveryEcho() throws Exception {
        Watched app = new Watched();
        Server server = TestServers.start(Server.builder().ioThreads(1).maxQueuedBytes(1 << 20)
            .handler(WebSocketProtocolHandler.builder(app).build()));
        int messages = 256;
        int size = 64 * 1024; // 16 MiB in all: far more than the socket buffers and the 1 MiB queue limit hold
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 * 1024); // fixed, so the kernel cannot soak up the echoes for us
            s.setSoTimeout(20_000);
            s.connect(new InetSocketAddress("127.0.0.1", server.port()));
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            skipResponseHead(in);

            byte[][] sent = new byte[messages][];
            Random rnd = new Random(11);
            for (int i = 0; i < messages; i++) {
                sent[i] = new byte[size];
                rnd.nextBytes(sent[i]);
            }
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (byte[] m : sent) {
                        out.write(maskedBinaryFrame(m));
                    }
                    out.flush();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });

            assertThat(app.paused.await(20, TimeUnit.SECONDS)).as("the server paused reading the client").isTrue();
            for (int i = 0; i < messages; i++) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                assertThat(b0).as("echo %d: a final binary frame, not a close", i).isEqualTo(0x82);
                assertThat(b1).isEqualTo(126 + 1); // 64-bit length form, unmasked
                long len = in.readLong();
                assertThat(len).isEqualTo(size);
                byte[] echo = new byte[size];
                in.readFully(echo);
                assertThat(Arrays.equals(echo, sent[i])).as("echo %d is exact", i).isTrue();
            }
            writer.get(20, TimeUnit.SECONDS);
            assertThat(app.drained.await(10, TimeUnit.SECONDS)).as("onDrain resumed the reader").isTrue();

            out.write(new byte[] {(byte) 0x88, (byte) 0x82, 0, 0, 0, 0, 0x03, (byte) 0xE8}); // close 1000, zero mask
            out.flush();
            assertThat(in.readUnsignedByte()).isEqualTo(0x88);
            assertThat(app.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
        } finally {
            TestServers.closeAndCheckLeaks(server);
        }
    }

    private static void skipResponseHead(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("response head: %s", head).isNotNegative();
            head.append((char) b);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101 ");
    }

    private static byte[] maskedBinaryFrame(byte[] payload) {
        byte[] key = {0x11, 0x22, 0x33, 0x44};
        ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
        b.put((byte) 0x82).put((byte) (0x80 | 127)).putLong(payload.length).put(key);
        for (int i = 0; i < payload.length; i++) {
            b.put((byte) (payload[i] ^ key[i & 3]));
        }
        return Arrays.copyOf(b.array(), b.position());
    }
}
