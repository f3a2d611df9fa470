package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The per-address counts: at most {@code max} per address under concurrent use, and no entry left at zero. */
@Timeout(60)
class ConnectionsPerAddressTest {
    @Test
    void limitPerAddressAndEntriesRemovedAtZero() throws Exception {
        ConnectionsPerAddress limit = new ConnectionsPerAddress(2);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("2001:db8::1");
        assertThat(limit.tryAcquire(a)).isTrue();
        assertThat(limit.tryAcquire(a)).isTrue();
        assertThat(limit.tryAcquire(a)).isFalse();
        assertThat(limit.tryAcquire(b)).isTrue();
        assertThat(limit.addresses()).isEqualTo(2);
        limit.release(a);
        assertThat(limit.tryAcquire(a)).isTrue();
        limit.release(a);
        limit.release(a);
        limit.release(b);
        assertThat(limit.addresses()).isZero();
    }

    @Test
    void concurrentAcquireAndReleaseNeverExceedTheLimitNorLoseASlot() throws Exception {
        int max = 3;
        ConnectionsPerAddress limit = new ConnectionsPerAddress(max);
        InetAddress[] addresses = {InetAddress.getByName("192.0.2.1"), InetAddress.getByName("192.0.2.2")};
        AtomicInteger[] held = {new AtomicInteger(), new AtomicInteger()};
        AtomicInteger overLimit = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int seed = t;
            threads.add(Thread.ofPlatform().start(() -> {
                java.util.Random rnd = new java.util.Random(seed);
                for (int i = 0; i < 20_000; i++) {
                    int k = rnd.nextInt(2);
                    if (limit.tryAcquire(addresses[k])) {
                        if (held[k].incrementAndGet() > max) {
                            overLimit.incrementAndGet();
                        }
                        held[k].decrementAndGet();
                        limit.release(addresses[k]);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(overLimit.get()).as("times more than max were held").isZero();
        assertThat(limit.addresses()).as("entries left").isZero();
        for (InetAddress a : addresses) { // no slot was lost: the full limit is available again
            for (int i = 0; i < max; i++) {
                assertThat(limit.tryAcquire(a)).isTrue();
            }
            assertThat(limit.tryAcquire(a)).isFalse();
        }
    }
}
