package io.keel.websocket.protocol.deflate;

import java.util.List;

/**
 * The server side of permessage-deflate negotiation (RFC 7692 sections 5 and 7.1): picks the first acceptable
 * offer of the client's {@code Sec-WebSocket-Extensions} headers and writes the answer. Stateless apart from the
 * {@link DeflateMemoryBudget}; safe from any thread.
 *
 * <p>An offer is declined (the next one is tried) when it repeats a parameter, has an unknown one, gives
 * {@code server_no_context_takeover} or {@code client_no_context_takeover} a value, gives
 * {@code server_max_window_bits} no value, or a window size outside 8..15 (section 7.1: each is an invalid offer).
 * The JDK's {@link java.util.zip.Deflater} compresses with a 15-bit window only, so an offer with
 * {@code server_max_window_bits} below 15 is declined too: Keel never accepts a window it cannot honour
 * (section 7.1.2.1). {@code client_max_window_bits} (with or without a value) only limits the client's window;
 * the 15-bit {@link java.util.zip.Inflater} reads any smaller one, so it is accepted and not answered.
 */
public final class PerMessageDeflateNegotiator {
    /** The extension's registered name (RFC 7692 section 7). */
    public static final String NAME = "permessage-deflate";

    private final PerMessageDeflateConfig cfg;
    private final DeflateMemoryBudget budget;
    private final DeflateStats stats;

    /**
     * @param cfg the server's settings; with {@link DeflateMode#OFF} every offer is declined
     * @param budget the dedicated codecs' memory budget ({@link DeflateMode#DEDICATED} only)
     * @param stats counts what was negotiated
     */
    public PerMessageDeflateNegotiator(PerMessageDeflateConfig cfg, DeflateMemoryBudget budget, DeflateStats stats) {
        this.cfg = cfg;
        this.budget = budget;
        this.stats = stats;
    }

    /** The settings given at construction. */
    public PerMessageDeflateConfig config() {
        return cfg;
    }

    /** The dedicated codecs' budget given at construction. */
    public DeflateMemoryBudget budget() {
        return budget;
    }

    /** The counters given at construction. */
    public DeflateStats stats() {
        return stats;
    }

    /**
     * Answers the offers. In {@link DeflateMode#DEDICATED} a connection within the budget reserves its share of it
     * here (give it back with {@link DeflateMemoryBudget#release()} when it closes).
     *
     * @param headerValues the request's {@code Sec-WebSocket-Extensions} values, one per header line
     * @return the agreement, or null to decline (no permessage-deflate on this connection)
     */
    public DeflateAgreement negotiate(List<String> headerValues) {
        if (cfg.mode() == DeflateMode.OFF || headerValues.isEmpty()) {
            return null;
        }
        for (ExtensionOffer offer : ExtensionOffer.parse(headerValues)) {
            if (!offer.wellFormed() || !offer.name().equalsIgnoreCase(NAME)) {
                continue;
            }
            Offer o = Offer.check(offer.params());
            if (o == null) {
                continue;
            }
            if (cfg.mode() == DeflateMode.DEDICATED && budget.tryReserve()) {
                stats.dedicated.increment();
                return new DeflateAgreement(true, o.serverNoTakeover, o.clientNoTakeover, NAME
                    + (o.serverNoTakeover ? "; server_no_context_takeover" : "")
                    + (o.clientNoTakeover ? "; client_no_context_takeover" : ""));
            }
            stats.shared.increment();
            return DeflateAgreement.SHARED;
        }
        return null;
    }

    /** An offer's parameters, checked (RFC 7692 section 7.1). */
    private static final class Offer {
        boolean serverNoTakeover;
        boolean clientNoTakeover;
        int serverMaxWindowBits = 15;
        boolean clientMaxWindowBitsSeen;

        /** The offer's settings, or null when it is invalid or asks for what the JDK codec cannot do. */
        static Offer check(List<ExtensionOffer.Param> params) {
            Offer o = new Offer();
            boolean serverBitsSeen = false;
            for (ExtensionOffer.Param p : params) {
                String v = p.value();
                switch (p.name().toLowerCase(java.util.Locale.ROOT)) {
                    case "server_no_context_takeover" -> {
                        if (o.serverNoTakeover || v != null) {
                            return null;
                        }
                        o.serverNoTakeover = true;
                    }
                    case "client_no_context_takeover" -> {
                        if (o.clientNoTakeover || v != null) {
                            return null;
                        }
                        o.clientNoTakeover = true;
                    }
                    case "server_max_window_bits" -> {
                        if (serverBitsSeen || windowBits(v) < 0) {
                            return null;
                        }
                        serverBitsSeen = true;
                        o.serverMaxWindowBits = windowBits(v);
                    }
                    case "client_max_window_bits" -> {
                        if (o.clientMaxWindowBitsSeen || (v != null && windowBits(v) < 0)) {
                            return null;
                        }
                        o.clientMaxWindowBitsSeen = true;
                    }
                    default -> {
                        return null;
                    }
                }
            }
            return o.serverMaxWindowBits < 15 ? null : o; // a smaller window than the JDK's Deflater has
        }

        /** 8..15 written as RFC 7692 section 7.1.2 allows ({@code 1*DIGIT} without a leading zero), else -1. */
        static int windowBits(String v) {
            if (v == null || v.isEmpty() || v.length() > 2 || v.charAt(0) == '0') {
                return -1;
            }
            int n = 0;
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                n = n * 10 + (c - '0');
            }
            return n >= 8 && n <= 15 ? n : -1;
        }
    }
}
