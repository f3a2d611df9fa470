package io.keel.core;

/**
 * What a {@link Transport} may ask of the event loop that owns it. Part of the transport SPI: the loop hands one to
 * {@link TransportProvider#open}.
 */
public interface TransportLoop {

    /**
     * Events arrived: the loop reads its clock now (once per wake-up) for timers and activity. Call before
     * delivering the first event of a {@link Transport#poll}.
     */
    void eventsArrived();

    /**
     * An event's callback failed with something no connection handled: logged (rate-limited), and the loop goes on
     * serving the other connections. The transport catches per event and calls this, so that one connection's
     * failure never ends the loop.
     *
     * @param e what was thrown
     */
    void unexpectedFailure(Throwable e);

    /**
     * The loop's buffer pool ({@link BufferPool#CHUNK_SIZE} direct chunks, no locks: loop thread only).
     *
     * @return the pool; the transport gives back every chunk it takes
     */
    BufferPool pool();

    /**
     * The loop's index in its server, 0 to the number of I/O threads - 1, for thread and log names.
     *
     * @return the index
     */
    int index();
}
