package io.keel.core;

import static io.keel.core.TestServers.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link Connection} methods that send, close, pause and resume, called from a thread that is not the
 * connection's event loop (fault 2 of the send-path issue, at the core): they are handed to the loop and run there
 * in the order the calling thread made them; a send handed over copies the caller's bytes at once and returns
 * QUEUED, BACKPRESSURE (then exactly one onWritable follows) or DROPPED, never SENT; once the connection is closed
 * it is DROPPED with the buffer untouched. On a TCP echo server (the echo of {@link TcpServerTest}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CrossThreadConnectionTest {
    /** An echo that hands its connections to the test and counts what the loop tells it. */
    static final class Echo implements ConnectionHandler {
        final BlockingQueue<Connection> opened = new LinkedBlockingQueue<>();
        final AtomicInteger writable = new AtomicInteger();
        final AtomicInteger dataCalls = new AtomicInteger();
        final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public void onOpen(Connection c) {
            opened.add(c);
        }

        @Override
        public void onData(Connection c, ByteBuffer data) {
            dataCalls.incrementAndGet();
            c.send(data);
        }

        @Override
        public void onWritable(Connection c) {
            writable.incrementAndGet();
        }

        @Override
        public void onClose(Connection c) {
            closed.countDown();
        }

        Connection next() throws InterruptedException {
            Connection c = opened.poll(10, TimeUnit.SECONDS);
            assertThat(c).as("the server accepted the connection").isNotNull();
            return c;
        }
    }

    private final Echo echo = new Echo();
    private Server server;
    private LogCapture log;

    @BeforeEach
    void startServer() {
        log = LogCapture.start();
        server = TestServers.start(Server.builder().ioThreads(2).handler(echo));
    }

    @AfterEach
    void stop() {
        try {
            closeAndCheckLeaks(server);
            log.assertNoErrors();
            assertThat(server.stats().handlerErrors()).isZero();
        } finally {
            log.close();
        }
    }

    /** Record {@code i}: its number, then {@code i % 50} bytes that it determines (records of varied sizes). */
    private static int record(ByteBuffer b, int i) {
        b.clear();
        b.putInt(i);
        for (int k = 0; k < i % 50; k++) {
            b.put((byte) (i * 31 + k));
        }
        b.flip();
        return b.remaining();
    }

    @Test
    void sendsFromAnotherThreadArriveInCallOrderAndAreNeverReportedSent() throws Exception {
        try (SocketChannel ch = connect(server)) {
            Connection c = echo.next();
            assertThat(c.inEventLoop()).isFalse();
            int n = 20_000;
            ByteBuffer reused = ByteBuffer.allocate(64); // rewritten after every send: the send must have copied it
            ByteBuffer expected = ByteBuffer.allocate(n * 60);
            Map<SendStatus, Integer> statuses = new EnumMap<>(SendStatus.class);
            for (int i = 0; i < n; i++) {
                int len = record(reused, i);
                expected.put(reused.duplicate());
                SendStatus s;
                if (i % 3 == 0) {
                    // the three-part send too: header, payload, trailer
                    ByteBuffer head = reused.slice(0, 4);
                    ByteBuffer body = reused.slice(4, len - 4);
                    s = c.send(head, body, ByteBuffer.allocate(0));
                    assertThat(head.hasRemaining() || body.hasRemaining()).as("accepted: positions at the limits").isFalse();
                } else {
                    s = c.send(reused);
                    assertThat(reused.hasRemaining()).as("accepted: position at the limit").isFalse();
                }
                statuses.merge(s, 1, Integer::sum);
                assertThat(s).as("status of off-loop send %d", i).isIn(SendStatus.QUEUED, SendStatus.BACKPRESSURE);
            }
            expected.flip();
            byte[] want = new byte[expected.remaining()];
            expected.get(want);
            System.out.println("off-loop sends: " + statuses);
            assertThat(readExactly(ch, want.length)).as("the bytes, in the order the thread sent them").isEqualTo(want);
        }
    }

    @Test
    void backpressurePromisedToAnotherThreadIsFollowedByOneOnWritable() throws Exception {
        try (SocketChannel ch = SocketChannel.open()) {
            ch.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 32 * 1024); // the client does not read at first
            ch.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
            Connection c = echo.next();
            int chunk = 16 * 1024;
            int count = 0;
            SendStatus last = null;
            // send from this thread until the promise is BACKPRESSURE (the 64 KiB high watermark). A loop that keeps
            // up writes everything into the kernel until the socket is full, which takes up to the largest send
            // buffer (tcp_wmem's maximum, 4 MiB by default) plus what the client's buffer holds: hence 16 MiB
            while (count * chunk < 16 * 1024 * 1024 && last != SendStatus.BACKPRESSURE) {
                last = c.send(ByteBuffer.allocate(chunk));
                assertThat(last).as("off-loop send %d", count).isIn(SendStatus.QUEUED, SendStatus.BACKPRESSURE);
                count++;
            }
            assertThat(last).as("BACKPRESSURE promised before the 16 MiB limit").isEqualTo(SendStatus.BACKPRESSURE);
            // the client reads everything: the queue drains, and onWritable follows
            ch.socket().setSoTimeout(20_000);
            readExactly(ch, count * chunk);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (echo.writable.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5); // bounded polling of a counter
            }
            assertThat(echo.writable.get()).as("onWritable calls after the BACKPRESSURE promise").isPositive();
        }
    }

    @Test
    void closeFromAnotherThreadComesAfterTheSendsBeforeItAndThenSendsAreDropped() throws Exception {
        try (SocketChannel ch = connect(server)) {
            Connection c = echo.next();
            int n = 1_000;
            ByteBuffer b = ByteBuffer.allocate(64);
            ByteBuffer expected = ByteBuffer.allocate(n * 60);
            for (int i = 0; i < n; i++) {
                record(b, i);
                expected.put(b.duplicate());
                assertThat(c.send(b)).isIn(SendStatus.QUEUED, SendStatus.BACKPRESSURE);
            }
            c.close();
            // a send after close() from the same thread: handed over after the close, so never on the wire
            // (DROPPED, or QUEUED and then refused by the loop, which closes first)
            ByteBuffer late = ByteBuffer.wrap("LATE".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(c.send(late)).isNotEqualTo(SendStatus.SENT);
            expected.flip();
            byte[] want = new byte[expected.remaining()];
            expected.get(want);
            assertThat(readExactly(ch, want.length)).as("everything sent before the close").isEqualTo(want);
            assertThat(readsEndOfStream(ch)).as("then the end of the stream, nothing sent after the close").isTrue();
            assertThat(echo.closed.await(10, TimeUnit.SECONDS)).as("onClose").isTrue();
            assertThat(c.isOpen()).isFalse();

            ByteBuffer after = ByteBuffer.allocate(10);
            assertThat(c.send(after)).as("send after the close, off the loop").isEqualTo(SendStatus.DROPPED);
            assertThat(after.position()).as("DROPPED: position unchanged").isZero();
            ByteBuffer p = ByteBuffer.allocate(3);
            ByteBuffer q = ByteBuffer.allocate(4);
            assertThat(c.send(p, q, ByteBuffer.allocate(0))).isEqualTo(SendStatus.DROPPED);
            assertThat(p.position() + q.position()).as("DROPPED: positions unchanged").isZero();
            // and on the loop the same
            CompletableFuture<SendStatus> onLoop = new CompletableFuture<>();
            c.execute(() -> onLoop.complete(c.send(ByteBuffer.allocate(1))));
            assertThat(onLoop.get(5, TimeUnit.SECONDS)).isEqualTo(SendStatus.DROPPED);
        }
    }

    @Test
    void pauseAndResumeFromAnotherThreadStopAndRestartDelivery() throws Exception {
        try (SocketChannel ch = connect(server)) {
            Connection c = echo.next();
            writeFully(ch, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertThat(readExactly(ch, 3)).containsExactly(1, 2, 3);

            c.pauseReading();
            // a send handed over after the pause runs after it: once its byte is here, reading is paused
            assertThat(c.send(ByteBuffer.wrap(new byte[] {'P'}))).isIn(SendStatus.QUEUED, SendStatus.BACKPRESSURE);
            assertThat(readExactly(ch, 1)).containsExactly('P');
            assertThat(onLoop(c, c::isReadingPaused)).as("paused, seen on the loop").isTrue();
            int callsBefore = echo.dataCalls.get();
            long inBefore = server.stats().bytesIn();

            writeFully(ch, ByteBuffer.wrap(new byte[] {4, 5, 6, 7}));
            // A negative, so a bounded window: while paused, nothing is read, delivered or echoed.
            ch.configureBlocking(false);
            ByteBuffer none = ByteBuffer.allocate(16);
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < until) {
                assertThat(ch.read(none)).as("nothing echoed while paused").isZero();
                Thread.sleep(10);
            }
            ch.configureBlocking(true);
            assertThat(echo.dataCalls.get()).as("onData calls while paused").isEqualTo(callsBefore);
            assertThat(server.stats().bytesIn()).as("bytes read while paused").isEqualTo(inBefore);

            c.resumeReading();
            assertThat(readExactly(ch, 4)).as("delivered and echoed after resumeReading").containsExactly(4, 5, 6, 7);
            assertThat(onLoop(c, c::isReadingPaused)).isFalse();

            // pause, send, resume, send from one thread: all in that order
            c.pauseReading();
            c.send(ByteBuffer.wrap(new byte[] {'a'}));
            c.resumeReading();
            c.send(ByteBuffer.wrap(new byte[] {'b'}));
            assertThat(readExactly(ch, 2)).containsExactly('a', 'b');
            writeFully(ch, ByteBuffer.wrap(new byte[] {8}));
            assertThat(readExactly(ch, 1)).as("reading resumed").containsExactly(8);
        }
    }

    @Test
    void manyThreadsEachKeepTheirOwnOrder() throws Exception {
        int threads = 4;
        int per = 5_000;
        try (SocketChannel ch = connect(server); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            Connection c = echo.next();
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                fs.add(pool.submit(() -> {
                    ByteBuffer b = ByteBuffer.allocate(8);
                    for (int i = 0; i < per; i++) {
                        b.clear();
                        b.putInt(me).putInt(i).flip();
                        SendStatus s = c.send(b);
                        if (s != SendStatus.QUEUED && s != SendStatus.BACKPRESSURE) {
                            throw new AssertionError("thread " + me + " send " + i + ": " + s);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(20, TimeUnit.SECONDS);
            }
            ByteBuffer all = ByteBuffer.wrap(readExactly(ch, threads * per * 8));
            int[] next = new int[threads];
            while (all.hasRemaining()) {
                int t = all.getInt();
                int i = all.getInt();
                assertThat(t).isBetween(0, threads - 1);
                assertThat(i).as("thread %d's next record", t).isEqualTo(next[t]);
                next[t]++;
            }
            assertThat(next).containsOnly(per);
        }
    }

    private static <T> T onLoop(Connection c, java.util.function.Supplier<T> s) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        c.execute(() -> f.complete(s.get()));
        return f.get(5, TimeUnit.SECONDS);
    }
}
