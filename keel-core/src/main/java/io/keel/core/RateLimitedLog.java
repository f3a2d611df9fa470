package io.keel.core;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs at most one message per interval and counts the ones it held back, so an attack cannot flood the log.
 */
public final class RateLimitedLog {
    private final System.Logger logger;
    private final long intervalNanos;
    private final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    /**
     * @param logger where the messages go
     * @param intervalMillis the minimum time between two logged messages, in milliseconds; not validated (0 or less
     *     logs every message)
     */
    public RateLimitedLog(System.Logger logger, long intervalMillis) {
        this.logger = logger;
        this.intervalNanos = intervalMillis * 1_000_000;
    }

    /**
     * Logs {@code message} unless a message was logged less than the interval ago; then it only counts it, and the
     * next message logged says how many were suppressed. Safe from any thread, lock-free: of two threads that race
     * for the same slot, one logs and the other is counted. Never throws: a failure of the logger itself is swallowed,
     * since a log line is not worth the event loop that called it.
     *
     * @param level the level to log at
     * @param message the text
     * @param error logged with its stack trace; may be null
     */
    public void log(System.Logger.Level level, String message, Throwable error) {
        long now = System.nanoTime();
        long next = nextAllowed.get();
        if ((next != Long.MIN_VALUE && now - next < 0) || !nextAllowed.compareAndSet(next, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return;
        }
        long held = suppressed.getAndSet(0);
        String text = held > 0 ? message + " (" + held + " similar messages suppressed)" : message;
        try {
            if (error != null) {
                logger.log(level, text, error);
            } else {
                logger.log(level, text);
            }
        } catch (Throwable loggingFailed) {
            // logging can fail exactly when things go wrong (no file descriptor left to load its configuration):
            // a log line is never worth the event loop that called it
        }
    }
}
