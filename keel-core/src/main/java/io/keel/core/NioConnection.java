package io.keel.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A TCP connection owned by one {@link EventLoop}: its lifecycle (opened, input, end of input, close, failure,
 * idle timeout, server shutdown) and the interest it asks of the {@link Transport}. The send half is
 * {@link SendingConnection}'s, the plain accessors {@link AbstractConnection}'s; together they make one object.
 *
 * <p>It holds no buffer while idle: input is read into the loop's buffer, and only bytes the handler left
 * unconsumed ({@link InputRemainder}), or bytes the socket would not take ({@link OutboundQueue}), are kept here,
 * in pooled chunks that go back to the pool as soon as they are empty.
 */
final class NioConnection extends SendingConnection implements SocketEvents {
    private static final System.Logger LOG = System.getLogger(NioConnection.class.getName());

    NioConnection(EventLoop loop) {
        super(loop);
    }

    /** Registered with the transport as {@code handle}: counts the connection, arms its idle timer, onOpen. */
    void opened(Object handle) {
        this.handle = handle;
        loop.server.counters.connectionOpened();
        if ((loop.server.config.proxy != null || loop.server.config.perAddress != null) && !Admission.atAccept(this)) {
            return; // its PROXY header is awaited, or it was refused
        }
        long idle = idleTimeoutNanos;
        if (idle > 0) {
            loop.rearm(this, idle);
        }
        loop.server.counters.connectionAdmitted();
        dispatch(OPEN, null);
    }

    /**
     * Runs one handler callback, corked: the connection owns the loop's cork while it runs, so its sends leave in
     * one write when it returns. A handler that throws is counted and logged, and its connection aborted. After
     * {@code onData}, what the handler left of {@code data} is kept for the next call.
     */
    @Override
    void dispatch(byte event, ByteBuffer data) {
        Cork<SendingConnection> cork = loop.cork;
        SendingConnection outer = cork.owner();
        if (outer != null && outer != this && !cork.isEmpty()) {
            outer.flushCork(); // a callback nested in another connection's: its bytes go to its own socket first
        }
        cork.enter(this);
        try {
            switch (event) {
                case OPEN -> handler.onOpen(this);
                case DATA -> handler.onData(this, data);
                case INPUT_CLOSED -> handler.onInputClosed(this);
                case WRITABLE -> handler.onWritable(this);
                case IDLE_TIMEOUT -> handler.onIdleTimeout(this);
                case SHUTDOWN -> handler.onShutdown(this);
                default -> throw new IllegalArgumentException("no callback " + event);
            }
        } catch (RuntimeException e) {
            loop.server.counters.handlerFailed(callbackName(event), e);
            abort();
        } finally {
            if (event == DATA) {
                if (sliceLimit != 0) {
                    data.limit(sliceLimit); // a slice of the kept input (deliverInSlices): the rest is kept too
                    sliceLimit = 0;
                }
                pendingInput = InputRemainder.keepUnconsumed(data, pendingInput, loop.pool, open);
            }
            uncork(outer);
        }
    }

    private static String callbackName(byte event) {
        return switch (event) {
            case OPEN -> "onOpen";
            case DATA -> "onData";
            case INPUT_CLOSED -> "onInputClosed";
            case WRITABLE -> "onWritable";
            case IDLE_TIMEOUT -> "onIdleTimeout";
            case SHUTDOWN -> "onShutdown";
            default -> "callback " + event;
        };
    }

    private void uncork(SendingConnection outer) {
        if (loop.cork.isOwnedBy(this)) {
            flushCork();
        }
        loop.cork.leave(outer);
        if (open && outbound == null) {
            afterDrained();
        }
    }

    // ---- reading ----

    /** A readiness transport reports input (or its end): read it into the loop's buffer and hand it on. */
    @Override
    public void readable() {
        if (readPaused || inputClosed || !open) {
            return;
        }
        ByteBuffer buf = loop.readBuffer();
        buf.clear();
        int n;
        try {
            n = loop.transport.read(handle, buf);
        } catch (IOException e) {
            failed(e);
            return;
        }
        if (n < 0) {
            inputEnded();
            return;
        }
        if (n == 0) {
            return;
        }
        buf.flip();
        received(buf);
    }

