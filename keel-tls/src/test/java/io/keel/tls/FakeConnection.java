package io.keel.tls;

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
 * A raw connection in memory, driven by the test thread as its "loop": it keeps unconsumed input as the core
 * does, records what is sent (each send call separately), queues tasks posted from other threads, and keeps
 * timers for the test to fire.
 */
public final class FakeConnection implements Connection {
    public final ConnectionHandler handler;
    public final Thread loop = Thread.currentThread();
    public final BlockingQueue<Runnable> posted = new LinkedBlockingQueue<>();
    public final List<byte[]> sends = new ArrayList<>();
    public final ByteArrayOutputStream unread = new ByteArrayOutputStream();
    public final List<Runnable> timers = new ArrayList<>();
    private ByteBuffer leftover;
    private final Map<UserDataKey<?>, Object> data = new HashMap<>();
    private Object attachment;
    public boolean open = true;
    public boolean closed;
    public boolean aborted;
    public boolean outputShut;
    public boolean paused;
    public boolean closeCallbackDone;
    public SendStatus nextStatus = SendStatus.SENT;

    public FakeConnection(ConnectionHandler handler) {
        this.handler = handler;
    }

    public FakeConnection open() {
        handler.onOpen(this);
        return this;
    }

    /** Bytes from the network: handed to the handler after what it left unconsumed last time. */
    public void receive(byte[] bytes) {
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

    public int leftoverBytes() {
        return leftover == null ? 0 : leftover.remaining();
    }

    public void inputClosed() {
        handler.onInputClosed(this);
        finishClose();
    }

    /** What was sent since the last call. */
    public byte[] takeSent() {
        byte[] b = unread.toByteArray();
        unread.reset();
        return b;
    }

    /** Runs tasks posted from other threads; waits up to the timeout for the first one when asked to. */
    public boolean runPosted(long waitMillis) throws InterruptedException {
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

    public void finishClose() {
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
    public boolean inEventLoop() {
        return Thread.currentThread() == loop;
    }

    @Override
    public io.keel.core.EventLoop eventLoop() {
        return null;
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
