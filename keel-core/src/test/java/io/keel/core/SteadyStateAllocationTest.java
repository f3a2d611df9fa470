package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The echo path allocates nothing on the event loop in the steady state: the loop's read buffer, its cork, the
 * transport's handle and the dispatch switch serve every message. Measured with the JDK's per-thread allocation
 * counter (the figure {@code bench/alloc-profile.sh} reads from JFR), over loopback, one client, 32-byte messages.
 */
class SteadyStateAllocationTest {
    private static final int WARM_UP = 30_000;
    private static final int MEASURED = 20_000;

    @Test
    void echoingAllocatesNothingOnTheLoop() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Server server = TestServers.start(Server.builder().ioThreads(1).handler((connection, data) -> connection.send(data)));
        try (SocketChannel client = TestServers.connect(server)) {
            CompletableFuture<Long> id = new CompletableFuture<>();
            server.loops().get(0).execute(() -> id.complete(Thread.currentThread().threadId()));
            long loopThread = id.get();
            ByteBuffer out = ByteBuffer.allocateDirect(32);
            ByteBuffer in = ByteBuffer.allocateDirect(32);
            echo(client, out, in, WARM_UP);
            long before = threads.getThreadAllocatedBytes(loopThread);
            echo(client, out, in, MEASURED);
            long allocated = threads.getThreadAllocatedBytes(loopThread) - before;
            // a few stray bytes (a JIT deoptimisation) are tolerated; one object per message would be >= 16 B each
            assertThat(allocated).as("bytes the loop allocated for %d echoes", MEASURED).isLessThan(MEASURED);
        } finally {
            TestServers.closeAndCheckLeaks(server);
        }
    }

    private static void echo(SocketChannel client, ByteBuffer out, ByteBuffer in, int messages) throws Exception {
        for (int i = 0; i < messages; i++) {
            out.clear();
            out.putInt(0, i);
            while (out.hasRemaining()) {
                client.write(out);
            }
            in.clear();
            while (in.hasRemaining()) {
                assertThat(client.read(in)).isNotNegative();
            }
            assertThat(in.getInt(0)).isEqualTo(i);
        }
    }
}
