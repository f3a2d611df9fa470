package io.keel.transport.iouring;

import io.keel.core.SocketEvents;
import io.keel.core.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;

/**
 * A connection as the core's behaves toward its transport, with random choices: it writes what it gets back
 * (queueing what the transport does not take and asking for writability), pauses and resumes reading, shuts down
 * output, closes or aborts, also from inside the transport's callbacks. It records what it wrote and received, and
 * checks each callback against the fake kernel: only while open, only from a completion of its own descriptor,
 * bytes in the order the peer sent them.
 */
final class FakeConnection implements SocketEvents {
    final int fd;
    private final Transport transport;
    private final FakeSockets kernel;
    private final Random random;
    Object handle;
    /** Bytes the transport took (so owes the socket, unless the connection fails or the loop ends). */
    final ByteArrayOutputStream taken = new ByteArrayOutputStream();
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final ByteArrayOutputStream queue = new ByteArrayOutputStream();
    boolean open = true;
    boolean paused;
    boolean ended;
    /** A write or receive failed: what was taken may not all have gone out. */
    boolean failed;
    /** {@link #taken}'s size at shutdownOutput, or -1. */
    int takenAtShutdown = -1;
    /** Closed before a linger ended: its staged bytes may have been dropped with its descriptor. */
    boolean lingerEnded;
    /** The prepared-request count when reading was paused (no receive may be prepared after it while paused). */
    int pausedAt = -1;

    FakeConnection(int fd, Transport transport, FakeSockets kernel, Random random) {
        this.fd = fd;
        this.transport = transport;
        this.kernel = kernel;
        this.random = random;
    }

    private void checkCallback(String what) {
        if (!open) {
            kernel.violation(what + " after close on fd " + fd);
        }
        FakeRing.Request r = kernel.ring.draining;
        if (r != null && r.fd != fd && r.op != FakeRing.Op.ACCEPT) {
            kernel.violation(what + " on fd " + fd + " from a completion of " + r);
        }
    }

    @Override
    public void readable() {
        kernel.violation("readable() on a completion transport");
    }

    @Override
    public void received(ByteBuffer data) {
        checkCallback("received");
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        FakeSockets.Bytes injected = kernel.fd(fd).injected;
        byte[] peer = injected.array();
        int at = received.size();
        if (at + bytes.length > injected.size()
                || !java.util.Arrays.equals(bytes, 0, bytes.length, peer, at, at + bytes.length)) {
            kernel.violation("fd " + fd + " received bytes out of order, twice or not its own, at " + at);
        }
        received.writeBytes(bytes);
        react(bytes);
    }

    @Override
    public void receiveEnded() {
        checkCallback("receiveEnded");
        if (paused) { // the core acts on the end at once: input it kept while paused would be lost
            kernel.violation("end of stream delivered to paused fd " + fd);
        }
        ended = true;
        react(null);
    }

    @Override
    public void receiveFailed(IOException e) {
        checkCallback("receiveFailed");
        failed = true;
        close(); // as the core does: the handler is told, then the connection closes
    }

    @Override
    public void writable() {
        checkCallback("writable");
        flush();
        if (random.nextInt(4) == 0) {
            react(random.nextBoolean() ? new byte[] {(byte) random.nextInt()} : null);
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void abort() {
        close();
    }

    /** A random reaction to input (or, with null, to its end). */
    void react(byte[] input) {
        int choice = random.nextInt(20);
        if (input != null && choice < 10) {
            write(input);
        } else if (choice < 12) {
            pause(!paused);
        } else if (choice == 12) {
            shutdownOutput();
        } else if (choice == 13) {
            close();
        }
    }

    /** Writes {@code bytes} after what is queued; the transport takes what it can, the rest waits for writable(). */
    void write(byte[] bytes) {
        if (!open || takenAtShutdown >= 0 || failed) {
            return;
        }
        queue.writeBytes(bytes);
        flush();
    }

    private void flush() {
        if (!open || failed || queue.size() == 0) {
            return;
        }
        byte[] q = queue.toByteArray();
        ByteBuffer src = ByteBuffer.wrap(q);
        try {
            if (q.length > 1 && random.nextBoolean()) { // a gathering write of two parts
                int cut = 1 + random.nextInt(q.length - 1);
                ByteBuffer[] parts = {ByteBuffer.wrap(q, 0, cut).slice(), ByteBuffer.wrap(q, cut, q.length - cut).slice()};
                long n = transport.write(handle, parts, 0, 2);
                src.position((int) n);
            } else {
                transport.write(handle, src);
            }
        } catch (IOException e) {
            failed = true;
            return;
        }
        taken.write(q, 0, src.position());
        queue.reset();
        queue.write(q, src.position(), src.remaining());
        transport.interest(handle, !paused && !ended, queue.size() > 0);
    }

    void pause(boolean on) {
        if (!open) {
            return;
        }
        paused = on;
        pausedAt = on ? kernel.ring.all.size() : -1;
        transport.interest(handle, !on && !ended, queue.size() > 0);
    }

    void shutdownOutput() {
        if (!open || takenAtShutdown >= 0 || failed || queue.size() > 0) {
            return;
        }
        takenAtShutdown = taken.size();
        try {
            transport.shutdownOutput(handle);
        } catch (IOException e) {
            failed = true;
        }
    }

    void close() {
        if (!open) {
            return;
        }
        open = false;
        queue.reset();
        transport.close(handle);
    }
}
