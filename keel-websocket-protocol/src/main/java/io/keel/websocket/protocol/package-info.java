/**
 * Sans-I/O WebSocket protocol: parsers and state machines that take bytes and return events and bytes, with no
 * sockets, threads or dependency on keel-core.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link io.keel.websocket.http.HttpUpgradeRequestParser} (package {@code io.keel.websocket.http}, HTTP/1
 *       apart from WebSocket framing, as h11 is apart from wsproto): bounded incremental request-head parser.</li>
 *   <li>{@link io.keel.websocket.protocol.Handshake} (rules, stateless) and
 *       {@link io.keel.websocket.protocol.Handshaker} (per connection, incremental) producing a
 *       {@link io.keel.websocket.protocol.HandshakeResult}; {@link io.keel.websocket.http.HttpResponses} renders
 *       error/plain responses.</li>
 *   <li>{@link io.keel.websocket.protocol.HybiFrameDecoder} / {@link io.keel.websocket.protocol.HybiFrameEncoder}
 *       (RFC 6455 framing, used for HyBi-07/08/13) and {@link io.keel.websocket.protocol.Hixie76FrameDecoder} /
 *       {@link io.keel.websocket.protocol.Hixie76FrameEncoder}.</li>
 *   <li>{@link io.keel.websocket.protocol.WebSocketSession}: per-connection state machine tying a decoder, the
 *       encoders, the close handshake and automatic replies together.</li>
 * </ul>
 *
 * <h2>Glue outline</h2>
 * <pre>{@code
 * // on accept
 * Handshaker hs = new Handshaker(handshakeConfig);
 * // on each read, before the upgrade
 * switch (hs.receive(readBuf)) {
 *     case HandshakeResult.NeedMoreData n -> { }                        // wait for more bytes
 *     case HandshakeResult.Rejected r -> { write(r.response()); closeAfterFlush(); }
 *     case HandshakeResult.NotWebSocket p -> { write(HttpResponses.ok("text/html", page, false)); closeAfterFlush(); }
 *     case HandshakeResult.Accepted a -> {
 *         write(a.response());
 *         session = new WebSocketSession<>(a.version(), wsConfig, appListener, this::gatherWrite, loopScratch);
 *         if (a.deflate() != null) {                                     // permessage-deflate (RFC 7692)
 *             session.enableCompression(a.deflate().dedicated()
 *                 ? PerMessageDeflate.dedicated(loopDeflate, a.deflate(), stats) : loopDeflate.shared(), 256, stats);
 *         }
 *         session.receive(readBuf);                                      // bytes that followed the handshake
 *     }
 * }
 * // on each read after the upgrade
 * session.receive(readBuf);              // consumes everything; unmasks in place (readBuf must be writable)
 * if (session.isClosed()) closeAfterFlush();
 * else if (session.closeState() == CloseState.CLOSE_SENT) armCloseTimer();
 * // on TCP EOF/error
 * session.onTransportClosed();
 * if (session.compression() != null) session.compression().end();       // a dedicated codec's zlib state
 * }</pre>
 * Callbacks run synchronously inside {@code receive}; buffers handed to listeners and sinks are only valid during
 * the call. {@code receive} must not be called re-entrantly from a callback. Sessions are not thread-safe; the
 * sessions of one thread share one {@link io.keel.websocket.protocol.FrameScratch} ({@code loopScratch} above)
 * and one {@link io.keel.websocket.protocol.deflate.DeflateScratch} ({@code loopDeflate}).
 */
package io.keel.websocket.protocol;
