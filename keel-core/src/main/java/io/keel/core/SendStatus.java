package io.keel.core;

/**
 * What became of a send: the caller learns at once, without a callback or a future, whether the bytes went, wait
 * in the connection's queue, or were refused, and so whether it should slow down.
 */
public enum SendStatus {
    /** Everything was handed to the socket (or to the loop's cork buffer, flushed before the loop sleeps). */
    SENT,
    /** Part or all was queued on the connection; the queue is still under the high watermark. */
    QUEUED,
    /**
     * Queued, but the connection's queue is now over the high watermark: stop producing for this connection
     * (for example {@link Connection#pauseReading()}) until {@link ConnectionHandler#onWritable} is called.
     */
    BACKPRESSURE,
    /**
     * Refused: the queue had already reached the connection's limit (or the connection is closing), nothing
     * was queued. The limit bounds the memory a client that never reads can make the server hold.
     */
    DROPPED;

    /** True when the bytes will be delivered (sent now or queued). */
    public boolean accepted() {
        return this != DROPPED;
    }

    /**
     * The status that asks more of the caller, for a send made of several parts (SENT &lt; QUEUED &lt;
     * BACKPRESSURE &lt; DROPPED, the order of the constants).
     *
     * @param other the status of another part of the same send (not null)
     * @return this or {@code other}, whichever comes later in that order
     */
    public SendStatus worse(SendStatus other) {
        return ordinal() >= other.ordinal() ? this : other;
    }
}
