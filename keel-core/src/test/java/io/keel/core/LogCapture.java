package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what Keel logs (its System.Loggers go to java.util.logging, under the {@code io.keel} logger) while a test
 * runs, so that the test can assert that the server logged no error. Shared by the modules' tests (keel-core's
 * test-jar). Use in try-with-resources or close it in an {@code @AfterEach}.
 */
public final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger; // a strong reference: java.util.logging holds its loggers weakly
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(String name) {
        logger = Logger.getLogger(name);
        setLevel(Level.ALL);
        logger.addHandler(this);
    }

    /** Starts recording every record of the {@code io.keel} loggers. */
    public static LogCapture start() {
        return new LogCapture("io.keel");
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    /**
     * The records that report an error: level SEVERE (System.Logger's ERROR), or WARNING and above with an
     * exception attached (a failure, a bug). A WARNING without an exception (a rate-limited note that a peer was
     * given up on, say) is not one.
     */
    public List<LogRecord> errors() {
        return records.stream()
            .filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue()
                || (r.getLevel().intValue() >= Level.WARNING.intValue() && r.getThrown() != null))
            .toList();
    }

    /** Every record at {@code level} or above. */
    public List<LogRecord> atLeast(Level level) {
        return records.stream().filter(r -> r.getLevel().intValue() >= level.intValue()).toList();
    }

    /** Fails, listing them, when an error was logged (see {@link #errors()}). */
    public void assertNoErrors() {
        List<LogRecord> e = errors();
        assertThat(e).as("errors logged by the server: %s", describe(e)).isEmpty();
    }

    public static String describe(List<LogRecord> rs) {
        StringBuilder b = new StringBuilder();
        for (LogRecord r : rs) {
            b.append("\n  ").append(r.getLevel()).append(' ').append(r.getLoggerName()).append(": ").append(r.getMessage());
            if (r.getThrown() != null) {
                b.append(" -- ").append(r.getThrown());
                StackTraceElement[] st = r.getThrown().getStackTrace();
                for (int i = 0; i < Math.min(5, st.length); i++) {
                    b.append("\n      at ").append(st[i]);
                }
            }
        }
        return b.toString();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
