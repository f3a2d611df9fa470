package io.keel.websocket;

import io.keel.core.EventLoop;
import io.keel.core.LoopLocal;
import io.keel.websocket.protocol.WebSocketSession;
import io.keel.websocket.protocol.deflate.DeflateAgreement;
import io.keel.websocket.protocol.deflate.DeflateMemoryBudget;
import io.keel.websocket.protocol.deflate.DeflateMode;
import io.keel.websocket.protocol.deflate.DeflateScratch;
import io.keel.websocket.protocol.deflate.PerMessageDeflate;
import io.keel.websocket.protocol.deflate.PerMessageDeflateConfig;
import io.keel.websocket.protocol.deflate.PerMessageDeflateNegotiator;

/**
 * A layer's permessage-deflate (RFC 7692): the negotiator its handshakes use, and the codecs of its sessions.
 * {@link DeflateMode#SHARED} sessions use their event loop's codec and buffers ({@link DeflateScratch}, one per
 * loop, shared by every layer on it), so they hold nothing of their own; a {@link DeflateMode#DEDICATED} session
 * gets a codec whose zlib state is made at its first compressed message and freed, with its budget share, when
 * its connection closes ({@link #detach}).
 */
final class Compression {
    private static final LoopLocal<DeflateScratch> SCRATCH =
        LoopLocal.create("permessage-deflate scratch", DeflateScratch::new);

    final PerMessageDeflateConfig config;
    /** Null when compression is off: handshakes then decline every offer. */
    final PerMessageDeflateNegotiator negotiator;
    private final WebSocketStats stats;

    Compression(PerMessageDeflateConfig config, WebSocketStats stats) {
        this.config = config;
        this.stats = stats;
        this.negotiator = config.mode() == DeflateMode.OFF ? null : new PerMessageDeflateNegotiator(config,
            new DeflateMemoryBudget(config.memoryBudgetBytes()), stats.compression);
    }

    /** Turns compression on for a session whose handshake agreed {@code agreement}, on {@code loop}. */
    void attach(WebSocketSession<?> session, DeflateAgreement agreement, EventLoop loop) {
        DeflateScratch scratch = loop == null ? new DeflateScratch() : loop.local(SCRATCH);
        PerMessageDeflate codec = agreement.dedicated()
            ? PerMessageDeflate.dedicated(scratch, agreement, stats.compression) : scratch.shared();
        session.enableCompression(codec, config.threshold(), stats.compression);
    }

    /** The session's connection closed: a dedicated codec's zlib state and budget share are given back. */
    void detach(WebSocketSession<?> session) {
        PerMessageDeflate codec = session.compression();
        if (codec != null && codec.isDedicated()) {
            codec.end();
            negotiator.budget().release();
        }
    }
}
