package io.keel.echo.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import io.keel.websocket.ClientWire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded soak: clients of all four protocol versions (Hixie-76, HyBi-07, HyBi-08, RFC 6455), over TLS and in
 * the clear, connect, send small and large text and binary messages, check every echo, close and reconnect, for
 * 60 s (keel.soak.seconds), or 60 min (keel.soak.minutes) with keel.long=true. Asserts no error, no message
 * lost or corrupted, pooled buffers all back when idle, pool chunks not growing after warm-up, and the heap after
 * GC roughly flat.
 */
@Timeout(value = 4, unit = TimeUnit.HOURS)
class SoakTest {
    static final int WORKERS = 6;
    static final int[] VERSIONS = {76, 7, 8, 13};

    @Test
    void allVersionsTlsAndPlainSmallAndLargeMessages() throws Exception {
        long seconds = Boolean.getBoolean("keel.long")
            ? TimeUnit.MINUTES.toSeconds(Long.getLong("keel.soak.minutes", 60))
            : Long.getLong("keel.soak.seconds", 60);
        long warmUpSeconds = Math.min(15, Math.max(5, seconds / 4));
        try (Rig plain = Rig.plain(w -> w, s -> s); Rig secure = Rig.secure(w -> w, t -> t, s -> s)) {
            AtomicReference<Throwable> error = new AtomicReference<>();
            LongAdder messages = new LongAdder();
            LongAdder connections = new LongAdder();
            long[][] perVersion = new long[2][4];
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < WORKERS; i++) {
                int id = i;
                Thread t = new Thread(() -> {
                    Random rnd = new Random(1000 + id);
                    try {
                        while (System.nanoTime() < end && error.get() == null) {
                            int vi = rnd.nextInt(VERSIONS.length);
                            boolean tls = rnd.nextBoolean();
                            session(tls ? secure : plain, tls, VERSIONS[vi], rnd, messages);
                            connections.increment();
                            synchronized (perVersion) {
                                perVersion[tls ? 1 : 0][vi]++;
                            }
                        }
                    } catch (Throwable e) {
                        error.compareAndSet(null, new AssertionError("soak worker " + id + " failed", e));
                    }
                }, "soak-" + i);
                t.start();
                workers.add(t);
            }
            // samples after the warm-up: pool chunks and heap after GC
            Thread.sleep(TimeUnit.SECONDS.toMillis(warmUpSeconds));
            long chunksWarm = plain.allocatedChunks() + secure.allocatedChunks();
            long heapWarm = heapAfterGc();
            long rssWarm = rssKiB();
            long maxChunks = chunksWarm;
            long maxHeap = heapWarm;
            while (System.nanoTime() < end && error.get() == null) {
                Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()) + 1, Math.max(5_000, seconds * 1000 / 20)));
                maxChunks = Math.max(maxChunks, plain.allocatedChunks() + secure.allocatedChunks());
                long heapNow = heapAfterGc();
                maxHeap = Math.max(maxHeap, heapNow);
                // progress for the long run: a line per sample, so a stuck or leaking soak shows before it ends
                System.out.printf("soak progress: %d s left, %d connections, %d messages, pool chunks %d, heap after GC %d MiB, "
                        + "RSS %d MiB%n", Math.max(0, TimeUnit.NANOSECONDS.toSeconds(end - System.nanoTime())), connections.sum(),
                    messages.sum(), plain.allocatedChunks() + secure.allocatedChunks(), heapNow >> 20, rssKiB() >> 10);
            }
            for (Thread t : workers) {
                t.join(60_000);
            }
            assertThat(error.get()).as("soak error").isNull();
            NonReadingClientTest.awaitNoConnections(plain);
            NonReadingClientTest.awaitNoConnections(secure);
            long chunksEnd = plain.allocatedChunks() + secure.allocatedChunks();
            long heapEnd = heapAfterGc();
            long rssEnd = rssKiB();
            System.out.printf("soak %d s: %d connections, %d messages echoed; plain by version %s, TLS by version %s "
                    + "(Hixie-76, HyBi-07, HyBi-08, RFC 6455); pool chunks %d after warm-up, %d at most, %d at the end; "
                    + "heap after GC %d MiB after warm-up, %d MiB at most, %d MiB at the end; RSS of the test JVM (server and "
                    + "clients) %d MiB after warm-up, %d MiB at the end%n", seconds,
                connections.sum(), messages.sum(), Arrays.toString(perVersion[0]), Arrays.toString(perVersion[1]),
                chunksWarm, maxChunks, chunksEnd, heapWarm >> 20, maxHeap >> 20, heapEnd >> 20, rssWarm >> 10, rssEnd >> 10);
            assertThat(plain.outstandingBuffers()).as("pooled buffers out when idle (plain)").isZero();
            assertThat(secure.outstandingBuffers()).as("pooled buffers out when idle (TLS)").isZero();
            assertThat(chunksEnd).as("pool chunks allocated after the warm-up").isLessThanOrEqualTo(chunksWarm + 128);
            assertThat(heapEnd).as("heap after GC at the end vs after the warm-up").isLessThan(heapWarm + (64L << 20));
            assertThat(connections.sum()).isGreaterThan(seconds);
        }
    }

    /** One connection: upgrade, a few checked echoes of random size and kind, a normal close. */
    private static void session(Rig rig, boolean tls, int version, Random rnd, LongAdder messages) throws Exception {
        try (Wire w = new Wire(rig.address(), tls)) {
            w.upgrade(version);
            int n = 1 + rnd.nextInt(20);
            for (int i = 0; i < n; i++) {
                boolean large = rnd.nextInt(10) == 0;
                int size = large ? 16 * 1024 + rnd.nextInt(version == 76 ? 48 * 1024 : 240 * 1024) : rnd.nextInt(200);
                if (version != 76 && rnd.nextBoolean()) {
                    byte[] data = new byte[size];
                    rnd.nextBytes(data);
                    w.sendBinary(data);
                    ClientWire.Frame f = w.readFrame();
                    assertThat(f.opcode()).isEqualTo(0x2);
                    assertThat(f.fin()).isTrue();
                    assertThat(Arrays.equals(f.payload(), data)).as("binary echo of %d bytes intact", size).isTrue();
                } else {
                    String text = text(rnd, size);
                    w.sendText(text);
                    String echo = w.readText();
                    if (!echo.equals(text)) {
                        throw new AssertionError("text echo of " + text.length() + " chars corrupted (version " + version + ")");
                    }
                }
                messages.increment();
            }
            w.closeNormally();
        }
    }

    private static String text(Random rnd, int size) {
        StringBuilder b = new StringBuilder(size);
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 éßж€😀";
        while (b.length() < size) {
            b.append(alphabet.charAt(rnd.nextInt(alphabet.length() - 2)));
            if (rnd.nextInt(64) == 0) {
                b.append("😀");
            }
        }
        return b.toString();
    }

    /** VmRSS of this JVM (server and clients share it), in KiB; -1 where /proc is missing. Reported, not asserted. */
    private static long rssKiB() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private static long heapAfterGc() {
        Runtime r = Runtime.getRuntime();
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
        return r.totalMemory() - r.freeMemory();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
