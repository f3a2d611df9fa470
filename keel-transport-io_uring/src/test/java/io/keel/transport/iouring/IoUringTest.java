package io.keel.transport.iouring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The ring without sockets: NOP round trips, a full SQ, waits with and without timeout, eventfd wake-up, close. */
class IoUringTest {

    @Test
    void ioUringIsAvailableHere() {
        assertThat(IoUring.unavailableReason()).isNull();
        assertThat(IoUring.unavailableReason()).as("cached").isNull();
    }

    @Test
    void nopRoundTripEchoesUserDataWithResultZero() throws IOException {
        try (IoUring ring = IoUring.open(8, 16, true)) {
            Completions cqes = new Completions(ring);
            assertThat(ring.nop(0x1234_5678_9ABC_DEF0L)).isTrue();
            assertThat(ring.submitAndWait(-1)).isEqualTo(1);
            Completions.Cqe cqe = cqes.await(0x1234_5678_9ABC_DEF0L);
            assertThat(cqe.result()).isZero();
            assertThat(cqe.flags()).isZero();
        }
    }

    @Test
    void fullSubmissionQueueRefusesUntilSubmitted() throws IOException {
        try (IoUring ring = IoUring.open(4, 16, true)) {
            for (int i = 0; i < 4; i++) {
                assertThat(ring.nop(i)).isTrue();
            }
            assertThat(ring.nop(4)).as("SQ of 4 is full").isFalse();
            assertThat(ring.submit()).isEqualTo(4);
            assertThat(ring.nop(4)).as("room again after submit").isTrue();
            assertThat(ring.submitAndWait(0)).isEqualTo(1);
            Completions cqes = new Completions(ring);
            for (long i = 0; i <= 4; i++) {
                assertThat(cqes.await(i).result()).isZero();
            }
        }
    }

    @Test
    void waitWithTimeoutAndNothingPendingReturns() throws IOException {
        try (IoUring ring = IoUring.open(4, 8, true)) {
            long start = System.nanoTime();
            assertThat(ring.submitAndWait(TimeUnit.MILLISECONDS.toNanos(20))).isZero();
            long waited = System.nanoTime() - start;
            assertThat(ring.drain((u, r, f) -> { })).isZero();
            assertThat(waited).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(15));
            assertThat(ring.submitAndWait(0)).as("0: no wait").isZero();
        }
    }

    @Test
    void eventFdReadCompletesWhenAnotherThreadSignals() throws Exception {
        int efd = LinuxSockets.eventFd();
        try (IoUring ring = IoUring.open(4, 8, true); Arena arena = Arena.ofConfined()) {
            MemorySegment counter = arena.allocate(8, 8);
            assertThat(ring.read(efd, counter.address(), 8, 77)).isTrue();
            assertThat(ring.submit()).isEqualTo(1);
            CompletableFuture<Void> signaller = CompletableFuture.runAsync(() -> {
                try {
                    LinuxSockets.signalEventFd(efd);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Completions cqes = new Completions(ring);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cqes.all.isEmpty() && System.nanoTime() < deadline) {
                ring.submitAndWait(-1); // blocks until the other thread's write completes the read
                ring.drain(cqes);
            }
            signaller.get(10, TimeUnit.SECONDS);
            assertThat(cqes.all).singleElement().satisfies(c -> {
                assertThat(c.userData()).isEqualTo(77);
                assertThat(c.result()).isEqualTo(8);
            });
            assertThat(counter.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(1);
        } finally {
            LinuxSockets.close(efd);
        }
    }

    @Test
    void signalOnAClosedEventFdThrows() throws IOException {
        int efd = LinuxSockets.eventFd();
        LinuxSockets.close(efd);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LinuxSockets.signalEventFd(efd))
                .isInstanceOf(IOException.class).hasMessageContaining("errno 9");
    }

    @Test
    void closeReleasesEveryDescriptorAndIsIdempotent() throws IOException {
        openAndCloseEverything(); // warm-up: class loading may open jar files
        long before = openDescriptors();
        openAndCloseEverything();
        assertThat(openDescriptors()).isEqualTo(before);
    }

    private static void openAndCloseEverything() throws IOException {
        IoUring ring = IoUring.open(8, 16, true);
        ProvidedBufferRing buffers = ProvidedBufferRing.register(ring, (short) 3, 8, 256);
        int listener = LinuxSockets.openListener(new java.net.InetSocketAddress("127.0.0.1", 0), 16, true);
        int efd = LinuxSockets.eventFd();
        buffers.close();
        buffers.close();
        ring.close();
        ring.close();
        LinuxSockets.close(listener);
        LinuxSockets.close(efd);
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void badQueueSizesAreRefusedWithAClearMessage() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> IoUring.open(8, 4, false))
                .isInstanceOf(IOException.class).hasMessageContaining("completion >= submission");
    }

    @Test
    void kernelVersionCheck() {
        assertThat(IoUringAvailability.kernelProblem("5.15.0-91-generic"))
                .isEqualTo("kernel 5.15 lacks multishot receive (needs 6.0)");
        assertThat(IoUringAvailability.kernelProblem("6.18.44-fc-v657")).isNull();
        assertThat(IoUringAvailability.kernelProblem("6.0")).isNull();
        assertThat(IoUringAvailability.kernelProblem("garbage")).isNull();
        assertThat(IoUringAvailability.setupFailure(Errno.ENOSYS)).contains("Function not implemented");
    }
}
