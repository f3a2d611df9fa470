package io.keel.core;

import java.util.concurrent.atomic.AtomicInteger;

/** At most N concurrent connections. */
public final class MaxConnectionsLimiter implements ConnectionLimiter {
    static final MaxConnectionsLimiter UNLIMITED = new MaxConnectionsLimiter(Integer.MAX_VALUE);

    private final int max;
    private final AtomicInteger current = new AtomicInteger();

    /**
     * @param max the most connections served at a time; {@link Integer#MAX_VALUE} means no limit (nothing is then
     *     counted, and {@link #current()} stays 0)
     * @throws IllegalArgumentException when {@code max} &lt; 1
     */
    public MaxConnectionsLimiter(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max connections must be at least 1, got " + max);
        }
        this.max = max;
    }

    @Override
    public boolean tryAcquire() {
        if (max == Integer.MAX_VALUE) {
            return true;
        }
        for (;;) {
            int c = current.get();
            if (c >= max) {
                return false;
            }
            if (current.compareAndSet(c, c + 1)) {
                return true;
            }
        }
    }

    @Override
    public void release() {
        if (max != Integer.MAX_VALUE) {
            current.decrementAndGet();
        }
    }

    /** The limit given to the constructor. */
    public int max() {
        return max;
    }

    /** Connections holding a slot now (acquired and not yet released); a snapshot. Always 0 without a limit. */
    public int current() {
        return current.get();
    }
}
