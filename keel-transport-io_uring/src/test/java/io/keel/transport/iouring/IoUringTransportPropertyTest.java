package io.keel.transport.iouring;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.AcceptEvents;
import io.keel.core.SocketEvents;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Drives {@link IoUringTransport}'s state machine over a {@link FakeRing} with random completion orders: random
 * accepts, receives (bytes, end of stream, resets, ENOBUFS, ECANCELED after a cancel), full, short and failed sends,
 * connections that echo, pause, shut down, close and abort (also from callbacks), a small submission queue and few
 * receive buffers. After every step and at the end it checks that written bytes reach the socket once and in
 * order, received bytes are delivered once, in order, to their own connection and never after close, no receive
 * is armed while paused, the FIN and the close follow the staged bytes, nothing is prepared on a closed
 * descriptor, and that closeAll leaves no buffer lent, no staging chunk, no slot and no descriptor open. Each run is
 * seeded; a failure names its seed ({@link #replay} runs one). 2,000 runs, 50,000 with {@code -Dkeel.long=true}.
 */
class IoUringTransportPropertyTest {
    private static final int RUNS = Boolean.getBoolean("keel.long") ? 50_000 : 2_000;

    @Test
    void randomCompletionOrdersKeepTheTransportsPromises() {
        long base = new Random().nextLong();
        for (int i = 0; i < RUNS; i++) {
            long seed = base + i;
            try {
                new Run(seed).run();
            } catch (Throwable e) {
                throw new AssertionError("seed " + seed + "L: " + e, e);
            }
        }
    }

    /** Replays one seed (paste it from a failure). */
    static void replay(long seed) throws Exception {
        new Run(seed).run();
    }

    /** One random run: a transport, a listener, up to a few dozen connections, a few hundred steps. */
    static final class Run implements AcceptEvents {
        final Random random;
        final FakeSockets kernel;
        final IoUringTransport transport;
        /** The transport's clock: it only moves when a step lets a close's linger end. */
        long clock;
        final List<FakeConnection> connections = new ArrayList<>();
        final RecordingLoop loop = new RecordingLoop();
        final List<Throwable> failures = loop.failures;
        Object listener;
        int listenerFd;

        Run(long seed) throws IOException {
            random = new Random(seed);
            kernel = new FakeSockets(2 + random.nextInt(14), 1 + random.nextInt(4));
            transport = new IoUringTransport(loop, kernel, () -> clock);
        }

        void run() throws Exception {
            transport.poll(-1); // makes the ring
            kernel.ring.onPrepare = this::checkPrepared;
            listener = transport.bind(new InetSocketAddress("127.0.0.1", 0), 16, false);
            listenerFd = ((UringListener) listener).fd;
            transport.listen(listener, this);
            int steps = 50 + random.nextInt(300);
            for (int i = 0; i < steps; i++) {
                step();
                check();
            }
            for (FakeConnection c : connections) { // most close themselves first, the rest are aborted by closeAll
                if (c.open && random.nextInt(3) > 0) {
                    c.close();
                }
            }
            int settle = random.nextInt(20);
            for (int i = 0; i < settle; i++) {
                completeOne(false);
                transport.poll(-1);
                check();
            }
            for (FakeConnection c : connections) { // output staged and not yet submitted when the loop ends
                if (random.nextBoolean()) {
                    c.write(bytes(1 + random.nextInt(100)));
                }
            }
            kernel.ring.onWait = () -> completeOne(true);
            transportClosing = true; // from here staged bytes may be dropped
            transport.closeAll();
            check();
            checkEnd();
            transport.wakeup(); // after the end: a no-op, never a write to the closed eventfd
            transport.release();
            assertThat(kernel.violations).isEmpty();
        }

        private void step() throws IOException {
            int choice = random.nextInt(10);
            if (choice < 5) {
                int burst = 1 + random.nextInt(random.nextInt(4) == 0 ? 8 : 2); // bursts drain the buffer group
                for (int i = 0; i < burst; i++) {
                    completeOne(false);
                }
            } else if (choice < 7 && !connections.isEmpty()) {
                FakeConnection c = connections.get(random.nextInt(connections.size()));
                int action = random.nextInt(12);
                if (action < 6) {
                    c.write(bytes(1 + random.nextInt(random.nextBoolean() ? 64 : 20_000)));
                } else if (action < 9) {
                    c.pause(!c.paused);
                } else if (action == 9) {
                    c.shutdownOutput();
                } else if (action == 10) {
                    c.close();
                } else {
                    c.abort();
                }
            } else if (choice == 7) {
                transport.accepting(listener, random.nextInt(3) > 0);
            } else if (choice == 8 && random.nextInt(50) == 0) {
                transport.closeListener(listener); // accepts in flight must close their descriptors
            } else if (choice == 9 && random.nextInt(10) == 0) {
                clock += OutputStaging.LINGER_NANOS; // the closes still waiting for their peers give up
                for (FakeConnection c : connections) {
                    c.lingerEnded |= !c.open;
                }
            }
            int poll = random.nextInt(6);
            if (poll == 0) {
                kernel.ring.onWait = () -> completeOne(false); // poll(0) waits: the kernel completes something
                transport.poll(0);
                kernel.ring.onWait = () -> { };
            } else if (poll > 2) {
                transport.poll(-1);
            } else if (poll == 1) {
                transport.wakeup();
            }
        }

        /** The kernel completes one submitted request (not the wake-up read unless asked) with a legal result. */
        void completeOne(boolean closing) {
            List<FakeRing.Request> pending = new ArrayList<>();
            for (FakeRing.Request r : kernel.ring.pending) {
                if (r.op != FakeRing.Op.READ || random.nextInt(8) == 0) {
                    pending.add(r);
                }
            }
            if (pending.isEmpty()) {
                return;
            }
            FakeRing.Request r = pending.get(random.nextInt(pending.size()));
            FakeRing ring = kernel.ring;
            boolean cancel = r.cancelSeen && (closing || random.nextBoolean());
            switch (r.op) {
                case RECV -> {
                    int k = random.nextInt(12);
                    if (cancel) {
                        ring.post(r, -Errno.ECANCELED, 0, false);
                    } else if (k < 8) {
                        int size = kernel.buffers.bufferSize(); // a full buffer now and then: a streaming client
                        int n = random.nextInt(30) == 0 ? size : 1 + random.nextInt(Math.min(64, size));
                        ring.receive(r, bytes(n), r.multishot && random.nextInt(6) > 0);
                    } else if (k < 10) {
                        ring.post(r, 0, 0, false);
                    } else if (k == 10) {
                        ring.post(r, -Errno.ECONNRESET, 0, false);
                    } else {
                        ring.post(r, -Errno.ENOBUFS, 0, false);
                    }
                }
                case SEND -> {
                    int k = random.nextInt(10);
                    if (cancel) {
                        ring.post(r, -Errno.ECANCELED, 0, false);
                    } else if (k < 6 || r.length == 1) {
                        ring.send(r, r.length);
                    } else if (k < 9) {
                        ring.send(r, 1 + random.nextInt(r.length - 1));
                    } else {
                        ring.send(r, random.nextBoolean() ? -Errno.EPIPE : -Errno.ECONNRESET);
                    }
                }
                case ACCEPT -> {
                    if (cancel) {
                        ring.post(r, -Errno.ECANCELED, 0, false);
                    } else if (random.nextInt(10) == 0) {
                        ring.post(r, -Errno.EMFILE, 0, false);
                    } else {
                        ring.accept(r, random.nextInt(8) > 0);
                    }
                }
                case READ -> ring.post(r, 8, 0, false);
                case CANCEL -> ring.post(r, r.found ? 0 : -2 /* ENOENT */, 0, false);
                default -> throw new IllegalStateException();
            }
        }

        private byte[] bytes(int n) {
            byte[] b = new byte[n];
            random.nextBytes(b);
            return b;
        }

        private void checkPrepared(FakeRing.Request r) {
            if (r.op != FakeRing.Op.RECV) {
                return;
            }
            for (FakeConnection c : connections) {
                if (c.fd == r.fd && c.paused && c.open) {
                    kernel.violation("a receive armed while paused: " + r);
                }
            }
        }

        /** The properties that hold after every step. */
        void check() {
            assertThat(failures).isEmpty();
            assertThat(kernel.violations).isEmpty();
            if (!transportClosing) {
                List<Object> open = new ArrayList<>();
                for (FakeConnection c : connections) {
                    if (c.open) {
                        open.add(c);
                        assertThat(transport.remoteAddress(c.handle)).isNotNull();
                    } else {
                        transport.localAddress(c.handle); // null once its descriptor is closed; never a closed one
                    }
                }
                assertThat(transport.connections()).containsExactlyInAnyOrderElementsOf(open.stream()
                        .map(SocketEvents.class::cast).toList());
            }
            for (FakeConnection c : connections) {
                FakeSockets.Fd fd = kernel.fd(c.fd);
                byte[] sent = fd.sent.toByteArray(), taken = c.taken.toByteArray();
                if (!fd.sendFailed) { // sent bytes: a prefix of what was taken, once and in order
                    assertThat(sent.length).as("fd %d sent", c.fd).isLessThanOrEqualTo(taken.length);
                    assertThat(Arrays.equals(sent, 0, sent.length, taken, 0, sent.length))
                            .as("fd %d sends in order", c.fd).isTrue();
                }
                if (c.open) { // every drained completion was delivered to its own open connection
                    assertThat(c.received.size()).as("fd %d received", c.fd).isEqualTo(fd.drainedIn);
                } else {
                    assertThat(c.received.size()).isLessThanOrEqualTo(fd.drainedIn);
                }
                if (c.takenAtShutdown >= 0 && fd.closed() && !fd.sendFailed && !transportClosing && !c.lingerEnded) {
                    assertThat(fd.sentAtFin).as("fd %d FIN owed before its close", c.fd).isGreaterThanOrEqualTo(0);
                }
                if (fd.sentAtFin >= 0 && !fd.sendFailed) {
                    assertThat(fd.sentAtFin).as("fd %d FIN after the staged bytes", c.fd).isEqualTo(c.takenAtShutdown);
                }
                if (fd.closed() && !fd.sendFailed && !transportClosing && !c.lingerEnded) {
                    assertThat(fd.sentAtClose).as("fd %d closed after its staged bytes", c.fd)
                            .isEqualTo(taken.length);
                }
            }
        }

        boolean transportClosing;

        /** After closeAll: nothing lent, staged, held or open. */
        void checkEnd() {
            assertThat(kernel.buffers.lent()).as("provided buffers lent").isZero();
            assertThat(transport.sendChunksInUse()).as("staging chunks").isZero();
            assertThat(transport.slotsInUse()).as("slots").isZero();
            assertThat(transport.closesLingering()).as("closes lingering").isZero();
            for (FakeSockets.Fd fd : kernel.fds.values()) {
                assertThat(fd.closes).as("%s closed", fd).isEqualTo(1);
            }
            assertThat(kernel.ring.closed).isTrue();
            assertThat(kernel.buffers.closed).isTrue();
        }

        // ---- the loop and the listener ----

        @Override
        public void accepted(Object socket) {
            int fd = (Integer) socket;
            listenerReacts();
            if (random.nextInt(10) == 0) {
                transport.closeAccepted(socket); // refused: the connection limit
                return;
            }
            FakeConnection c = new FakeConnection(fd, transport, kernel, random);
            try {
                c.handle = transport.register(socket, c);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            connections.add(c);
        }

        @Override
        public void acceptFailed(IOException e) {
            transport.accepting(listener, false); // as the listener does: back off, resumed by a later step
            listenerReacts();
        }

        /** From inside the listener's callbacks: pause or resume accepting (connection limit), or close. */
        private void listenerReacts() {
            int k = random.nextInt(40);
            if (k < 3) {
                transport.accepting(listener, k > 0);
            } else if (k == 3 && random.nextInt(5) == 0) {
                transport.closeListener(listener);
            }
        }
    }
}
