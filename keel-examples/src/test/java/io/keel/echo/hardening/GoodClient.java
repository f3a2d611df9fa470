package io.keel.echo.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A well-behaved client running beside a hostile one: it sends a numbered text message, waits for its echo,
 * paces itself (20 ms), and records the slowest round trip. {@link #stopAndCheck} proves it was served promptly
 * all along: at least the asked number of echoes, each within one second, all correct.
 */
final class GoodClient implements AutoCloseable {
    private final Thread thread;
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private volatile boolean stop;
    private volatile long echoes;
    private volatile long slowestNanos;

    private GoodClient(InetSocketAddress address, boolean tls) {
        thread = new Thread(() -> run(address, tls), "good-client");
        thread.setDaemon(true);
    }

    static GoodClient start(Rig rig) throws InterruptedException {
        return start(rig.address(), rig.secure());
    }

    /** Starts and waits for the first echo, so the client is connected before the hostile part begins. */
    static GoodClient start(InetSocketAddress address, boolean tls) throws InterruptedException {
        GoodClient g = new GoodClient(address, tls);
        g.thread.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (g.echoes == 0 && g.error.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return g;
    }

    private void run(InetSocketAddress address, boolean tls) {
        try (Wire w = new Wire(address, tls, 5_000)) {
            w.upgrade(13);
            for (long i = 0; !stop; i++) {
                String m = "good-" + i;
                long t0 = System.nanoTime();
                w.sendText(m);
                String echo = w.readText();
                long rt = System.nanoTime() - t0;
                if (!echo.equals(m)) {
                    throw new AssertionError("good client got '" + echo + "' for '" + m + "'");
                }
                slowestNanos = Math.max(slowestNanos, rt);
                echoes = i + 1;
                Thread.sleep(20); // pacing: a steady trickle of traffic beside the hostile client
            }
            w.closeNormally();
        } catch (Throwable t) {
            error.compareAndSet(null, t);
        }
    }

    /** Waits until at least {@code min} echoes, stops, and asserts every echo came back within 1 s. */
    void stopAndCheck(int min) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (echoes < min && error.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        stop = true;
        thread.join(10_000);
        assertThat(error.get()).as("the well-behaved client failed").isNull();
        assertThat(echoes).as("echoes the well-behaved client got").isGreaterThanOrEqualTo(min);
        assertThat(TimeUnit.NANOSECONDS.toMillis(slowestNanos)).as("slowest echo of the well-behaved client, ms")
            .isLessThan(1000);
    }

    long echoes() {
        return echoes;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(10_000);
    }
}
