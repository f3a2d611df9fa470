package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One NIO write hands the kernel at most {@link NioTransport#MAX_BYTES_PER_WRITE}: the JDK would copy a large heap
 * buffer whole into a temporary direct buffer it then keeps, and one send would hold the loop for its whole
 * transfer. The buffers' limits are left as they were, their positions moved past what was written.
 */
@Timeout(30)
class NioTransportWriteTest {
    private ServerSocketChannel listener;
    private SocketChannel writer;
    private SocketChannel reader;

    @BeforeEach
    void connect() throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        writer = SocketChannel.open(listener.getLocalAddress());
        reader = listener.accept();
        writer.configureBlocking(false);
    }

    @AfterEach
    void close() throws IOException {
        writer.close();
        reader.close();
        listener.close();
    }

    @Test
    void aLargeBufferIsWrittenInCappedPieces() throws IOException {
        ByteBuffer big = ByteBuffer.allocate(3 * NioTransport.MAX_BYTES_PER_WRITE);
        int n = NioTransport.writeCapped(writer, big);
        assertThat(n).isPositive().isLessThanOrEqualTo(NioTransport.MAX_BYTES_PER_WRITE);
        assertThat(big.position()).isEqualTo(n);
        assertThat(big.limit()).isEqualTo(big.capacity());
    }

    @Test
    void aGatheringWriteStopsInsideTheBufferThatCrossesTheCap() throws IOException {
        int cap = NioTransport.MAX_BYTES_PER_WRITE;
        ByteBuffer[] srcs = {ByteBuffer.allocate(cap / 2), ByteBuffer.allocate(cap / 2 + 100), ByteBuffer.allocate(10)};
        long n = NioTransport.writeCapped(writer, srcs, 0, 3);
        assertThat(n).isPositive().isLessThanOrEqualTo(cap);
        assertThat(srcs[1].limit()).isEqualTo(cap / 2 + 100);
        assertThat(srcs[2].position()).as("nothing of the buffer past the cap").isZero();
        assertThat(srcs[0].position() + srcs[1].position()).isEqualTo((int) n);
    }

    @Test
    void smallWritesAreUntouched() throws IOException {
        ByteBuffer[] srcs = {ByteBuffer.allocate(100), ByteBuffer.allocate(200)};
        assertThat(NioTransport.writeCapped(writer, srcs, 0, 2)).isEqualTo(300);
        assertThat(NioTransport.writeCapped(writer, ByteBuffer.allocate(50))).isEqualTo(50);
    }
}
