package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/** Loopback helpers shared by the modules' tests (published in keel-core's test-jar). */
public final class TestServers {
    private TestServers() {
    }

    /** Starts the server built by {@code builder} on 127.0.0.1 and a free port. */
    public static Server start(Server.Builder builder) {
        try {
            return builder.bind("127.0.0.1", 0).build().start();
        } catch (ServerStartException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    /** Closes the server and fails if any pooled buffer was not returned (leak-check mode is on in tests). */
    public static void closeAndCheckLeaks(Server server) {
        server.shutdown(Duration.ZERO).join();
        assertThat(server.outstandingBuffers())
            .as("pooled buffers not returned; taken at: %s", server.bufferLeakSites())
            .isZero();
    }

    public static SocketChannel connect(Server server) throws IOException {
        return connect(server.localAddress());
    }

    public static SocketChannel connect(InetSocketAddress address) throws IOException {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", address.getPort()));
        ch.socket().setSoTimeout(20_000);
        return ch;
    }

    public static void writeFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Reads exactly {@code n} bytes (blocking channel) or fails at end of stream. */
    public static byte[] readExactly(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        var in = ch.socket().getInputStream();
        byte[] a = b.array();
        int off = 0;
        while (off < n) {
            int r = in.read(a, off, n - off);
            if (r < 0) {
                throw new IOException("end of stream after " + off + " of " + n + " bytes");
            }
            off += r;
        }
        return a;
    }

    /** True when the peer closed: the next read returns end of stream (or a reset). */
    public static boolean readsEndOfStream(SocketChannel ch) throws IOException {
        try {
            return ch.socket().getInputStream().read() < 0;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }
}
