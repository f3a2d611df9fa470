package io.keel.transport.iouring;

import static io.keel.core.TestServers.closeAndCheckLeaks;
import static io.keel.core.TestServers.connect;
import static io.keel.core.TestServers.readExactly;
import static io.keel.core.TestServers.readsEndOfStream;
import static io.keel.core.TestServers.start;
import static io.keel.core.TestServers.writeFully;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keel.core.Connection;
import io.keel.core.ConnectionHandler;
import io.keel.core.Server;
import io.keel.core.ServerStartException;
import io.keel.core.Transports;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What only the io_uring transport can get wrong (the core's, WebSocket's and TLS's own suites also run on it, see
 * this module's POM): output staged when a connection closes or half-closes still goes out before the FIN, every
 * descriptor and ring is released, addresses come from the descriptor, and the transport is chosen by name.
 */
@Timeout(60)
class IoUringServerTest {

    /** Sends {@code size} random bytes at the first input, then closes or shuts down its output at once. */
    static final class SendThenEnd implements ConnectionHandler {
        final byte[] payload;
        final boolean halfClose;
        final CompletableFuture<byte[]> afterHalfClose = new CompletableFuture<>();

        SendThenEnd(int size, boolean halfClose) {
            this.payload = new byte[size];
            new Random(size).nextBytes(payload);
            this.halfClose = halfClose;
        }

        @Override
        public void onData(Connection c, ByteBuffer data) {
            if (c.attachment() != null) { // after the half-close: input still arrives
                byte[] b = new byte[data.remaining()];
                data.get(b);
                afterHalfClose.complete(b);
                return;
            }
            data.position(data.limit());
            c.attach(Boolean.TRUE);
            c.send(ByteBuffer.wrap(payload));
            if (halfClose) {
                c.shutdownOutput();
            } else {
                c.close();
            }
        }
    }

    private static final ConnectionHandler IGNORE = (c, data) -> data.position(data.limit());

    @Test
    void theTransportIsChosenByNameAndTellsWhichRuns() {
        assertThat(IoUring.unavailableReason()).isNull();
        assertThat(Transports.choose("io_uring").provider().name()).isEqualTo("io_uring");
        assertThat(Transports.choose("auto").provider().name()).isEqualTo("io_uring");
        assertThat(Transports.choose("auto").fallbackReason()).isNull();
        assertThat(Transports.choose("nio").provider().name()).isEqualTo("nio");
        assertThatThrownBy(() -> Transports.choose("epoll")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("unknown transport 'epoll'").hasMessageContaining("io_uring");
    }

    @Test
    void everythingStagedBeforeACloseArrivesBeforeTheEndOfStream() throws Exception {
        SendThenEnd handler = new SendThenEnd(3 << 20, false);
        Server server = start(Server.builder().transport("io_uring").ioThreads(1).handler(handler));
        try (SocketChannel ch = connect(server)) {
            writeFully(ch, ByteBuffer.wrap(new byte[] {1}));
            assertThat(readExactly(ch, handler.payload.length)).isEqualTo(handler.payload);
            assertThat(readsEndOfStream(ch)).isTrue();
        } finally {
            closeAndCheckLeaks(server);
        }
    }

    @Test
    void aHalfCloseSendsTheFinAfterTheStagedBytesAndInputGoesOn() throws Exception {
        SendThenEnd handler = new SendThenEnd(1 << 20, true);
        Server server = start(Server.builder().transport("io_uring").ioThreads(1).handler(handler));
        try (SocketChannel ch = connect(server)) {
            writeFully(ch, ByteBuffer.wrap(new byte[] {1}));
            assertThat(readExactly(ch, handler.payload.length)).isEqualTo(handler.payload);
            assertThat(readsEndOfStream(ch)).isTrue();
            writeFully(ch, ByteBuffer.wrap(new byte[] {7, 8, 9}));
            assertThat(handler.afterHalfClose.get(10, TimeUnit.SECONDS)).containsExactly(7, 8, 9);
        } finally {
            closeAndCheckLeaks(server);
        }
    }

    @Test
    void addressesComeFromTheDescriptor() throws Exception {
        CompletableFuture<InetSocketAddress[]> seen = new CompletableFuture<>();
        Server server = start(Server.builder().transport("io_uring").ioThreads(1).handler(new ConnectionHandler() {
            @Override
            public void onOpen(Connection c) {
                seen.complete(new InetSocketAddress[] {c.remoteAddress(), c.localAddress()});
            }

            @Override
            public void onData(Connection c, ByteBuffer data) {
                data.position(data.limit());
            }
        }));
        try (SocketChannel ch = connect(server)) {
            InetSocketAddress[] a = seen.get(10, TimeUnit.SECONDS);
            assertThat(a[0]).isEqualTo(ch.getLocalAddress());
            assertThat(a[1]).isEqualTo(ch.getRemoteAddress());
        } finally {
            closeAndCheckLeaks(server);
        }
    }

    @Test
    void aPortInUseIsOneReadableLine() throws Exception {
        Server first = start(Server.builder().transport("io_uring").ioThreads(1).handler(IGNORE));
        try {
            Server second = Server.builder().transport("io_uring").ioThreads(1)
                .bind(first.localAddress()).handler(IGNORE).build();
            assertThatThrownBy(second::start).isInstanceOf(ServerStartException.class)
                .hasMessageContaining("in use").hasCauseInstanceOf(BindException.class);
        } finally {
            closeAndCheckLeaks(first);
        }
    }

    @Test
    void everyDescriptorIsReleasedAtShutdown() throws Exception {
        echoRoundAndShutdown(2); // the JDK opens descriptors of its own on first use (pollers): not counted
        long before = openDescriptors();
        echoRoundAndShutdown(20);
        assertThat(openDescriptors()).isEqualTo(before);
    }

    private static void echoRoundAndShutdown(int clientCount) throws Exception {
        Server server = start(Server.builder().transport("io_uring").ioThreads(2).reusePort(true)
            .handler((c, data) -> c.send(data)));
        SocketChannel[] clients = new SocketChannel[clientCount];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = connect(server);
            writeFully(clients[i], ByteBuffer.wrap(new byte[] {(byte) i}));
            assertThat(readExactly(clients[i], 1)).containsExactly((byte) i);
        }
        server.shutdown(Duration.ofSeconds(5)).get(20, TimeUnit.SECONDS);
        for (SocketChannel c : clients) {
            c.close();
        }
        closeAndCheckLeaks(server);
    }

    /** This process's sockets, rings and eventfds (other files come and go with class loading). */
    private static long openDescriptors() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.startsWith("socket:") || target.startsWith("anon_inode:");
                } catch (IOException e) {
                    return false; // closed meanwhile (the listing's own descriptor)
                }
            }).count();
        }
    }
}
