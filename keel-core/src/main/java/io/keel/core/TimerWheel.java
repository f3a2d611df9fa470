package io.keel.core;

/**
 * A hashed timer wheel owned by one event loop (no locks, no thread per timeout). Resolution is one tick;
 * a task fires on the first tick at or after its deadline. Timers far in the future wait out whole rotations
 * in their bucket, so scheduling and cancelling are O(1) whatever the delay.
 */
final class TimerWheel {
    private static final int WHEEL_SIZE = 512; // power of two
    private final long tickNanos;
    private final Node[] buckets = new Node[WHEEL_SIZE];
    private final long startNanos;
    private long currentTick;
    private int size;

    TimerWheel(long tickNanos, long nowNanos) {
        this.tickNanos = tickNanos;
        this.startNanos = nowNanos;
    }

    /**
     * What the wheel links: a deadline and the bucket's list pointers. A connection is its own idle-timeout node,
     * so the timer that every connection has costs it three fields, not a task and a lambda object.
     */
    abstract static class Node implements Runnable {
        long deadlineTick;
        Node prev, next;
        boolean scheduled;
    }

    /** A one-off or re-armed task scheduled through {@link EventLoop#schedule}. */
    final class Task extends Node implements Timer {
        final Runnable action;

        Task(Runnable action) {
            this.action = action;
        }

        @Override
        public void run() {
            action.run();
        }

        @Override
        public boolean cancel() {
            if (!scheduled) {
                return false;
            }
            unlink(this);
            return true;
        }
    }

    Task schedule(Runnable action, long delayNanos, long nowNanos) {
        Task t = new Task(action);
        reschedule(t, delayNanos, nowNanos);
        return t;
    }

    /** (Re)arms a node; reusing one node per connection keeps idle timeouts allocation-free. */
    void reschedule(Node t, long delayNanos, long nowNanos) {
        if (t.scheduled) {
            unlink(t);
        }
        long ticks = Math.max(1, (nowNanos - startNanos + Math.max(0, delayNanos) + tickNanos - 1) / tickNanos);
        t.deadlineTick = Math.max(ticks, currentTick + 1);
        int i = (int) (t.deadlineTick & (WHEEL_SIZE - 1));
        t.next = buckets[i];
        t.prev = null;
        if (t.next != null) {
            t.next.prev = t;
        }
        buckets[i] = t;
        t.scheduled = true;
        size++;
    }

    /** Takes a node off the wheel if it is on it. */
    void cancel(Node t) {
        if (t.scheduled) {
            unlink(t);
        }
    }

    private void unlink(Node t) {
        int i = (int) (t.deadlineTick & (WHEEL_SIZE - 1));
        if (t.prev != null) {
            t.prev.next = t.next;
        } else {
            buckets[i] = t.next;
        }
        if (t.next != null) {
            t.next.prev = t.prev;
        }
        t.prev = t.next = null;
        t.scheduled = false;
        size--;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Milliseconds until the next tick is due (at least 1), for the selector's timeout. */
    long millisToNextTick(long nowNanos) {
        long next = startNanos + (currentTick + 1) * tickNanos;
        return Math.max(1, (next - nowNanos + 999_999) / 1_000_000);
    }

    /** Fires every task whose deadline has passed. Tasks scheduled by a firing task wait for a later tick. */
    void advance(long nowNanos, java.util.function.Consumer<Runnable> runner) {
        long target = (nowNanos - startNanos) / tickNanos;
        while (currentTick < target && size > 0) {
            currentTick++;
            int i = (int) (currentTick & (WHEEL_SIZE - 1));
            Node t = buckets[i];
            while (t != null) {
                Node next = t.next;
                if (t.deadlineTick <= currentTick) {
                    unlink(t);
                    runner.accept(t);
                    // a fired action may have cancelled the next task in this bucket
                    if (next != null && !next.scheduled) {
                        next = buckets[i];
                    }
                }
                t = next;
            }
        }
        if (size == 0 && currentTick < target) {
            currentTick = target;
        }
    }
}
