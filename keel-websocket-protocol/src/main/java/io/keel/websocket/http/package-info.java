/**
 * Sans-I/O HTTP/1.1 for the WebSocket opening handshake: the request head (request line and header block) and
 * the plain responses a WebSocket endpoint gives (errors, 426, a page), with no sockets or threads. Kept apart
 * from the WebSocket framing in {@code io.keel.websocket.protocol}, as h11 is apart from wsproto and
 * tungstenite's {@code handshake/} from its {@code protocol/}.
 *
 * <ul>
 *   <li>{@link io.keel.websocket.http.HttpUpgradeRequestParser}: bounded, incremental request-head parser (RFC 9112
 *       section 2-5), giving an {@link io.keel.websocket.http.HttpRequest} with its
 *       {@link io.keel.websocket.http.HttpHeaders}, or an {@link io.keel.websocket.http.HttpParseException} with
 *       the status to answer.</li>
 *   <li>{@link io.keel.websocket.http.HttpResponses}: renders status lines, error and plain responses.</li>
 * </ul>
 */
package io.keel.websocket.http;
