package io.keel.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One I/O thread over one {@link Transport} (a selector, or an io_uring). Owns its connections for their whole life, a read buffer shared by all of them on a
 * readiness transport (so an idle connection holds none; a completion transport brings its own), a cork buffer that gathers one callback's sends into one write, a buffer pool
 * and a timer wheel. Other threads talk to it only through {@link #execute(Runnable)}.
 */
public final class EventLoop implements Runnable {
    static final int READ_BUFFER_SIZE = 64 * 1024;
    static final int CORK_BUFFER_SIZE = 64 * 1024;
    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());

    final Server server;
    final int index;
    /** How this loop reaches the kernel: sockets, readiness events, wake-ups. */
    final Transport transport;
    /** Allocated at the first read: a completion transport reads into its own buffers and never needs it. */
    private ByteBuffer readBuffer;
    /** Owned by the connection whose callback is running: its sends are gathered and written when it returns. */
    final Cork<SendingConnection> cork = new Cork<>(ByteBuffer.allocateDirect(CORK_BUFFER_SIZE));
    final BufferPool pool;
    final ByteBuffer[] gather = new ByteBuffer[64];
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final TimerWheel timers;
    private final Thread thread;
    private final java.util.function.Consumer<Runnable> taskRunner = this::safeRun;
    private boolean timeFresh;
    private final RateLimitedLog failureLog = new RateLimitedLog(LOG, 10_000);
    private volatile boolean stopping;
    /** Values of {@link LoopLocal} keys, by key index; loop thread only. */
    private Object[] locals = new Object[0];

    long nowNanos;

    // counters written by this loop only, read by stats readers (64-bit plain longs do not tear on a 64-bit JVM)
    long bytesIn;
    long bytesOut;

    EventLoop(Server server, int index) throws IOException {
        this.server = server;
        this.index = index;
        this.pool = new BufferPool(server.config.maxPooledChunksPerLoop);
        this.nowNanos = System.nanoTime();
        this.timers = new TimerWheel(TimeUnit.MILLISECONDS.toNanos(10), nowNanos);
        this.thread = new Thread(this, "keel-io-" + index);
        this.transport = server.config.transport.provider().open(new Host());
    }

    /** What the transport may ask of this loop; a separate object so that these methods stay off EventLoop's API. */
    private final class Host implements TransportLoop {
        @Override
        public void eventsArrived() {
            stampTime();
        }

        @Override
        public void unexpectedFailure(Throwable e) {
            EventLoop.this.unexpectedFailure(e);
        }

        @Override
        public BufferPool pool() {
            return pool;
        }

        @Override
        public int index() {
            return index;
        }
    }

    /** The buffer a readiness transport's connections read into, one at a time; loop thread only. */
    ByteBuffer readBuffer() {
        ByteBuffer b = readBuffer;
        if (b == null) {
            b = readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
        }
        return b;
    }

    void start() {
        thread.start();
    }

    /** True when the calling thread is this loop's thread. */
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
            transport.wakeup();
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

    /** This loop's buffer pool. It has no locks: use it on this loop only (see {@link #inLoop()}). */
    public BufferPool pool() {
        return pool;
    }

    /**
     * This loop's value for {@code key}, made by the key's supplier on the first call (see {@link LoopLocal}).
     *
     * @param key the value's key
     * @param <T> the value's type
     * @return the value, never null
     * @throws IllegalStateException when called from another thread than this loop's
     */
    @SuppressWarnings("unchecked")
    public <T> T local(LoopLocal<T> key) {
        checkInLoop();
        Object[] l = locals;
        if (key.index < l.length && l[key.index] != null) {
            return (T) l[key.index];
        }
        if (key.index >= l.length) {
            locals = l = java.util.Arrays.copyOf(l, key.index + 1);
        }
        T value = key.initialValue();
        l[key.index] = value;
        return value;
    }

    /**
     * Takes over an accepted socket (from any thread; in the form of this server's transport): its connection is
     * opened on this loop.
     */
    void register(Object socket) {
        execute(() -> {
            NioConnection c = new NioConnection(this);
            Object handle;
            try {
                handle = transport.register(socket, c);
            } catch (IOException | RuntimeException e) {
                server.counters.connectionRefusedAfterAccept();
                transport.closeAccepted(socket);
                return;
            }
            c.opened(handle);
        });
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                long timeout = timers.isEmpty() ? 0 : timers.millisToNextTick(System.nanoTime());
                timeFresh = false;
                transport.poll(tasks.isEmpty() ? timeout : -1);
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
        } catch (IOException | RuntimeException | Error e) { // the transport failed (ClosedSelectorException too)
            if (!stopping) {
                server.loopFailed(this, e);
            }
        } finally {
            try {
                closeAll();
            } finally {
                server.loopTerminated(this);
            }
        }
    }

    /** Called by the transport for each event: the clock is read once per wake-up, for timers and activity. */
    void stampTime() {
        if (!timeFresh) {
            nowNanos = System.nanoTime();
            timeFresh = true;
        }
    }

    /** A failure no connection handled: logged (rate-limited), and the loop goes on serving the others. */
    void unexpectedFailure(Throwable e) {
        failureLog.log(System.Logger.Level.ERROR, "unexpected failure on " + thread.getName(), e);
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

    /** Connections owned by this loop, as the transport knows them (no extra registry to keep). */
    List<NioConnection> connections() {
        List<SocketEvents> all = transport.connections();
        List<NioConnection> list = new java.util.ArrayList<>(all.size());
        for (SocketEvents c : all) {
            list.add((NioConnection) c);
        }
        return list;
    }

    void stop() {
        stopping = true;
        transport.wakeup();
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    private void closeAll() {
        Runnable t;
        while ((t = tasks.poll()) != null) {
            safeRun(t);
        }
        transport.closeAll();
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
