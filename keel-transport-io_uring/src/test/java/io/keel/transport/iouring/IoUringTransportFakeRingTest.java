package io.keel.transport.iouring;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.AcceptEvents;
import io.keel.core.SocketEvents;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fixed completion orders over a {@link FakeRing}: the regressions the random-order property test
 * ({@link IoUringTransportPropertyTest}) found, each as the shortest sequence that showed it.
 */
class IoUringTransportFakeRingTest {
    private final FakeSockets kernel = new FakeSockets(8, 2);
    private final RecordingLoop loop = new RecordingLoop();
    private final List<Throwable> failures = loop.failures;
    private final List<String> events = new ArrayList<>();
    private final List<Object> handles = new ArrayList<>();
    private IoUringTransport transport;
    private final long[] clock = {0};

    @Test
    void closeAllFreesASocketWithUnsubmittedOutputAfterItsReceiveEnded() throws IOException {
        listenerRegisteringInto(connection());
        int fd = kernel.ring.accept(pending(FakeRing.Op.ACCEPT), true);
        transport.poll(-1);
        assertThat(handles).hasSize(1);
        transport.poll(-1); // submits its receive
        kernel.ring.post(pending(FakeRing.Op.RECV), 0, 0, false); // end of stream: no receive is armed any more
        transport.poll(-1);
        assertThat(events).containsExactly("ended");

        // staged and queued for the next poll, which never comes: the loop ends first
        assertThat(transport.write(handles.get(0), ByteBuffer.wrap(new byte[] {1, 2, 3}))).isEqualTo(3);
        kernel.ring.onWait = () -> {
            for (FakeRing.Request r : new ArrayList<>(kernel.ring.pending)) {
                if (r.cancelSeen) {
                    kernel.ring.post(r, -Errno.ECANCELED, 0, false);
                }
            }
        };
        transport.closeAll();

        assertThat(failures).isEmpty();
        assertThat(kernel.violations).isEmpty();
        assertThat(events).containsExactly("ended", "abort");
        assertThat(transport.slotsInUse()).isZero();
        assertThat(transport.sendChunksInUse()).isZero();
        assertThat(kernel.fd(fd).closes).isEqualTo(1);
        assertThat(kernel.fds.values()).allSatisfy(f -> assertThat(f.closes).as("%s", f).isEqualTo(1));
    }

    @Test
    void aCloseWhosePeerNeverTakesTheStagedBytesClosesTheDescriptorWhenTheLingerEnds() throws IOException {
        int fd = closedWithThreeBytesInASend(); // a peer that never reads keeps the send in the kernel
        assertThat(kernel.fd(fd).closes).as("the staged bytes go out before the close").isZero();
        assertThat(transport.closesLingering()).isEqualTo(1);

        clock[0] += OutputStaging.LINGER_NANOS - 1;
        transport.poll(-1);
        assertThat(kernel.fd(fd).closes).isZero();
        assertThat(pending(FakeRing.Op.SEND).cancelSeen).isFalse();

        clock[0] += 1;
        transport.poll(-1); // the linger has ended: the descriptor is closed and the send cancelled
        assertThat(kernel.fd(fd).closes).isEqualTo(1);
        assertThat(transport.closesLingering()).isZero();
        transport.poll(-1);
        FakeRing.Request send = pending(FakeRing.Op.SEND);
        assertThat(send.cancelSeen).isTrue();
        assertThat(transport.slotsInUse()).as("the socket's slot waits for the send's completion").isEqualTo(2);
        kernel.ring.send(send, -Errno.ECANCELED);
        kernel.ring.post(pending(FakeRing.Op.RECV), -Errno.ECANCELED, 0, false);
        transport.poll(-1);

        assertThat(transport.slotsInUse()).as("the listener's").isEqualTo(1);
        assertThat(transport.sendChunksInUse()).isZero();
        assertThat(failures).isEmpty();
        assertThat(kernel.violations).isEmpty();
    }

    @Test
    void aCloseWhoseStagedBytesAreSentInTimeIsNotCutShort() throws IOException {
        int fd = closedWithThreeBytesInASend();
        kernel.ring.send(pending(FakeRing.Op.SEND), 3);
        transport.poll(-1);
        assertThat(kernel.fd(fd).closes).isEqualTo(1);
        assertThat(kernel.fd(fd).sent.toByteArray()).containsExactly(1, 2, 3);
        assertThat(transport.closesLingering()).as("off the list once closed: not kept for the whole linger").isZero();

        clock[0] += OutputStaging.LINGER_NANOS;
        transport.poll(-1);
        assertThat(kernel.fd(fd).closes).as("closed once, when the bytes were sent").isEqualTo(1);
        assertThat(failures).isEmpty();
        assertThat(kernel.violations).isEmpty();
    }

