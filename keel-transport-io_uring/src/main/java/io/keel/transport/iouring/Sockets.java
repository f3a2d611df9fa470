package io.keel.transport.iouring;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The calls {@link IoUringTransport} makes on the kernel outside its ring's requests: sockets, the wake-up eventfd,
 * making the ring (the seam beside {@link Ring}):
 * {@link KernelSockets}, over {@link LinuxSockets}, in production. Each method means what the {@link LinuxSockets}
 * method of the same name documents.
 */
interface Sockets {
    /** See {@link LinuxSockets#setTcpNoDelay(int)}. */
    void setTcpNoDelay(int fd) throws IOException;

    /** See {@link LinuxSockets#shutdownOutput(int)}. */
    void shutdownOutput(int fd) throws IOException;

    /** See {@link LinuxSockets#close(int)}. */
    void close(int fd);

    /** See {@link LinuxSockets#remoteAddress(int)}. */
    InetSocketAddress remoteAddress(int fd);

    /** See {@link LinuxSockets#localAddress(int)}. */
    InetSocketAddress localAddress(int fd);

    /** See {@link LinuxSockets#openListener(InetSocketAddress, int, boolean)}. */
    int openListener(InetSocketAddress address, int backlog, boolean reusePort) throws IOException;

    /** See {@link LinuxSockets#eventFd()}. */
    int eventFd() throws IOException;

    /** See {@link LinuxSockets#signalEventFd(int)}. */
    void signalEventFd(int fd) throws IOException;

    /**
     * Makes a loop's ring, see {@link IoUring#open(int, int, boolean)}.
     *
     * @return the ring, owned by the caller
     * @throws IOException if io_uring is unavailable or refuses the sizes or flags
     */
    Ring openRing(int sqEntries, int cqEntries, boolean singleIssuer) throws IOException;

    /**
     * Registers a loop's receive buffers with its ring, see {@link ProvidedBufferRing#register}.
     *
     * @param ring a ring from {@link #openRing} of this same object
     * @return the group, owned by the caller
     * @throws IOException if the kernel refuses the registration
     */
    BufferGroup registerBuffers(Ring ring, short groupId, int count, int bufferSize) throws IOException;
}
