package io.keel.core;

import static io.keel.core.TestServers.closeAndCheckLeaks;
import static io.keel.core.TestServers.readExactly;
import static io.keel.core.TestServers.readsEndOfStream;
import static io.keel.core.TestServers.start;
import static io.keel.core.TestServers.writeFully;
import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.proxy.ProxyHeaders;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The PROXY protocol and the per-client-address limit on a loopback server: the handler sees the header's client
 * as the remote address and the bytes after the header as its first data; bad, late or missing headers from a
 * trusted peer are closed without a reply and counted; untrusted peers are served directly.
 */
@Timeout(60)
class ProxyProtocolServerTest {
    /** On open, sends "ip:port\n" of {@link Connection#remoteAddress()}; then echoes. */
    static final class Who implements ConnectionHandler {
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();

        @Override
        public void onOpen(Connection c) {
            opened.incrementAndGet();
            InetSocketAddress r = c.remoteAddress();
            c.send(ByteBuffer.wrap((r.getAddress().getHostAddress() + ":" + r.getPort() + "\n")
                .getBytes(StandardCharsets.US_ASCII)));
        }

        @Override
        public void onData(Connection c, ByteBuffer data) {
            c.send(data);
        }

        @Override
        public void onClose(Connection c) {
            closed.incrementAndGet();
        }
    }

    private final Who who = new Who();
    private final List<SocketChannel> clients = new ArrayList<>();
    private Server server;

    @AfterEach
    void stop() throws IOException {
        for (SocketChannel c : clients) {
            c.close();
        }
        if (server != null) {
            closeAndCheckLeaks(server);
        }
    }

    private Server proxied(ProxyProtocolConfig config, int perAddress) {
        server = start(Server.builder().ioThreads(2).proxyProtocol(config).maxConnectionsPerAddress(perAddress)
            .handler(who));
        return server;
    }

    private SocketChannel connectFrom(String source) throws IOException {
        SocketChannel ch = SocketChannel.open();
        clients.add(ch);
        ch.bind(new InetSocketAddress(source, 0));
        ch.connect(new InetSocketAddress("127.0.0.1", server.port()));
        ch.socket().setSoTimeout(10_000);
        return ch;
    }

