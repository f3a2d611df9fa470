package io.keel.transport.iouring;

import java.io.IOException;
import java.net.InetSocketAddress;

/** The real {@link Sockets}: system calls through {@link LinuxSockets}, rings through {@link IoUring}. Stateless. */
final class KernelSockets implements Sockets {
    static final KernelSockets INSTANCE = new KernelSockets();

    private KernelSockets() {
    }

    @Override
    public void setTcpNoDelay(int fd) throws IOException {
        LinuxSockets.setTcpNoDelay(fd);
    }

    @Override
    public void shutdownOutput(int fd) throws IOException {
        LinuxSockets.shutdownOutput(fd);
    }

    @Override
    public void close(int fd) {
        LinuxSockets.close(fd);
    }

    @Override
    public InetSocketAddress remoteAddress(int fd) {
        return LinuxSockets.remoteAddress(fd);
    }

    @Override
    public InetSocketAddress localAddress(int fd) {
        return LinuxSockets.localAddress(fd);
    }

    @Override
    public int openListener(InetSocketAddress address, int backlog, boolean reusePort) throws IOException {
        return LinuxSockets.openListener(address, backlog, reusePort);
    }

    @Override
    public int eventFd() throws IOException {
        return LinuxSockets.eventFd();
    }

    @Override
    public void signalEventFd(int fd) throws IOException {
        LinuxSockets.signalEventFd(fd);
    }

    @Override
    public Ring openRing(int sqEntries, int cqEntries, boolean singleIssuer) throws IOException {
        return IoUring.open(sqEntries, cqEntries, singleIssuer);
    }

    @Override
    public BufferGroup registerBuffers(Ring ring, short groupId, int count, int bufferSize) throws IOException {
        return ProvidedBufferRing.register((IoUring) ring, groupId, count, bufferSize);
    }
}