    /**
     * Input, read by the transport (or by {@link #readable()}): to the PROXY header parser while it is awaited, else
     * to the handler. A completion transport may still deliver input that was in flight when reading was paused:
     * it is kept, and offered when reading resumes.
     */
    @Override
    public void received(ByteBuffer data) {
        if (inputClosed || !open) {
            return;
        }
        loop.bytesIn += data.remaining();
        lastActivityNanos = loop.nowNanos;
        if (has(NOT_OPENED)) {
            Admission.headerInput(this, data);
            return;
        }
        if (readPaused) {
            pendingInput = pendingInput == null
                ? InputRemainder.keepUnconsumed(data, null, loop.pool, true)
                : InputRemainder.append(pendingInput, data, loop.pool);
            return;
        }
        deliver(data);
    }

    @Override
    public void receiveEnded() {
        if (!inputClosed && open) {
            inputEnded();
        }
    }

    @Override
    public void receiveFailed(IOException e) {
        failed(e);
    }

    /**
     * Hands the kept remainder, followed by {@code fresh} (may be null), to onData. Without {@code fresh} (kept input
     * offered again when reading resumes) a large remainder goes a read's worth at a time, see
     * {@link #deliverInSlices()}.
     */
    void deliver(ByteBuffer fresh) {
        ByteBuffer data;
        if (pendingInput != null) {
            if (fresh != null && fresh.hasRemaining()) {
                pendingInput = InputRemainder.append(pendingInput, fresh, loop.pool);
            } else if (fresh == null && pendingInput.remaining() > EventLoop.READ_BUFFER_SIZE) {
                deliverInSlices();
                return;
            }
            data = pendingInput;
        } else {
            data = fresh;
        }
        dispatch(DATA, data);
    }

    /**
     * Kept input larger than one read (a completion transport's input that arrived while reading was paused): handed
     * over a read's worth at a time, as a readiness transport's reads would, so that a handler that pauses again, or
     * whose sends back up, is given no more. A handler that takes nothing of a slice waits for more than one read's
     * worth (a large message): it gets all that is kept.
     */
    private void deliverInSlices() {
        while (open && !readPaused && pendingInput != null) {
            ByteBuffer kept = pendingInput;
            int before = kept.remaining();
            if (before <= EventLoop.READ_BUFFER_SIZE) {
                dispatch(DATA, kept);
                return;
            }
            sliceLimit = kept.limit(); // dispatch restores it before it keeps what the handler left
            kept.limit(kept.position() + EventLoop.READ_BUFFER_SIZE);
            dispatch(DATA, kept);
            if (pendingInput != null && pendingInput.remaining() == before && open && !readPaused) {
                dispatch(DATA, pendingInput);
                return;
            }
        }
    }

    private void inputEnded() {
        if (has(NOT_OPENED)) {
            Admission.headerFailed(this, "the connection ended before its PROXY header");
            return;
        }
        inputClosed = true;
        updateInterest();
        if (has(OUTPUT_SHUT)) {
            closeNow();
            return;
        }
        dispatch(INPUT_CLOSED, null);
    }

    @Override
    public void pauseReading() {
        if (!loop.inLoop()) {
            loop.submit(this::pauseReading);
            return;
        }
        if (!readPaused) {
            readPaused = true;
            updateInterest();
        }
    }

    @Override
    public void resumeReading() {
        if (!loop.inLoop()) {
            loop.submit(this::resumeReading);
            return;
        }
        if (readPaused && open && !closeRequested) {
            readPaused = false;
            updateInterest();
            // bytes that were left while paused may already hold complete messages: offer them again
            if (pendingInput != null && !has(REDELIVER_SCHEDULED)) {
                set(REDELIVER_SCHEDULED, true);
                loop.submit(() -> {
                    set(REDELIVER_SCHEDULED, false);
                    if (open && !readPaused && pendingInput != null) {
                        deliver(null);
                    }
                });
            }
        }
    }

