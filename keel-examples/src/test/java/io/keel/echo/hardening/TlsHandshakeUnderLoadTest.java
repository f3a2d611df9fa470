package io.keel.echo.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Twenty TLS clients streaming echoes as fast as they can: a new TLS connection must still complete its
 * handshake and get its echoes promptly (the streams must not starve handshakes).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TlsHandshakeUnderLoadTest {
    static final int STREAMERS = 20;

    @Test
    void newTlsHandshakesCompleteWhileTwentyTlsClientsStream() throws Exception {
        try (Rig rig = Rig.secure(w -> w, t -> t, s -> s)) {
            AtomicReference<Throwable> error = new AtomicReference<>();
            List<Thread> streamers = new ArrayList<>();
            List<Wire> wires = new ArrayList<>();
            java.util.concurrent.atomic.LongAdder echoes = new java.util.concurrent.atomic.LongAdder();
            volatileStop = false;
            for (int i = 0; i < STREAMERS; i++) {
                Wire w = new Wire(rig.address(), true).upgrade(13);
                wires.add(w);
                int id = i;
                Thread t = new Thread(() -> {
                    try {
                        for (long n = 0; !volatileStop; n++) {
                            w.sendText(id + "-" + n);
                            assertThat(w.readText()).isEqualTo(id + "-" + n);
                            echoes.increment();
                        }
                    } catch (Throwable e) {
                        error.compareAndSet(null, e);
                    }
                });
                t.start();
                streamers.add(t);
            }
            try {
                Thread.sleep(1_000); // let the streams run at full speed before measuring
                long before = echoes.sum();
                long t0 = System.nanoTime();
                GoodClient good = GoodClient.start(rig);
                long firstEcho = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                try {
                    System.out.printf("TLS under load: handshake + upgrade + first echo of a new client in %d ms "
                        + "(%d streamed echoes meanwhile)%n", firstEcho, echoes.sum() - before);
                    good.stopAndCheck(50);
                } finally {
                    good.close();
                }
                assertThat(firstEcho).as("new TLS client's handshake and first echo, ms").isLessThan(2_000);
            } finally {
                volatileStop = true;
                for (Thread t : streamers) {
                    t.join(10_000);
                }
                for (Wire w : wires) {
                    w.closeNormally();
                    w.close();
                }
            }
            assertThat(error.get()).isNull();
        }
    }

    private static volatile boolean volatileStop;
}
