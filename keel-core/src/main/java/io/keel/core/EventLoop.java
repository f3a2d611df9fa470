package io.keel.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One selector thread. Owns its connections for their whole life, a read buffer shared by all of them (so an
 * idle connection holds none), a cork buffer that gathers one callback's sends into one write, a buffer pool
 * and a timer wheel. Other threads talk to it only through {@link #execute(Runnable)}.
 */
public final class EventLoop implements Runnable {
    static final int READ_BUFFER_SIZE = 64 * 1024;
    static final int CORK_BUFFER_SIZE = 64 * 1024;
    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());

    final Server server;
    final int index;
    final Selector selector;
    final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    /** Owned by the connection whose callback is running: its sends are gathered and written when it returns. */
    final Cork<NioConnection> cork = new Cork<>(ByteBuffer.allocateDirect(CORK_BUFFER_SIZE));
    final BufferPool pool;
    final ByteBuffer[] gather = new ByteBuffer[64];
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final TimerWheel timers;
    private final Thread thread;
    private final java.util.function.Consumer<SelectionKey> keyAction = this::processKey;
    private final java.util.function.Consumer<Runnable> taskRunner = this::safeRun;
    private boolean timeFresh;
    private final RateLimitedLog failureLog = new RateLimitedLog(LOG, 10_000);
    private volatile boolean stopping;

    long nowNanos;

    // counters written by this loop only, read by stats readers (64-bit plain longs do not tear on a 64-bit JVM)
    long bytesIn;
    long bytesOut;

    EventLoop(Server server, int index) throws IOException {
        this.server = server;
        this.index = index;
        this.selector = Selector.open();
        this.pool = new BufferPool(server.config.maxPooledChunksPerLoop);
        this.nowNanos = System.nanoTime();
        this.timers = new TimerWheel(TimeUnit.MILLISECONDS.toNanos(10), nowNanos);
        this.thread = new Thread(this, "keel-io-" + index);
    }

    void start() {
        thread.start();
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs the task on this loop: at once when called from it, else queued and the selector woken. */
    public void execute(Runnable task) {
        if (inLoop()) {
            task.run();
        } else {
            submit(task);
        }
    }

    /** Queues the task for the next loop iteration, even from the loop itself. */
    public void submit(Runnable task) {
        tasks.add(task);
        if (!inLoop() && wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /** Schedules on this loop's timer wheel; must be called on the loop. */
    public Timer schedule(Runnable task, long delay, TimeUnit unit) {
        checkInLoop();
        return timers.schedule(task, unit.toNanos(delay), nowNanos);
    }

    void rearm(TimerWheel.Node node, long delayNanos) {
        timers.reschedule(node, delayNanos, nowNanos);
    }

    void cancelTimer(TimerWheel.Node node) {
        timers.cancel(node);
    }

    void checkInLoop() {
        if (!inLoop()) {
            throw new IllegalStateException("must be called on the connection's event loop " + thread.getName()
                + ", not on " + Thread.currentThread().getName() + " (use Connection.execute)");
        }
    }

    public BufferPool pool() {
        return pool;
    }

    void register(SocketChannel channel) {
        execute(() -> {
            NioConnection c = new NioConnection(this, channel);
            try {
                c.key = channel.register(selector, SelectionKey.OP_READ, c);
            } catch (IOException | RuntimeException e) {
                server.connectionRefusedAfterAccept();
                closeQuietly(channel);
                return;
            }
            c.opened();
        });
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                long timeout = timers.isEmpty() ? 0 : timers.millisToNextTick(System.nanoTime());
                timeFresh = false;
                if (!tasks.isEmpty()) {
                    selector.selectNow(keyAction);
                } else {
                    selector.select(keyAction, timeout);
                }
                wakeupPending.set(false);
                if (!timeFresh) {
                    nowNanos = System.nanoTime();
                }
                runTasks();
                if (!timers.isEmpty()) {
                    nowNanos = System.nanoTime();
                    timers.advance(nowNanos, taskRunner);
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            LOG.log(System.Logger.Level.ERROR, "event loop " + index + " failed", e);
        } finally {
            closeAll();
            server.loopTerminated(this);
        }
    }

    /** Selected keys arrive through a callback: no selected-key set to fill, iterate and clear. */
    private void processKey(SelectionKey key) {
        if (!timeFresh) {
            nowNanos = System.nanoTime(); // once per wake-up, for idle timers and activity stamps
            timeFresh = true;
        }
        try {
            Object att = key.attachment();
            if (att instanceof NioConnection c) {
                if (!key.isValid()) {
                    return;
                }
                int ready = key.readyOps();
                if ((ready & SelectionKey.OP_WRITE) != 0) {
                    c.writable();
                }
                if ((ready & SelectionKey.OP_READ) != 0 && key.isValid()) {
                    c.readable();
                }
            } else if (att instanceof Acceptor a) {
                a.acceptReady();
            }
        } catch (java.nio.channels.CancelledKeyException e) {
            // closed by an earlier callback in this round
        } catch (Throwable e) {
            // never let one connection's failure end the loop that serves the others
            failureLog.log(System.Logger.Level.ERROR, "unexpected failure on " + thread.getName(), e);
        }
    }

    private void runTasks() {
        for (int i = 0; i < 1024; i++) { // bounded: tasks that submit tasks cannot starve I/O
            Runnable t = tasks.poll();
            if (t == null) {
                return;
            }
            safeRun(t);
        }
    }

    private void safeRun(Runnable r) {
        try {
            r.run();
        } catch (Throwable e) {
            failureLog.log(System.Logger.Level.ERROR, "task failed on " + thread.getName(), e);
        }
    }

    /** Connections owned by this loop, read from the selector's own key set (no extra registry to keep). */
    List<NioConnection> connections() {
        List<NioConnection> list = new ArrayList<>();
        for (SelectionKey k : selector.keys()) {
            if (k.attachment() instanceof NioConnection c && c.isOpen()) {
                list.add(c);
            }
        }
        return list;
    }

    void stop() {
        stopping = true;
        selector.wakeup();
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    private void closeAll() {
        Runnable t;
        while ((t = tasks.poll()) != null) {
            safeRun(t);
        }
        for (SelectionKey k : selector.keys()) {
            if (k.attachment() instanceof NioConnection c) {
                c.abort();
            } else if (k.attachment() instanceof Acceptor a) {
                a.close();
            }
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing left to do with it
        }
    }

    static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing a socket that failed: nothing to report
        }
    }

    @Override
    public String toString() {
        return thread.getName();
    }
}
