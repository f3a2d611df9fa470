package io.keel.websocket;

import io.keel.websocket.protocol.ProtocolVersion;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one {@link WebSocketProtocolHandler} (from {@link WebSocketProtocolHandler#stats()}):
 * handshakes per version, refusals, messages and bytes, closes, publish/subscribe. Every counter only grows since
 * the layer was built, except {@link #open()}; each read is a sum taken at the time of the call, safe from any
 * thread and never blocking the event loops (the loops add to striped counters).
 */
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
    final LongAdder keepAlivePings = new LongAdder();
    final LongAdder pongTimeouts = new LongAdder();
    final LongAdder open = new LongAdder();
    final LongAdder sendQueueOverflows = new LongAdder();
    final LongAdder undeliverableAborts = new LongAdder();
    final LongAdder published = new LongAdder();
    final LongAdder deliveries = new LongAdder();
    final LongAdder publishDropped = new LongAdder();
    final LongAdder publishUndeliverable = new LongAdder();
    final io.keel.websocket.protocol.deflate.DeflateStats compression =
        new io.keel.websocket.protocol.deflate.DeflateStats();
    // one log each, so that an abort is not hidden behind the close that came just before it
    final io.keel.core.RateLimitedLog overflowLog = new io.keel.core.RateLimitedLog(
        System.getLogger("io.keel.websocket"), 10_000);
    final io.keel.core.RateLimitedLog abortLog = new io.keel.core.RateLimitedLog(
        System.getLogger("io.keel.websocket"), 10_000);
    // refusals are logged at most once per interval each, so an attack cannot flood the log
    final io.keel.core.RateLimitedLog refusalLog = new io.keel.core.RateLimitedLog(
        System.getLogger("io.keel.websocket"), 10_000);

    WebSocketStats() {
        for (ProtocolVersion v : ProtocolVersion.values()) {
            handshakes.put(v, new LongAdder());
        }
    }

    /**
     * Upgrades accepted for one protocol version.
     *
     * @throws NullPointerException when {@code v} is null
     */
    public long handshakes(ProtocolVersion v) {
        return handshakes.get(v).sum();
    }

    /** Upgrades accepted per protocol version, every version present (zero included); a new map per call. */
    public Map<ProtocolVersion, Long> handshakesByVersion() {
        EnumMap<ProtocolVersion, Long> m = new EnumMap<>(ProtocolVersion.class);
        handshakes.forEach((v, n) -> m.put(v, n.sum()));
        return m;
    }

    /** Upgrade requests refused with an HTTP error (400, 403, 426, 431...; RFC 6455 section 4.2.2). */
    public long handshakesRejected() {
        return handshakesRejected.sum();
    }

    /** Connections aborted because their upgrade request was not complete within the handshake timeout. */
    public long handshakeTimeouts() {
        return handshakeTimeouts.sum();
    }

    /** Plain HTTP GETs (not upgrades) answered by the {@link HttpFallback}. */
    public long httpRequests() {
        return httpRequests.sum();
    }

    /** Complete messages (or message starts, when streaming) received. */
    public long messagesIn() {
        return messagesIn.sum();
    }

    /** Bytes of message payload received (frame headers and control frames not counted). */
    public long bytesIn() {
        return bytesIn.sum();
    }

    /** Connections failed for a protocol violation (1002, 1007) or an oversized message (1009). */
    public long protocolErrors() {
        return protocolErrors.sum();
    }

    /** Connections closed with 1009 for a message over the maximum message size (also in {@link #protocolErrors()}). */
    public long messagesTooBig() {
        return messagesTooBig.sum();
    }

    /** Connections aborted because the close handshake did not finish within the close timeout. */
    public long closeTimeouts() {
        return closeTimeouts.sum();
    }

    /** Keep-alive pings sent to WebSockets quiet for the ping interval (see the builder's {@code pingInterval}). */
    public long keepAlivePings() {
        return keepAlivePings.sum();
    }

    /** WebSockets closed with 1001 "pong timeout": nothing arrived from the client within the pong timeout. */
    public long pongTimeouts() {
        return pongTimeouts.sum();
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

    /**
     * permessage-deflate (RFC 7692): compressed bytes in and out, what they were uncompressed, handshakes per mode,
     * dedicated codecs alive.
     */
    public io.keel.websocket.protocol.deflate.DeflateStats compression() {
        return compression;
    }

    /** Published binary messages a Hixie-76 subscriber missed: not valid UTF-8, and Hixie-76 has only text. */
    public long publishUndeliverable() {
        return publishUndeliverable.sum();
    }
}
