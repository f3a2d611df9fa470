package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An event loop whose transport fails (as io_uring_enter does under a seccomp policy that refuses it) stops the
 * whole server: no listener keeps taking clients for a dead loop, {@link Server#isAccepting()} turns false, and
 * {@link Server#termination()} completes with the failure, so a program can exit non-zero.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoopFailureTest {

    @Test
    void aFailedLoopStopsTheServerAndTerminationSaysWhy() throws Exception {
        FailingNioTransport transport = new FailingNioTransport();
        Server server = TestServers.start(Server.builder().ioThreads(2).transportProvider(transport)
            .handler((c, data) -> c.send(data)));
        InetSocketAddress address = server.localAddress();
        try (SocketChannel client = TestServers.connect(server)) {
            client.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ByteBuffer echo = ByteBuffer.allocate(3);
            while (echo.hasRemaining()) {
                assertThat(client.read(echo)).isNotNegative();
            }
            transport.failLoopsOf(server);

            assertThatThrownBy(() -> server.termination().get(20, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IOException.class)
                .cause().hasMessageStartingWith("event loop ").hasMessageEndingWith(" failed: injected");
            assertThat(server.isAccepting()).isFalse();
            assertThat(client.read(ByteBuffer.allocate(8))).as("the connection is closed").isEqualTo(-1);
        } catch (IOException reset) {
            assertThat(reset).hasMessageContaining("reset"); // an abort may reset instead of closing
        }
        assertThatThrownBy(() -> SocketChannel.open(address)).isInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> server.shutdown(Duration.ofSeconds(1)).join()).isInstanceOf(CompletionException.class);
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("shut down");
    }
}