    @Override
    void updateInterest() {
        if (handle != null) {
            loop.transport.interest(handle, !readPaused && !inputClosed, registeredForWrite);
        }
    }

    // ---- closing ----

    @Override
    public void close() {
        if (!loop.inLoop()) {
            loop.submit(this::close);
            return;
        }
        if (!open || closeRequested) {
            return;
        }
        closeRequested = true;
        readPaused = true;
        updateInterest();
        if (!loop.cork.isOwnedBy(this) && outbound == null) {
            closeNow();
        }
        // else: closed by uncork() or writable() once everything queued is written
    }

    @Override
    public void shutdownOutput() {
        if (!loop.inLoop()) {
            loop.submit(this::shutdownOutput);
            return;
        }
        if (!open || has(SHUTDOWN_OUTPUT_REQUESTED)) {
            return;
        }
        set(SHUTDOWN_OUTPUT_REQUESTED, true);
        if (!loop.cork.isOwnedBy(this)) {
            afterDrained();
        }
    }

    @Override
    public void abort() {
        if (!loop.inLoop()) {
            loop.submit(this::abort);
            return;
        }
        if (loop.cork.isOwnedBy(this)) {
            loop.cork.reset();
        }
        closeNow();
    }

    @Override
    void failed(IOException e) {
        if (!open) {
            return;
        }
        loop.server.counters.connectionFailed();
        if (loop.cork.isOwnedBy(this)) {
            loop.cork.reset();
        }
        if (has(NOT_OPENED)) {
            closeNow(); // the handler never heard of it
            return;
        }
        try {
            handler.onError(this, e);
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "onError failed", ex);
        }
        closeNow();
    }

    @Override
    void closeNow() {
        if (!open) {
            return;
        }
        open = false;
        if (handle != null) {
            loop.transport.close(handle);
        }
        loop.cancelTimer(this);
        pendingInput = InputRemainder.release(pendingInput, loop.pool);
        if (outbound != null) {
            outbound.releaseAll();
            outbound = null;
        }
        loop.server.counters.connectionClosed();
        if (has(PER_ADDRESS_SLOT)) {
            Admission.released(this);
        }
        if (has(NOT_OPENED)) {
            return; // the handler never heard of it
        }
        try {
            handler.onClose(this);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "onClose failed", e);
        }
    }

    // ---- timers and shutdown ----

    /**
     * The idle-timeout check, or the PROXY header timeout while the header is awaited: this connection is its own
     * timer node (see TimerWheel.Node). The idle timeout is the server's, or the one a layer set for this connection
     * ({@link #idleTimeout}); only the server's is counted in the server's idle timeouts (a layer that sets its own,
     * such as the WebSocket keep-alive, counts its own).
     */
    @Override
    public void run() {
        if (!open) {
            return;
        }
        if (has(NOT_OPENED)) {
            Admission.headerTimedOut(this);
            return;
        }
        long timeout = idleTimeoutNanos;
        if (timeout <= 0) {
            return;
        }
        long idleFor = loop.nowNanos - lastActivityNanos;
        if (idleFor < timeout) {
            loop.rearm(this, timeout - idleFor);
            return;
        }
        if (!has(IDLE_TIMED_OUT) && !has(OWN_IDLE_TIMEOUT)) {
            set(IDLE_TIMED_OUT, true); // counted once, even when the handler's answer (a close) needs another period
            loop.server.counters.idleTimedOut();
        }
        dispatch(IDLE_TIMEOUT, null);
        if (open && !scheduled && idleTimeoutNanos > 0) {
            loop.rearm(this, idleTimeoutNanos); // unless the handler set a new timeout, which armed the node
        }
    }

    /** The server shuts down gracefully: onShutdown. */
    void serverShutdown() {
        if (!open) {
            return;
        }
        if (has(NOT_OPENED)) {
            closeNow();
            return;
        }
        dispatch(SHUTDOWN, null);
    }
}
