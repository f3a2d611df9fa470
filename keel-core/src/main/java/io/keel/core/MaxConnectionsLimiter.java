package io.keel.core;

import java.util.concurrent.atomic.AtomicInteger;

/** At most N concurrent connections. */
public final class MaxConnectionsLimiter implements ConnectionLimiter {
    static final MaxConnectionsLimiter UNLIMITED = new MaxConnectionsLimiter(Integer.MAX_VALUE);

    private final int max;
    private final AtomicInteger current = new AtomicInteger();

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

    public int max() {
        return max;
    }

    public int current() {
        return current.get();
    }
}