    @Test
    void anEndOfStreamThatRacesAPauseIsDeliveredOnResume() throws IOException {
        listenerRegisteringInto(connection());
        kernel.ring.accept(pending(FakeRing.Op.ACCEPT), true);
        transport.poll(-1);
        transport.poll(-1);
        transport.interest(handles.get(0), false, false); // paused: the multishot receive is cancelled
        transport.poll(-1);
        FakeRing.Request recv = pending(FakeRing.Op.RECV);
        assertThat(recv.cancelSeen).isTrue();
        kernel.ring.receive(recv, new byte[] {1, 2}, true); // the cancel raced bytes and the FIN
        kernel.ring.post(recv, 0, 0, false);
        transport.poll(-1);
        assertThat(events).containsExactly("received 2"); // not the end yet: the core keeps these 2 bytes

        transport.interest(handles.get(0), true, false); // resumed: a receive reads the end again
        transport.poll(-1);
        kernel.ring.post(pending(FakeRing.Op.RECV), 0, 0, false);
        transport.poll(-1);
        assertThat(events).containsExactly("received 2", "ended");
        assertThat(failures).isEmpty();
        assertThat(kernel.violations).isEmpty();
    }

    @Test
    void resumingAcceptsInsideTheLastAcceptCallbackArmsOneAccept() throws IOException {
        transport = new IoUringTransport(loop, kernel, () -> clock[0]);
        transport.poll(-1);
        Object listener = transport.bind(new InetSocketAddress("127.0.0.1", 0), 16, false);
        transport.listen(listener, acceptor(listener, false));
        transport.poll(-1);
        kernel.ring.accept(pending(FakeRing.Op.ACCEPT), false); // a multishot accept's final completion
        transport.poll(-1); // the acceptor resumes accepting from inside accepted(): one accept, not two

        assertThat(kernel.violations).isEmpty();
        assertThat(failures).isEmpty();
        assertThat(kernel.ring.pending).filteredOn(r -> r.op == FakeRing.Op.ACCEPT).isEmpty(); // not submitted yet
        transport.poll(-1);
        assertThat(kernel.ring.pending).filteredOn(r -> r.op == FakeRing.Op.ACCEPT).hasSize(1);
    }

    @Test
    void closingTheListenerInsideTheLastAcceptCallbackFreesItsSlotOnce() throws IOException {
        transport = new IoUringTransport(loop, kernel, () -> clock[0]);
        transport.poll(-1);
        Object listener = transport.bind(new InetSocketAddress("127.0.0.1", 0), 16, false);
        transport.listen(listener, acceptor(listener, true));
        transport.poll(-1);
        int fd = kernel.ring.accept(pending(FakeRing.Op.ACCEPT), false);
        transport.poll(-1);

        assertThat(failures).isEmpty();
        assertThat(transport.slotsInUse()).isZero(); // was -1: released by closeListener and again after the callback
        transport.closeAll();
        assertThat(kernel.fd(fd).closes).isEqualTo(1);
        assertThat(kernel.fds.values()).allSatisfy(f -> assertThat(f.closes).as("%s", f).isEqualTo(1));
    }

    /** An acceptor that refuses each connection, then resumes accepting or closes the listener. */
    private AcceptEvents acceptor(Object listener, boolean close) {
        return new AcceptEvents() {
            @Override
            public void accepted(Object socket) {
                transport.closeAccepted(socket);
                if (close) {
                    transport.closeListener(listener);
                } else {
                    transport.accepting(listener, true);
                }
            }

            @Override
            public void acceptFailed(IOException e) {
                failures.add(e);
            }
        };
    }

    private FakeRing.Request pending(FakeRing.Op op) {
        for (FakeRing.Request r : kernel.ring.pending) {
            if (r.op == op) {
                return r;
            }
        }
        throw new AssertionError("no pending " + op + " in " + kernel.ring.pending);
    }

    private SocketEvents connection() {
        return new SocketEvents() {
            boolean open = true;

            @Override
            public void readable() {
                events.add("readable");
            }

            @Override
            public void received(ByteBuffer data) {
                events.add("received " + data.remaining());
            }

            @Override
            public void receiveEnded() {
                events.add("ended");
            }

            @Override
            public void receiveFailed(IOException e) {
                events.add("failed");
            }

            @Override
            public void writable() {
                events.add("writable");
            }

            @Override
            public boolean isOpen() {
                return open;
            }

            @Override
            public void abort() {
                events.add("abort");
                open = false;
                transport.close(handles.get(0));
            }
        };
    }

    /** A connection that wrote 3 bytes, whose send is in the kernel, then closed: its descriptor. */
    private int closedWithThreeBytesInASend() throws IOException {
        listenerRegisteringInto(connection());
        int fd = kernel.ring.accept(pending(FakeRing.Op.ACCEPT), true);
        transport.poll(-1);
        transport.poll(-1);
        transport.write(handles.get(0), ByteBuffer.wrap(new byte[] {1, 2, 3}));
        transport.poll(-1);
        transport.close(handles.get(0));
        transport.poll(-1);
        return fd;
    }

    /** A transport whose listener registers every accepted socket for {@code connection} into {@link #handles}. */
    private void listenerRegisteringInto(SocketEvents connection) throws IOException {
        transport = new IoUringTransport(loop, kernel, () -> clock[0]);
        transport.poll(-1);
        Object listener = transport.bind(new InetSocketAddress("127.0.0.1", 0), 16, false);
        transport.listen(listener, new AcceptEvents() {
            @Override
            public void accepted(Object socket) {
                try {
                    handles.add(transport.register(socket, connection));
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }

            @Override
            public void acceptFailed(IOException e) {
                failures.add(e);
            }
        });
        transport.poll(-1);
    }
}
