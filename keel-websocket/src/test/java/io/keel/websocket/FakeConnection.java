package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.EventLoop;
import io.keel.core.SendStatus;
import io.keel.core.Timer;
import io.keel.core.UserDataKey;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A connection in memory for the unit tests of the layer's helpers, no socket: the test thread is its loop unless
 * {@link #inLoop} is cleared; it records what is sent, pauses and resumes, keeps tasks handed to the loop and
 * timers for the test to run, and answers {@link #canSend()}, {@link #reserveOffLoop} and {@link #queuedBytes()}
 * as the test sets them.
 */
final class FakeConnection implements Connection {
    final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    final List<FakeTimer> timers = new ArrayList<>();
    private final Map<UserDataKey<?>, Object> data = new HashMap<>();
    private Object attachment;
    boolean inLoop = true;
    boolean open = true;
    boolean closed;
    boolean aborted;
    boolean paused;
    int pauses;
    int resumes;
    boolean canSend = true;
    long queued;
    long reserved;
    SendStatus reserveStatus = SendStatus.QUEUED;

    /** A timer the test fires with {@link #fire()}. */
    static final class FakeTimer implements Timer {
        final Runnable task;
        final long millis;
        boolean cancelled;

        FakeTimer(Runnable task, long millis) {
            this.task = task;
            this.millis = millis;
        }

        @Override
        public boolean cancel() {
            boolean was = !cancelled;
            cancelled = true;
            return was;
        }

        void fire() {
            task.run();
        }
    }

    /** Runs the tasks handed to the loop, in order; returns how many ran. */
    int runTasks() {
        int n = 0;
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run();
            n++;
        }
        return n;
    }

    @Override
    public SendStatus send(ByteBuffer data) {
        return send(data, null, null);
    }

    @Override
    public SendStatus send(ByteBuffer prefix, ByteBuffer payload, ByteBuffer suffix) {
        if (!open) {
            return SendStatus.DROPPED;
        }
        for (ByteBuffer b : new ByteBuffer[] {prefix, payload, suffix}) {
            if (b != null) {
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                sent.writeBytes(bytes);
            }
        }
        return SendStatus.SENT;
    }

    @Override
    public boolean canSend() {
        return open && canSend;
    }

    @Override
    public SendStatus reserveOffLoop(long bytes, boolean control) {
        if (reserveStatus != SendStatus.DROPPED) {
            reserved += bytes;
        }
        return reserveStatus;
    }

    @Override
    public void releaseOffLoop(long bytes) {
        reserved -= bytes;
    }

    @Override
    public long queuedBytes() {
        return queued;
    }

    @Override
    public void pauseReading() {
        paused = true;
        pauses++;
    }

    @Override
    public void resumeReading() {
        paused = false;
        resumes++;
    }

    @Override
    public boolean isReadingPaused() {
        return paused;
    }

    @Override
    public void close() {
        open = false;
        closed = true;
    }

    @Override
    public void shutdownOutput() {
    }

    @Override
    public void abort() {
        open = false;
        aborted = true;
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
        return new InetSocketAddress("127.0.0.1", 9001);
    }

    @Override
    public boolean inEventLoop() {
        return inLoop;
    }

    @Override
    public EventLoop eventLoop() {
        throw new UnsupportedOperationException("no event loop in unit tests");
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
    }

    @Override
    public Timer schedule(Runnable task, long delay, TimeUnit unit) {
        FakeTimer t = new FakeTimer(task, unit.toMillis(delay));
        timers.add(t);
        return t;
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
