package io.keel.tls.fuzz;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.keel.core.Connection;
import io.keel.core.ConnectionHandler;
import io.keel.core.SendStatus;
import io.keel.core.Timer;
import io.keel.core.UserDataKey;

/**
 * (A copy of io.keel.tls.FakeConnection, which is package-private there.) A raw connection in memory, driven by the test thread as its "loop": it keeps unconsumed input as the core
 * does, records what is sent (each send call separately), queues tasks posted from other threads, and keeps
 * timers for the test to fire.
 */
final class MemConnection implements Connection {
    final ConnectionHandler handler;
    final Thread loop = Thread.currentThread();
    final BlockingQueue<Runnable> posted = new LinkedBlockingQueue<>();
    final List<byte[]> sends = new ArrayList<>();
    final ByteArrayOutputStream unread = new ByteArrayOutputStream();
    final List<Runnable> timers = new ArrayList<>();
    private ByteBuffer leftover;
    private final Map<UserDataKey<?>, Object> data = new HashMap<>();
    private Object attachment;
    boolean open = true;
    boolean closed;
    boolean aborted;
    boolean outputShut;
    boolean paused;
    boolean closeCallbackDone;
    SendStatus nextStatus = SendStatus.SENT;

    MemConnection(ConnectionHandler handler) {
        this.handler = handler;
    }

    MemConnection open() {
        handler.onOpen(this);
        return this;
    }

    /** Bytes from the network: handed to the handler after what it left unconsumed last time. */
    void receive(byte[] bytes) {
        if (!open) {
            finishClose();
            return;
        }
        int left = leftover == null ? 0 : leftover.remaining();
        ByteBuffer b = ByteBuffer.allocate(left + bytes.length);
        if (leftover != null) {
            b.put(leftover);
        }
        b.put(bytes).flip();
        handler.onData(this, b);
        leftover = b.hasRemaining() ? ByteBuffer.allocate(b.remaining()).put(b).flip() : null;
        finishClose();
    }

    int leftoverBytes() {
        return leftover == null ? 0 : leftover.remaining();
    }

    void inputClosed() {
        handler.onInputClosed(this);
        finishClose();
    }

    /** What was sent since the last call. */
    byte[] takeSent() {
        byte[] b = unread.toByteArray();
        unread.reset();
        return b;
    }

    /** Runs tasks posted from other threads; waits up to the timeout for the first one when asked to. */
    boolean runPosted(long waitMillis) throws InterruptedException {
        Runnable r = waitMillis > 0 ? posted.poll(waitMillis, TimeUnit.MILLISECONDS) : posted.poll();
        if (r == null) {
            return false;
        }
        r.run();
        while ((r = posted.poll()) != null) {
            r.run();
        }
        finishClose();
        return true;
    }

    void finishClose() {
        if (!open && !closeCallbackDone) {
            closeCallbackDone = true;
            handler.onClose(this);
        }
    }

    @Override
    public SendStatus send(ByteBuffer a, ByteBuffer b, ByteBuffer c) {
        SendStatus s = send(a);
        if (s != SendStatus.DROPPED) {
            send(b);
            s = send(c);
        }
        return s;
    }

    @Override
    public SendStatus send(ByteBuffer d) {
        if (!open || outputShut) {
            return SendStatus.DROPPED;
        }
        byte[] b = new byte[d.remaining()];
        d.get(b);
        sends.add(b);
        unread.writeBytes(b);
        return nextStatus;
    }

    @Override
    public long queuedBytes() {
        return 0;
    }

    @Override
    public void pauseReading() {
        paused = true;
    }

    @Override
    public void resumeReading() {
        paused = false;
    }

    @Override
    public boolean isReadingPaused() {
        return paused;
    }

    @Override
    public void close() {
        closed = true;
        open = false;
    }

    @Override
    public void shutdownOutput() {
        outputShut = true;
    }

    @Override
    public void abort() {
        aborted = true;
        open = false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return new InetSocketAddress("127.0.0.1", 40000);
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress("127.0.0.1", 8443);
    }

    @Override
    public void execute(Runnable task) {
        if (Thread.currentThread() == loop) {
            task.run();
        } else {
            posted.add(task);
        }
    }

    @Override
    public Timer schedule(Runnable task, long delay, TimeUnit unit) {
        timers.add(task);
        return () -> timers.remove(task);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(UserDataKey<T> key) {
        return (T) data.get(key);
    }

    @Override
    public <T> void set(UserDataKey<T> key, T value) {
        data.put(key, value);
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    @Override
    public void attach(Object attachment) {
        this.attachment = attachment;
    }
}
