package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.SendStatus;
import io.keel.core.UserDataKey;
import io.keel.websocket.protocol.HttpRequest;
import io.keel.websocket.protocol.ProtocolVersion;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

/**
 * One WebSocket as the application sees it, whatever the protocol version. Like its connection it belongs to one
 * event loop: call it from a {@link WebSocketHandler} callback, or from elsewhere through {@link #execute}.
 *
 * <p>Sends return the core's {@link SendStatus}: on {@code BACKPRESSURE} stop producing for this client (for
 * example {@link #pauseReading()}) until {@link WebSocketHandler#onDrain}; {@code DROPPED} means the message was
 * not sent (the per-connection queue is full, or the WebSocket is closing).
 */
public interface WebSocket {

    /** Sends a text message; {@code utf8} must be valid UTF-8. The buffer may be reused once this returns. */
    SendStatus sendText(ByteBuffer utf8);

    /** Sends a text message (encodes the string; allocates). */
    SendStatus sendText(CharSequence text);

    /** Sends a binary message (Hixie-76 has no binary frames: valid UTF-8 is sent as text, anything else refused). */
    SendStatus sendBinary(ByteBuffer data);

    /** Sends one fragment of a message (streaming): {@code first} starts it, {@code last} ends it. */
    SendStatus sendFragment(ByteBuffer data, boolean text, boolean first, boolean last);

    /** Sends a ping (HyBi versions only; false on Hixie-76 or once closing). */
    boolean ping(ByteBuffer payload);

    /** Starts the close handshake with a code and a reason (at most 123 UTF-8 bytes). */
    void close(int code, String reason);

    /** Starts the close handshake with 1000 (normal closure). */
    void close();

    /** Closes the TCP connection at once, without a close handshake. */
    void terminate();

    boolean isOpen();

    ProtocolVersion version();

    /**
     * The upgrade request (headers and all) this WebSocket was opened with: available during
     * {@link WebSocketHandler#onOpen} only, then null, so that idle WebSockets keep no headers. Copy what you
     * need in onOpen (into {@link #attach} or {@link #set}).
     */
    HttpRequest request();

    /** The request path of the upgrade (without the query), kept for the WebSocket's whole life. */
    String path();

    /** The subprotocol chosen at the upgrade, or null. */
    String subprotocol();

    InetSocketAddress remoteAddress();

    /** True when the connection is TLS (wss://). */
    boolean isSecure();

    /** Bytes sent but not yet written to the socket. */
    long bufferedAmount();

    void pauseReading();

    void resumeReading();

    /** Runs {@code task} on this WebSocket's event loop; safe from any thread. */
    void execute(Runnable task);

    /**
     * Runs {@code work} off the event loop (on a virtual thread) and hands its result to {@code then} on the
     * loop. Work offloaded for one WebSocket runs one task at a time and its results arrive in submission order,
     * so message order is kept.
     */
    <T> void offload(Callable<T> work, BiConsumer<WebSocket, T> then);

    <T> T get(UserDataKey<T> key);

    <T> void set(UserDataKey<T> key, T value);

    /** The application's own per-WebSocket object. */
    Object attachment();

    void attach(Object attachment);

    /** The underlying connection (plain or TLS). */
    Connection connection();
}
