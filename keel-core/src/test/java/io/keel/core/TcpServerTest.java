package io.keel.core;

import static io.keel.core.TestServers.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class TcpServerTest {
    /** The echo handler of the TCP echo example, repeated here so the core is tested without the programs. */
    static class Echo implements ConnectionHandler {
        final AtomicLong maxQueued = new AtomicLong();
        final AtomicInteger pauses = new AtomicInteger();

        @Override
        public void onData(Connection c, ByteBuffer data) {
            SendStatus s = c.send(data);
            maxQueued.accumulateAndGet(c.queuedBytes(), Math::max);
            if (s == SendStatus.BACKPRESSURE || s == SendStatus.DROPPED) {
                pauses.incrementAndGet();
                c.pauseReading();
            }
        }

        @Override
        public void onWritable(Connection c) {
            c.resumeReading();
        }
    }

    private Server server;

    @AfterEach
    void stop() {
        if (server != null) {
            closeAndCheckLeaks(server);
        }
    }

    @Test
    void twoHundredClientsGetExactlyTheirRandomBytesBack() throws Exception {
        server = start(Server.builder().ioThreads(2).handler(new Echo()));
        int clients = 200;
        int size = 1 << 20;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                long seed = i;
                results.add(pool.submit(() -> {
                    byte[] data = new byte[size];
                    Random r = new Random(seed);
                    r.nextBytes(data);
                    try (SocketChannel ch = connect(server)) {
                        Future<byte[]> echoed = pool.submit(() -> readExactly(ch, size));
                        int off = 0;
                        while (off < size) {
                            int n = Math.min(size - off, 1 + r.nextInt(64 * 1024));
                            writeFully(ch, ByteBuffer.wrap(data, off, n));
                            off += n;
                        }
                        return Arrays.equals(echoed.get(60, TimeUnit.SECONDS), data);
                    }
                }));
            }
            for (Future<Boolean> f : results) {
                assertThat(f.get(90, TimeUnit.SECONDS)).isTrue();
            }
        }
        assertThat(server.stats().totalConnections()).isEqualTo(clients);
        assertThat(server.stats().bytesIn()).isEqualTo((long) clients * size);
        assertThat(server.stats().bytesOut()).isEqualTo((long) clients * size);
    }

    @Test
    void halfCloseStillDeliversTheRestOfTheEcho() throws Exception {
        server = start(Server.builder().handler(new Echo()));
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        try (SocketChannel ch = connect(server)) {
            writeFully(ch, ByteBuffer.wrap(data));
            ch.shutdownOutput();
            assertThat(readExactly(ch, data.length)).isEqualTo(data);
            assertThat(readsEndOfStream(ch)).isTrue();
        }
    }

    @Test
    void limiterClosesTheConnectionOverTheLimitAndKeepsServingTheOthers() throws Exception {
        server = start(Server.builder().maxConnections(3).handler(new Echo()));
        List<SocketChannel> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                SocketChannel ch = connect(server);
                held.add(ch);
                writeFully(ch, ByteBuffer.wrap(new byte[] {(byte) i}));
                assertThat(readExactly(ch, 1)).containsExactly((byte) i); // accepted and served
            }
            try (SocketChannel over = connect(server)) {
                assertThat(readsEndOfStream(over)).isTrue();
            }
            assertThat(server.stats().rejectedByLimiter()).isEqualTo(1);
            writeFully(held.get(0), ByteBuffer.wrap(new byte[] {42}));
            assertThat(readExactly(held.get(0), 1)).containsExactly((byte) 42);
            // a slot freed by a closing client is reusable
            held.remove(2).close();
            SocketChannel again = awaitAccepted(server);
            held.add(again);
        } finally {
            for (SocketChannel ch : held) {
                ch.close();
            }
        }
    }

    private static SocketChannel awaitAccepted(Server server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            SocketChannel ch = connect(server);
            writeFully(ch, ByteBuffer.wrap(new byte[] {9}));
            try {
                assertThat(readExactly(ch, 1)).containsExactly((byte) 9);
                return ch;
            } catch (IOException closedByLimiter) {
                ch.close(); // the server had not yet processed the earlier close: try again
            }
        }
        throw new AssertionError("no slot became free");
    }

    @Test
    void aClientThatNeverReadsIsPausedAndTheServerQueueStaysBounded() throws Exception {
        Echo echo = new Echo();
        long maxQueued = 256 * 1024;
        server = start(Server.builder().writeWatermarks(32 * 1024, 64 * 1024).maxQueuedBytes(maxQueued).handler(echo));
        try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port()))) {
            ch.configureBlocking(false);
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            long sent = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int stalls = 0;
            // write until the server stops reading: our writes stall for good
            while (sent < 64L * 1024 * 1024 && System.nanoTime() < deadline && stalls < 200) {
                chunk.clear();
                int n = ch.write(chunk);
                if (n == 0) {
                    stalls++;
                    Thread.onSpinWait();
                    TimeUnit.MILLISECONDS.sleep(5); // polling a non-blocking socket, not synchronising
                } else {
                    stalls = 0;
                    sent += n;
                }
            }
            assertThat(sent).as("the server must stop reading a client that does not read").isLessThan(64L * 1024 * 1024);
            assertThat(echo.pauses.get()).isPositive();
            assertThat(echo.maxQueued.get()).isLessThanOrEqualTo(maxQueued + 64 * 1024 + EventLoop.READ_BUFFER_SIZE);
            // nothing lost: reading now returns every byte sent
            ch.configureBlocking(true);
            ch.shutdownOutput();
            ByteBuffer in = ByteBuffer.allocate(256 * 1024);
            long got = 0;
            int r;
            while ((r = ch.read(in)) >= 0) {
                got += r;
                in.clear();
            }
            assertThat(got).isEqualTo(sent);
        }
    }

    @Test
    void idleConnectionsAreClosedAtTheIdleTimeout() throws Exception {
        server = start(Server.builder().idleTimeout(Duration.ofMillis(300)).handler(new Echo()));
        try (SocketChannel ch = connect(server)) {
            long t0 = System.nanoTime();
            assertThat(readsEndOfStream(ch)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(250L, 10_000L);
        }
        assertThat(server.stats().idleTimeouts()).isEqualTo(1);
    }

    @Test
    void gracefulShutdownLetsHandlersCloseThenForceClosesAtTheDeadline() throws Exception {
        CountDownLatch shutdownSeen = new CountDownLatch(2);
        ConnectionHandler stubborn = new Echo() {
            @Override
            public void onShutdown(Connection c) {
                shutdownSeen.countDown();
                if (c.get(POLITE) != null) {
                    c.send(ByteBuffer.wrap("bye".getBytes()));
                    c.close();
                } // the other one ignores the request and is force-closed at the deadline
            }

            @Override
            public void onData(Connection c, ByteBuffer data) {
                if (data.get(data.position()) == 'p') {
                    c.set(POLITE, Boolean.TRUE);
                }
                super.onData(c, data);
            }
        };
        server = start(Server.builder().handler(stubborn));
        try (SocketChannel polite = connect(server); SocketChannel rude = connect(server)) {
            writeFully(polite, ByteBuffer.wrap("p".getBytes()));
            assertThat(readExactly(polite, 1)).containsExactly('p');
            writeFully(rude, ByteBuffer.wrap("r".getBytes()));
            assertThat(readExactly(rude, 1)).containsExactly('r');
            long t0 = System.nanoTime();
            CompletableFuture<Void> done = server.shutdown(Duration.ofMillis(500));
            assertThat(readExactly(polite, 3)).isEqualTo("bye".getBytes());
            assertThat(readsEndOfStream(polite)).isTrue();
            assertThat(readsEndOfStream(rude)).isTrue();
            done.get(10, TimeUnit.SECONDS);
            assertThat(shutdownSeen.await(1, TimeUnit.SECONDS)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(450);
            assertThat(server.isAccepting()).isFalse();
        }
    }

    static final UserDataKey<Boolean> POLITE = UserDataKey.create("polite");

    @Test
    void startFailuresAreOneReadableLine() throws Exception {
        server = start(Server.builder().handler(new Echo()));
        Server second = Server.builder().bind("127.0.0.1", server.port()).handler(new Echo()).build();
        assertThatThrownBy(second::start).isInstanceOf(ServerStartException.class)
            .hasMessageContaining("address already in use").hasMessageContaining(":" + server.port());
        Server unknown = Server.builder().bind("no-such-host.invalid", 0).handler(new Echo()).build();
        assertThatThrownBy(unknown::start).isInstanceOf(ServerStartException.class)
            .hasMessageContaining("cannot resolve");
        Server foreign = Server.builder().bind("192.0.2.1", 0).handler(new Echo()).build();
        assertThatThrownBy(foreign::start).isInstanceOf(ServerStartException.class)
            .hasMessageContaining("not available");
    }

    @Test
    void userDataAndAttachmentsArePerConnection() throws Exception {
        UserDataKey<Integer> counter = UserDataKey.create("counter");
        ConnectionHandler counting = new ConnectionHandler() {
            @Override
            public void onOpen(Connection c) {
                c.set(counter, 0);
                c.attach("conn");
            }

            @Override
            public void onData(Connection c, ByteBuffer data) {
                int n = c.get(counter) + data.remaining();
                data.position(data.limit());
                c.set(counter, n);
                c.send(ByteBuffer.wrap((c.attachment() + ":" + n + "\n").getBytes()));
            }
        };
        server = start(Server.builder().ioThreads(1).handler(counting));
        try (SocketChannel a = connect(server); SocketChannel b = connect(server)) {
            writeFully(a, ByteBuffer.wrap(new byte[5]));
            assertThat(new String(readExactly(a, 7))).isEqualTo("conn:5\n");
            writeFully(b, ByteBuffer.wrap(new byte[2]));
            assertThat(new String(readExactly(b, 7))).isEqualTo("conn:2\n");
            writeFully(a, ByteBuffer.wrap(new byte[1]));
            assertThat(new String(readExactly(a, 7))).isEqualTo("conn:6\n");
        }
    }

    @Test
    void unconsumedBytesComeBackWithTheNextRead() throws Exception {
        // a line protocol: only complete lines are consumed
        ConnectionHandler lines = (c, data) -> {
            int nl;
            while ((nl = indexOf(data, (byte) '\n')) >= 0) {
                ByteBuffer line = data.slice(data.position(), nl - data.position() + 1);
                c.send(line);
                data.position(nl + 1);
            }
        };
        server = start(Server.builder().handler(lines));
        try (SocketChannel ch = connect(server)) {
            writeFully(ch, ByteBuffer.wrap("hel".getBytes()));
            writeFully(ch, ByteBuffer.wrap("lo\nwor".getBytes()));
            assertThat(new String(readExactly(ch, 6))).isEqualTo("hello\n");
            writeFully(ch, ByteBuffer.wrap("ld\n".getBytes()));
            assertThat(new String(readExactly(ch, 6))).isEqualTo("world\n");
        }
    }

    private static int indexOf(ByteBuffer b, byte v) {
        for (int i = b.position(); i < b.limit(); i++) {
            if (b.get(i) == v) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void aHandlerExceptionAbortsOnlyThatConnection() throws Exception {
        ConnectionHandler fragile = (c, data) -> {
            if (data.get(data.position()) == 'x') {
                throw new IllegalStateException("boom");
            }
            c.send(data);
        };
        server = start(Server.builder().ioThreads(1).handler(fragile));
        try (SocketChannel bad = connect(server); SocketChannel good = connect(server)) {
            writeFully(bad, ByteBuffer.wrap("x".getBytes()));
            assertThat(readsEndOfStream(bad)).isTrue();
            writeFully(good, ByteBuffer.wrap("ok".getBytes()));
            assertThat(new String(readExactly(good, 2))).isEqualTo("ok");
        }
        assertThat(server.stats().handlerErrors()).isEqualTo(1);
    }
}
