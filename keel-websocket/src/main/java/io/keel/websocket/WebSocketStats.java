package io.keel.websocket;

import io.keel.websocket.protocol.ProtocolVersion;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counters of a {@link WebSocketProtocolHandler}: handshakes per version, refusals, messages and bytes. */
public final class WebSocketStats {
    final EnumMap<ProtocolVersion, LongAdder> handshakes = new EnumMap<>(ProtocolVersion.class);
    final LongAdder handshakesRejected = new LongAdder();
    final LongAdder handshakeTimeouts = new LongAdder();
    final LongAdder httpRequests = new LongAdder();
    final LongAdder messagesIn = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder protocolErrors = new LongAdder();
    final LongAdder messagesTooBig = new LongAdder();
    final LongAdder closeTimeouts = new LongAdder();
    final LongAdder open = new LongAdder();
    final LongAdder sendQueueOverflows = new LongAdder();
    final LongAdder undeliverableAborts = new LongAdder();
    final LongAdder published = new LongAdder();
    final LongAdder deliveries = new LongAdder();
    final LongAdder publishDropped = new LongAdder();
    final LongAdder publishUndeliverable = new LongAdder();
    final io.keel.core.RateLimitedLog backpressureLog = new io.keel.core.RateLimitedLog(
        System.getLogger("io.keel.websocket"), 10_000);
    // refusals are logged at most once per interval each, so an attack cannot flood the log
    final io.keel.core.RateLimitedLog refusalLog = new io.keel.core.RateLimitedLog(
        System.getLogger("io.keel.websocket"), 10_000);

    WebSocketStats() {
        for (ProtocolVersion v : ProtocolVersion.values()) {
            handshakes.put(v, new LongAdder());
        }
    }

    public long handshakes(ProtocolVersion v) {
        return handshakes.get(v).sum();
    }

    public Map<ProtocolVersion, Long> handshakesByVersion() {
        EnumMap<ProtocolVersion, Long> m = new EnumMap<>(ProtocolVersion.class);
        handshakes.forEach((v, n) -> m.put(v, n.sum()));
        return m;
    }

    public long handshakesRejected() {
        return handshakesRejected.sum();
    }

    public long handshakeTimeouts() {
        return handshakeTimeouts.sum();
    }

    public long httpRequests() {
        return httpRequests.sum();
    }

    /** Complete messages (or message starts, when streaming) received. */
    public long messagesIn() {
        return messagesIn.sum();
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    /** Connections failed for a protocol violation (1002, 1007) or an oversized message (1009). */
    public long protocolErrors() {
        return protocolErrors.sum();
    }

    public long messagesTooBig() {
        return messagesTooBig.sum();
    }

    public long closeTimeouts() {
        return closeTimeouts.sum();
    }

    /** WebSockets open now. */
    public long open() {
        return open.sum();
    }

    /**
     * Clients closed with 1008 because a message to them could not be queued (their queue limit was reached:
     * they do not read); see {@link BackpressurePolicy}.
     */
    public long sendQueueOverflows() {
        return sendQueueOverflows.sum();
    }

    /** Clients aborted because not even a control frame (a close, a pong) could be queued for them any more. */
    public long undeliverableAborts() {
        return undeliverableAborts.sum();
    }

    /** Messages published (publish calls, whatever the number of subscribers). */
    public long published() {
        return published.sum();
    }

    /** Published messages queued or sent to a subscriber (one per subscriber per message). */
    public long deliveries() {
        return deliveries.sum();
    }

    /** Published messages a subscriber missed: its queue was full under {@link BackpressurePolicy#MANUAL}. */
    public long publishDropped() {
        return publishDropped.sum();
    }

    /** Published binary messages a Hixie-76 subscriber missed: not valid UTF-8, and Hixie-76 has only text. */
    public long publishUndeliverable() {
        return publishUndeliverable.sum();
    }
}
