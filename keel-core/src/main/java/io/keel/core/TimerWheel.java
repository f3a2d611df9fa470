package io.keel.core;

/**
 * A hashed timer wheel owned by one event loop (no locks, no thread per timeout). Resolution is one tick;
 * a task fires on the first tick at or after its deadline. Timers far in the future wait out whole rotations
 * in their bucket, so scheduling and cancelling are O(1) whatever the delay.
 */
final class TimerWheel {
    private static final int WHEEL_SIZE = 512; // power of two
    private final long tickNanos;
    private final Task[] buckets = new Task[WHEEL_SIZE];
    private final long startNanos;
    private long currentTick;
    private int size;

    TimerWheel(long tickNanos, long nowNanos) {
        this.tickNanos = tickNanos;
        this.startNanos = nowNanos;
    }

    final class Task implements Timer {
        final Runnable action;
        long deadlineTick;
        Task prev, next;
        boolean scheduled;

        Task(Runnable action) {
            this.action = action;
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

    /** (Re)arms a task; reusing one node per connection keeps idle timeouts allocation-free. */
    void reschedule(Task t, long delayNanos, long nowNanos) {
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

    private void unlink(Task t) {
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
            Task t = buckets[i];
            while (t != null) {
                Task next = t.next;
                if (t.deadlineTick <= currentTick) {
                    unlink(t);
                    runner.accept(t.action);
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