    private static String readLine(SocketChannel ch) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            char c = (char) readExactly(ch, 1)[0];
            if (c == '\n') {
                return s.toString();
            }
            s.append(c);
        }
        throw new AssertionError("no line: " + s);
    }

    private static void awaitCount(LongSupplier value, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (value.getAsLong() != expected && System.nanoTime() < deadline) {
            Thread.sleep(5); // polling a counter with a deadline, not synchronising by sleeping
        }
        assertThat(value.getAsLong()).isEqualTo(expected);
    }

    /**
     * A peer whose address is unknown at accept (io_uring asks the kernel with getpeername, which fails on a socket
     * already reset) is neither trusted as a proxy nor served as a direct client: it is closed and counted as failed.
     */
    @Test
    void aPeerWithoutAnAddressIsClosedNotServedAsADirectClient() throws Exception {
        FailingNioTransport transport = new FailingNioTransport();
        transport.forgetPeers.set(true);
        server = start(Server.builder().ioThreads(1).transportProvider(transport)
            .proxyProtocol(ProxyProtocolConfig.trusting("127.0.0.1/32")).handler(who));
        SocketChannel ch = connectFrom("127.0.0.1");
        writeFully(ch, ByteBuffer.wrap(ProxyHeaders.concat(ProxyHeaders.v1("TCP4 192.0.2.10 127.0.0.1 40001 443"),
            "hello".getBytes(StandardCharsets.US_ASCII))));
        assertThat(readsEndOfStream(ch)).isTrue();
        awaitCount(() -> server.stats().failedConnections(), 1);
        assertThat(who.opened.get()).isZero();
    }

    @Test
    void v1HeaderGivesTheClientsAddressAndTheBytesAfterItAreTheFirstData() throws Exception {
        proxied(ProxyProtocolConfig.trusting("127.0.0.1/32"), 0);
        SocketChannel ch = connectFrom("127.0.0.1");
        writeFully(ch, ByteBuffer.wrap(ProxyHeaders.concat(ProxyHeaders.v1("TCP4 192.0.2.10 127.0.0.1 40001 443"),
            "hello".getBytes(StandardCharsets.US_ASCII))));
        assertThat(readLine(ch)).isEqualTo("192.0.2.10:40001");
        assertThat(new String(readExactly(ch, 5), StandardCharsets.US_ASCII)).isEqualTo("hello");
    }

    @Test
    void v2HeaderSplitIntoSingleBytes() throws Exception {
        proxied(ProxyProtocolConfig.trusting("127.0.0.0/8"), 0);
        SocketChannel ch = connectFrom("127.0.0.3");
        byte[] h = ProxyHeaders.v2Tcp("2001:db8::5", 7, "::1", 443, ProxyHeaders.tlv(0x05, new byte[20]));
        for (byte b : h) {
            writeFully(ch, ByteBuffer.wrap(new byte[] {b}));
        }
        writeFully(ch, ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)));
        assertThat(readLine(ch)).isEqualTo("2001:db8:0:0:0:0:0:5:7");
        assertThat(readExactly(ch, 1)[0]).isEqualTo((byte) 'x');
    }

    @Test
    void localCommandKeepsTheRealPeer() throws Exception {
        proxied(ProxyProtocolConfig.trusting("127.0.0.1/32"), 0);
        SocketChannel ch = connectFrom("127.0.0.1");
        writeFully(ch, ByteBuffer.wrap(ProxyHeaders.v2(0x20, 0x00, new byte[0], new byte[0])));
        int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
        assertThat(readLine(ch)).isEqualTo("127.0.0.1:" + port);
    }

    @Test
    void untrustedPeerIsServedDirectlyAndItsHeaderIsData() throws Exception {
        proxied(ProxyProtocolConfig.trusting("10.0.0.0/8"), 0);
        SocketChannel ch = connectFrom("127.0.0.1");
        int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
        assertThat(readLine(ch)).as("opened at once, real address").isEqualTo("127.0.0.1:" + port);
        byte[] forged = ProxyHeaders.v1("TCP4 1.2.3.4 5.6.7.8 1 2");
        writeFully(ch, ByteBuffer.wrap(forged));
        assertThat(readExactly(ch, forged.length)).as("echoed as data").isEqualTo(forged);
    }

    @Test
    void malformedOrMissingHeaderFromATrustedPeerIsClosedWithoutAReply() throws Exception {
        proxied(ProxyProtocolConfig.trusting("127.0.0.1/32"), 0);
        SocketChannel garbage = connectFrom("127.0.0.1");
        writeFully(garbage, ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(readsEndOfStream(garbage)).isTrue();
        SocketChannel badPort = connectFrom("127.0.0.1");
        writeFully(badPort, ByteBuffer.wrap(ProxyHeaders.v1("TCP4 1.2.3.4 5.6.7.8 99999 2")));
        assertThat(readsEndOfStream(badPort)).isTrue();
        SocketChannel eof = connectFrom("127.0.0.1");
        writeFully(eof, ByteBuffer.wrap("PROXY TCP4".getBytes(StandardCharsets.US_ASCII)));
        eof.shutdownOutput();
        assertThat(readsEndOfStream(eof)).isTrue();
        awaitCount(() -> server.stats().proxyHeaderFailures(), 3);
        awaitCount(() -> server.stats().currentConnections(), 0);
        assertThat(who.opened.get()).as("the handler never heard of them").isZero();
        assertThat(who.closed.get()).isZero();
    }

    @Test
    void headerTimeoutClosesAndCounts() throws Exception {
        proxied(ProxyProtocolConfig.trusting("127.0.0.1/32").headerTimeout(Duration.ofMillis(200)), 0);
        SocketChannel slow = connectFrom("127.0.0.1");
        writeFully(slow, ByteBuffer.wrap("PROXY TCP4 1.2".getBytes(StandardCharsets.US_ASCII)));
        assertThat(readsEndOfStream(slow)).isTrue();
        assertThat(server.stats().proxyHeaderTimeouts()).isEqualTo(1);
        assertThat(who.opened.get()).isZero();
    }

    @Test
    void perAddressLimitForDirectClientsFreesSlotsOnClose() throws Exception {
        server = start(Server.builder().ioThreads(2).maxConnectionsPerAddress(2).handler(who));
        SocketChannel a1 = connectFrom("127.0.0.2");
        SocketChannel a2 = connectFrom("127.0.0.2");
        SocketChannel b1 = connectFrom("127.0.0.3");
        for (SocketChannel ch : List.of(a1, a2, b1)) {
            assertThat(readLine(ch)).startsWith("127.0.0.");
        }
        SocketChannel a3 = connectFrom("127.0.0.2");
        assertThat(readsEndOfStream(a3)).as("third from 127.0.0.2").isTrue();
        assertThat(server.stats().rejectedPerAddress()).isEqualTo(1);
        assertThat(server.stats().peakConnections()).as("the refused one never counts for the peak").isEqualTo(3);
        assertThat(server.stats().totalConnections()).as("nor as served").isEqualTo(3);
        a1.close();
        awaitCount(() -> who.closed.get(), 1);
        SocketChannel a4 = connectFrom("127.0.0.2");
        assertThat(readLine(a4)).startsWith("127.0.0.2:");
        for (SocketChannel ch : List.of(a2, b1, a4)) {
            ch.close();
        }
        awaitCount(() -> server.stats().currentConnections(), 0);
        assertThat(server.config.perAddress.addresses()).as("entries removed at zero").isZero();
    }

    @Test
    void perAddressLimitAppliesToTheAddressFromTheHeader() throws Exception {
        proxied(ProxyProtocolConfig.trusting("127.0.0.1/32"), 1);
        SocketChannel first = connectFrom("127.0.0.1");
        writeFully(first, ByteBuffer.wrap(ProxyHeaders.v1("TCP4 203.0.113.5 127.0.0.1 1000 443")));
        assertThat(readLine(first)).isEqualTo("203.0.113.5:1000");
        SocketChannel same = connectFrom("127.0.0.1");
        writeFully(same, ByteBuffer.wrap(ProxyHeaders.v1("TCP4 203.0.113.5 127.0.0.1 1001 443")));
        assertThat(readsEndOfStream(same)).as("same client behind the proxy").isTrue();
        SocketChannel other = connectFrom("127.0.0.1");
        writeFully(other, ByteBuffer.wrap(ProxyHeaders.v1("TCP4 203.0.113.6 127.0.0.1 1000 443")));
        assertThat(readLine(other)).as("another client, same proxy address").isEqualTo("203.0.113.6:1000");
        assertThat(server.stats().rejectedPerAddress()).isEqualTo(1);
    }
}
