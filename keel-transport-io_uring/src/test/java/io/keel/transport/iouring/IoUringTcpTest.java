package io.keel.transport.iouring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * TCP on 127.0.0.1 through the ring: multishot accept, multishot receive into provided buffers, send, end of
 * stream, cancel, and a buffer group running dry (ENOBUFS ends a multishot receive: the transport must re-arm it).
 */
class IoUringTcpTest {
    private static final long ACCEPT = 1, RECV_A = 2, RECV_B = 3, SEND = 4, CANCEL = 5;

    @Test
    void acceptReceiveSendCancelAndEndOfStream() throws Exception {
        int listener = LinuxSockets.openListener(new InetSocketAddress("127.0.0.1", 0), 64, false);
        InetSocketAddress bound = LinuxSockets.localAddress(listener);
        assertThat(bound.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(bound.getPort()).isPositive();
        try (IoUring ring = IoUring.open(16, 64, true);
                ProvidedBufferRing buffers = ProvidedBufferRing.register(ring, (short) 1, 8, 1024);
                Socket a = new Socket();
                Socket b = new Socket()) {
            Completions cqes = new Completions(ring);
            assertThat(ring.acceptMultishot(listener, ACCEPT)).isTrue();
            ring.submit();
            a.connect(bound);
            b.connect(bound);
            Completions.Cqe first = cqes.await(ACCEPT);
            Completions.Cqe second = cqes.await(ACCEPT);
            assertThat(first.more()).isTrue();
            assertThat(second.more()).isTrue();
            int fdA = first.result(), fdB = second.result();
            assertThat(fdA).isPositive();
            assertThat(fdB).isPositive().isNotEqualTo(fdA);
            // accept order is connect order on loopback
            assertThat(LinuxSockets.remoteAddress(fdA)).isEqualTo(a.getLocalSocketAddress());
            assertThat(LinuxSockets.remoteAddress(fdB)).isEqualTo(b.getLocalSocketAddress());
            assertThat(LinuxSockets.localAddress(fdA)).isEqualTo(bound);
            LinuxSockets.setTcpNoDelay(fdA);

            // receive: the client's bytes land in a provided buffer
            assertThat(ring.recvMultishot(fdA, (short) 1, RECV_A)).isTrue();
            assertThat(ring.recvMultishot(fdB, (short) 1, RECV_B)).isTrue();
            ring.submit();
            a.getOutputStream().write("hello ring".getBytes(StandardCharsets.US_ASCII));
            Completions.Cqe recv = cqes.await(RECV_A);
            assertThat(recv.result()).isEqualTo(10);
            assertThat(recv.hasBuffer()).isTrue();
            assertThat(recv.more()).isTrue();
            ByteBuffer got = buffers.buffer(IoUring.bufferId(recv.flags()), recv.result());
            assertThat(StandardCharsets.US_ASCII.decode(got).toString()).isEqualTo("hello ring");
            buffers.recycle(IoUring.bufferId(recv.flags()));

            // send from a direct buffer reaches the client
            ByteBuffer out = ByteBuffer.allocateDirect(64).put("pong".getBytes(StandardCharsets.US_ASCII)).flip();
            assertThat(ring.send(fdA, IoUring.address(out), out.remaining(), SEND)).isTrue();
            ring.submit();
            assertThat(cqes.await(SEND).result()).isEqualTo(4);
            assertThat(a.getInputStream().readNBytes(4)).isEqualTo("pong".getBytes(StandardCharsets.US_ASCII));

            // cancel a multishot receive: its last completion is -ECANCELED without CQE_F_MORE
            assertThat(ring.cancel(RECV_B, CANCEL)).isTrue();
            ring.submit();
            assertThat(cqes.await(CANCEL).result()).isZero();
            Completions.Cqe cancelled = cqes.await(RECV_B);
            assertThat(cancelled.result()).isEqualTo(-Errno.ECANCELED);
            assertThat(cancelled.more()).isFalse();

            // the client closes: result 0, the multishot receive ends
            a.close();
            Completions.Cqe eof = cqes.await(RECV_A);
            assertThat(eof.result()).isZero();
            assertThat(eof.more()).isFalse();
            LinuxSockets.close(fdA);
            LinuxSockets.close(fdB);
        } finally {
            LinuxSockets.close(listener);
        }
    }

    @Test
    void aDryBufferGroupEndsTheMultishotReceiveWithEnobufs() throws Exception {
        int listener = LinuxSockets.openListener(new InetSocketAddress("127.0.0.1", 0), 16, false);
        try (IoUring ring = IoUring.open(8, 64, true);
                ProvidedBufferRing buffers = ProvidedBufferRing.register(ring, (short) 7, 2, 16);
                Socket client = new Socket()) {
            Completions cqes = new Completions(ring);
            ring.acceptMultishot(listener, ACCEPT);
            ring.submit();
            client.connect(LinuxSockets.localAddress(listener));
            int fd = cqes.await(ACCEPT).result();
            assertThat(fd).isPositive();
            client.getOutputStream().write(new byte[100]); // more than 2 buffers of 16 bytes hold
            ring.recvMultishot(fd, (short) 7, RECV_A);
            ring.submit();
            int bytes = 0;
            Completions.Cqe cqe;
            while ((cqe = cqes.await(RECV_A)).result() > 0) {
                assertThat(cqe.hasBuffer()).isTrue();
                assertThat(cqe.more()).isTrue();
                bytes += cqe.result(); // not recycled: the group runs dry
            }
            assertThat(bytes).isEqualTo(2 * 16);
            assertThat(cqe.result()).isEqualTo(-Errno.ENOBUFS);
            assertThat(cqe.more()).as("ENOBUFS ends the multishot receive").isFalse();
            assertThat(buffers.count()).isEqualTo(2);
            assertThat(buffers.bufferSize()).isEqualTo(16);
            LinuxSockets.close(fd);
        } finally {
            LinuxSockets.close(listener);
        }
    }

    /** What ends a close's linger (OutputStaging): a send to a peer that never reads stays in the kernel until cancelled. */
    @Test
    void aSendToAPeerThatNeverReadsWaitsUntilCancelled() throws Exception {
        int listener = LinuxSockets.openListener(new InetSocketAddress("127.0.0.1", 0), 16, false);
        try (IoUring ring = IoUring.open(8, 64, true); Socket peer = new Socket()) {
            Completions cqes = new Completions(ring);
            peer.setReceiveBufferSize(4096);
            ring.acceptMultishot(listener, ACCEPT);
            ring.submit();
            peer.connect(LinuxSockets.localAddress(listener));
            int fd = cqes.await(ACCEPT).result();
            ByteBuffer bytes = ByteBuffer.allocateDirect(16 << 20);
            ring.send(fd, IoUring.address(bytes), bytes.capacity(), SEND);
            ring.submit();
            int taken = cqes.await(SEND).result();
            assertThat(taken).as("the kernel takes what its buffers hold").isPositive().isLessThan(bytes.capacity());

            // a send and its cancel go in together until the buffers are full: then the send waits for the peer
            int cancelled = -1, sends = 0;
            while (cancelled != 0 && sends++ < 1000) {
                ring.send(fd, IoUring.address(bytes), bytes.capacity(), SEND);
                ring.cancel(SEND, CANCEL);
                ring.submit();
                cancelled = cqes.await(CANCEL).result();
                int sent = cqes.await(SEND).result();
                if (cancelled == 0) {
                    assertThat(sent).isEqualTo(-Errno.ECANCELED);
                } else {
                    assertThat(cancelled).as("not found: it had completed").isEqualTo(-2); // ENOENT
                    assertThat(sent).as("taken while the peer's window still opened").isPositive();
                }
            }
            assertThat(cancelled).as("a send that waited for the peer was cancelled").isZero();
            LinuxSockets.close(fd);
        } finally {
            LinuxSockets.close(listener);
        }
    }

    @Test
    void dualStackListenerTakesIpv4Clients() throws Exception {
        int listener = LinuxSockets.openListener(new InetSocketAddress("::", 0), 16, true);
        try (IoUring ring = IoUring.open(4, 8, true); Socket client = new Socket()) {
            Completions cqes = new Completions(ring);
            ring.acceptMultishot(listener, ACCEPT);
            ring.submit();
            client.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"),
                    LinuxSockets.localAddress(listener).getPort()));
            int fd = cqes.await(ACCEPT).result();
            assertThat(fd).isPositive();
            assertThat(LinuxSockets.remoteAddress(fd)).isEqualTo(client.getLocalSocketAddress());
            LinuxSockets.shutdownOutput(fd);
            InputStream in = client.getInputStream();
            assertThat(in.read()).as("FIN after shutdownOutput").isEqualTo(-1);
            LinuxSockets.close(fd);
        } finally {
            LinuxSockets.close(listener);
        }
    }

    @Test
    void listenerErrorsAreClear() throws Exception {
        int listener = LinuxSockets.openListener(new InetSocketAddress("127.0.0.1", 0), 16, false);
        try {
            InetSocketAddress taken = LinuxSockets.localAddress(listener);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> LinuxSockets.openListener(taken, 16, false))
                    .isInstanceOf(java.net.BindException.class).hasMessage("Address already in use");
        } finally {
            LinuxSockets.close(listener);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LinuxSockets.openListener(
                        InetSocketAddress.createUnresolved("no.such.host.invalid", 80), 16, false))
                .isInstanceOf(IOException.class).hasMessageContaining("unresolved");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LinuxSockets.openListener(
                        new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 0), 16, false))
                .isInstanceOf(IOException.class)
                .isInstanceOf(java.net.BindException.class) // the JDK's wording, which the core's BindFailure reads
                .hasMessage("Cannot assign requested address");
        assertThat(LinuxSockets.remoteAddress(-1)).isNull();
        assertThat(Errno.exception("send", -Errno.ECONNRESET)).hasMessage("Connection reset by peer");
        assertThat(Errno.exception("send", Errno.EPIPE)).hasMessage("Broken pipe");
        assertThat(Errno.exception("io_uring_setup", Errno.EPERM))
                .hasMessage("io_uring_setup: Operation not permitted (errno 1)");
    }
}
