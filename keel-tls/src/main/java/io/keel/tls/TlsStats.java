package io.keel.tls;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Handshake counters of one {@link TlsServerLayer}; safe to read from any thread. */
public final class TlsStats {
    private final ConcurrentHashMap<String, LongAdder> completed = new ConcurrentHashMap<>();
    private final LongAdder failures = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder abandoned = new LongAdder();

    void completed(String protocol) {
        completed.computeIfAbsent(protocol, p -> new LongAdder()).increment();
    }

    void failed() {
        failures.increment();
    }

    void timedOut() {
        timeouts.increment();
    }

    void abandoned() {
        abandoned.increment();
    }

    /** Completed handshakes for one protocol ("TLSv1.3", "TLSv1.2"). */
    public long handshakesCompleted(String protocol) {
        LongAdder a = completed.get(protocol);
        return a == null ? 0 : a.sum();
    }

    /** Completed handshakes of all protocols together (the sum of {@link #handshakesCompletedByProtocol()}). */
    public long handshakesCompleted() {
        return completed.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Completed handshakes per protocol. */
    public Map<String, Long> handshakesCompletedByProtocol() {
        Map<String, Long> m = new TreeMap<>();
        completed.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** Handshakes that failed on a TLS error: garbage or plain HTTP, no common protocol/cipher, bad client certificate. */
    public long handshakeFailures() {
        return failures.sum();
    }

    /** Handshakes not done within the handshake timeout (the connection was aborted). */
    public long handshakeTimeouts() {
        return timeouts.sum();
    }

    /** Connections the client closed (or that failed) before the handshake completed, without a TLS error. */
    public long handshakesAbandoned() {
        return abandoned.sum();
    }

    @Override
    public String toString() {
        return "TlsStats[completed=" + handshakesCompletedByProtocol() + ", failures=" + handshakeFailures()
                + ", timeouts=" + handshakeTimeouts() + ", abandoned=" + handshakesAbandoned() + "]";
    }
}
