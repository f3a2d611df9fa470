package io.keel.core;

/** A scheduled task on an event loop's timer wheel. */
public interface Timer {
    /** Cancels the task if it has not run; returns true if it was cancelled by this call. */
    boolean cancel();
}
