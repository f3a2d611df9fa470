package io.keel.websocket;

import io.keel.core.Connection;
import io.keel.core.SendStatus;
import io.keel.core.UserDataKey;
import io.keel.websocket.http.HttpRequest;
import io.keel.websocket.protocol.ProtocolVersion;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;

/**
 * One WebSocket as the application sees it, whatever the protocol version. Like its connection it belongs to one
 * event loop, which runs every {@link WebSocketHandler} callback for it.
 *
 * <h2>Threads</h2>
 * The methods that send, close, ping, pause, resume, subscribe or publish are safe from any thread (a broadcast
 * from one client's callback to clients on other loops is the common case). On the owning loop they run at once;
 * from another thread the payload is copied, and the call is handed to the loop and runs there in the order that
 * thread made it. A send handed over returns {@code QUEUED}, {@code BACKPRESSURE} (then {@link
 * WebSocketHandler#onDrain} follows once) or {@code DROPPED} (closing, or the queue limit is reached), never
 * {@code SENT}. Argument errors (an invalid close code, a ping over 125 bytes, binary data on Hixie-76) are
 * thrown to the caller on either thread. The other methods ({@link #get}, {@link #attach}...) are loop only.
 *
 * <h2>Sends</h2>
 * Sends return the core's {@link SendStatus}. With the default {@link BackpressurePolicy#PAUSE_READING} the layer
 * slows a client down itself, so an application may ignore the status; {@code DROPPED} means the message was not
 * sent (the WebSocket is closing, or its queue is full, in which case the client is closed with 1008). A send
 * never keeps the caller's buffer: its bytes are written or copied before it returns, and its position is not
 * moved.
 */
public interface WebSocket {

    /**
     * Sends a text message as one frame (RFC 6455 section 5.6; Hixie-76 section 4.2 on that version).
     *
     * @param utf8 the message, from position to limit; must be valid UTF-8 (not checked again). Not kept and its
     *     position not moved: the bytes are written or copied before this returns
     * @return what became of it (see the class comment); {@code DROPPED} once our close is sent or before the
     *     upgrade
     * @throws IllegalStateException on the loop, while a message of ours is being sent in fragments
     *     ({@link #sendFragment} has not sent its last fragment)
     * @throws NullPointerException when {@code utf8} is null
     */
    SendStatus sendText(ByteBuffer utf8);

    /**
     * Sends a text message as one frame: {@code text} encoded as UTF-8 first (allocates; use
     * {@link #sendText(ByteBuffer)} on a hot path).
     *
     * @param text the message; unpaired surrogates become {@code ?}
     * @return as {@link #sendText(ByteBuffer)}
     * @throws IllegalStateException as {@link #sendText(ByteBuffer)}
     * @throws NullPointerException when {@code text} is null
     */
    SendStatus sendText(CharSequence text);

    /**
     * Sends a binary message as one frame (RFC 6455 section 5.6).
     *
     * @param data the message, from position to limit; not kept and its position not moved
     * @return what became of it (see the class comment)
     * @throws IllegalArgumentException on Hixie-76, which has no binary frames, when {@code data} is not valid
     *     UTF-8 (valid UTF-8 is sent as a text frame)
     * @throws IllegalStateException on the loop, while a message of ours is being sent in fragments
     * @throws NullPointerException when {@code data} is null
     */
    SendStatus sendBinary(ByteBuffer data);

    /**
     * Sends one fragment of a message (RFC 6455 section 5.4; on Hixie-76 the pieces make one text frame), for
     * messages streamed as they are produced. Parameters in the order of
     * {@link WebSocketHandler#onFragment}'s. Published messages for this WebSocket wait until the last fragment.
     *
     * @param data this fragment, from position to limit (may be empty); not kept and its position not moved
     * @param text the message is text (its fragments together valid UTF-8, not checked) or binary; read on the
     *     first fragment only
     * @param first this fragment starts a message
     * @param last this fragment ends it
     * @return what became of it (see the class comment); a {@code DROPPED} fragment may be sent again
     * @throws IllegalStateException on the loop, when {@code first} does not match the state (a message is, or
     *     is not, being sent in fragments)
     * @throws IllegalArgumentException for a binary fragment on Hixie-76
     * @throws NullPointerException when {@code data} is null
     */
    SendStatus sendFragment(ByteBuffer data, boolean text, boolean first, boolean last);

    /**
     * Sends a ping (RFC 6455 section 5.5.2); the client's pong arrives at {@link WebSocketHandler#onPong}. A
     * control frame: never refused for the data queue limit, but a client that does not read gets at most 64
     * pings and pongs past its limit before it is aborted.
     *
     * @param payload at most 125 bytes, from position to limit (may be empty); not kept, position not moved
     * @return what became of it; {@code DROPPED} on Hixie-76 (it has no ping), before the upgrade or once closing
     * @throws IllegalArgumentException when the payload is over 125 bytes
     * @throws NullPointerException when {@code payload} is null
     */
    SendStatus ping(ByteBuffer payload);

    /**
     * Starts the close handshake (RFC 6455 sections 5.5.1 and 7.1.2): sends a close frame, which goes out after
     * the messages already sent and is never refused for the data queue limit. The connection closes when the
     * client answers, or after the close timeout ({@link WebSocketProtocolHandler.Builder#closeTimeout}); then
     * {@link WebSocketHandler#onClose} reports this code, unless the client's close came first. Does nothing when
     * a close was already sent. On Hixie-76 the close frame carries no code (the code is still checked and
     * reported); before the upgrade the connection is simply closed.
     *
     * @param code 1000-1003, 1007-1014 or 3000-4999 ({@link io.keel.websocket.protocol.CloseCodes}; RFC 6455
     *     section 7.4)
     * @param reason at most 123 UTF-8 bytes (RFC 6455 section 5.5: a control payload is at most 125 bytes, two of
     *     them the code); null or empty for none
     * @throws IllegalArgumentException for another code or a longer reason, on any thread
     */
    void close(int code, String reason);

    /** Starts the close handshake with 1000 (normal closure) and no reason; see {@link #close(int, String)}. */
    void close();

    /**
     * Closes the TCP connection at once, without a close handshake (RFC 6455 section 7.1.1's "close the
     * connection"): what is queued is discarded and {@link WebSocketHandler#onClose} reports 1006 unless a close
     * frame was already exchanged. Safe from any thread; does nothing once closed.
     */
    default void terminate() {
        connection().abort();
    }

    /**
     * True from the upgrade until a close frame is sent or received or the connection closes: sends are then
     * still possible. A snapshot when called off the loop.
     */
    boolean isOpen();

    /** The protocol version the client's upgrade asked for (detected per connection); null before the upgrade. */
    ProtocolVersion version();

    /**
     * The upgrade request (headers and all) this WebSocket was opened with: available during
     * {@link WebSocketHandler#onOpen} only, then null, so that idle WebSockets keep no headers. Copy what you
     * need in onOpen (into {@link #attach} or {@link #set}).
     */
    HttpRequest request();

    /**
     * The request path of the upgrade (without the query), kept for the WebSocket's whole life; for an absolute-form
     * request ({@code GET ws://host/chat}) the URI's path ({@code /chat}, RFC 9112 section 3.2.2).
     */
    String path();

    /**
     * The subprotocol chosen at the upgrade ({@code Sec-WebSocket-Protocol}, RFC 6455 section 4.2.2) by
     * {@link WebSocketProtocolHandler.Builder#subprotocols}, or null when none was.
     */
    String subprotocol();

    /**
     * The {@code Sec-WebSocket-Extensions} the server answered (RFC 6455 section 9.1), e.g.
     * {@code permessage-deflate; server_no_context_takeover; client_no_context_takeover} (RFC 7692); empty when
     * none was negotiated, null before the upgrade.
     */
    default String extensions() {
        return "";
    }

    /**
     * Which side started the end of this WebSocket, for logs: meant for {@link WebSocketHandler#onClose}, where it
     * goes with the close code. Loop only.
     *
     * @return {@link CloseInitiator#CLIENT}, {@link CloseInitiator#SERVER} or {@link CloseInitiator#ABORT}
     *     (no close handshake: 1006); null while no close has started
     */
    CloseInitiator closeInitiator();

    /**
     * The client's address (IP and port): the socket's peer, or the client's address from a PROXY protocol header
     * when the server reads them ({@link io.keel.core.ProxyProtocolConfig}); never null.
     */
    default InetSocketAddress remoteAddress() {
        return connection().remoteAddress();
    }

    /** True when the connection is TLS (wss://). */
    default boolean isSecure() {
        return connection().isSecure();
    }

    /**
     * Bytes accepted by a send and not yet written to the socket (frame headers included), as the browser API's
     * {@code bufferedAmount}; a snapshot when called off the loop.
     */
    default long bufferedAmount() {
        return connection().queuedBytes();
    }

    /**
     * Delivers nothing further (not even a message already received) until {@link #resumeReading()}, and stops
     * reading from the client (TCP backpressure to it). Safe from any thread;
     * pausing twice is pausing once.
     */
    void pauseReading();

    /**
     * Ends a {@link #pauseReading()}: delivery starts again with what was already received, then reading. Reading
     * stays paused while the layer itself holds this client back ({@link BackpressurePolicy#PAUSE_READING}).
     * Safe from any thread.
     */
    void resumeReading();

    /**
     * Subscribes this WebSocket to {@code topic} (publish/subscribe within one {@link WebSocketProtocolHandler}):
     * it then gets every message published to it, until {@link #unsubscribe} or its close. Subscribing twice is
     * subscribing once; a WebSocket whose connection is closing is not subscribed. Safe from any thread.
     *
     * @param topic any string, compared with {@code equals}
     * @throws NullPointerException when {@code topic} is null
     */
    void subscribe(String topic);

    /**
     * Ends a subscription; does nothing when this WebSocket is not subscribed to {@code topic}. Safe from any
     * thread.
     */
    void unsubscribe(String topic);

    /**
     * Publishes a message to every WebSocket subscribed to {@code topic} on this layer, this one included when it
     * is subscribed; the same as {@link WebSocketProtocolHandler#publish}. The message is framed once per wire
     * format and each event loop delivers it to its own subscribers, in publish order per publishing thread. A
     * subscriber whose queue is full is closed with 1008 (see {@link BackpressurePolicy}) and never holds back the
     * others. Safe from any thread.
     *
     * @param topic the topic; a topic without subscribers drops the message (counted as published)
     * @param message from position to limit; copied before this returns (position not moved)
     * @param text a text message (valid UTF-8, not checked again) or a binary one (Hixie-76 subscribers get
     *     binary messages that are valid UTF-8 as text and miss the others, counted)
     * @throws NullPointerException when {@code topic} is null
     */
    void publish(String topic, ByteBuffer message, boolean text);

    /**
     * Runs {@code task} on this WebSocket's event loop: at once when called there, else handed over and run in
     * this thread's call order. Safe from any thread.
     */
    default void execute(Runnable task) {
        connection().execute(task);
    }

    /**
     * Runs {@code work} off the event loop (on a virtual thread) and hands its result to {@code then} on the
     * loop. Work offloaded for one WebSocket runs one task at a time and its results arrive in submission order,
     * so message order is kept. {@code then} is not called once the connection has closed; when {@code work}
     * throws, the error is logged and the WebSocket closed with 1011 (RFC 6455 section 7.4.1). Loop only.
     *
     * @param work the slow part (blocking I/O, a database call); may block
     * @param then gets this WebSocket and the result, on the loop
     */
    <T> void offload(Callable<T> work, BiConsumer<WebSocket, T> then);

    /**
     * Per-WebSocket user data, typed: the value stored under {@code key}, or null. Loop only.
     *
     * @see Connection#get
     */
    default <T> T get(UserDataKey<T> key) {
        return connection().get(key);
    }

    /** Stores {@code value} (null removes it) under {@code key} for this WebSocket's life. Loop only. */
    default <T> void set(UserDataKey<T> key, T value) {
        connection().set(key, value);
    }

    /** The application's own per-WebSocket object (one slot that costs no lookup), or null. Loop only. */
    Object attachment();

    /** Sets (or, with null, clears) the object {@link #attachment()} returns. Loop only. */
    void attach(Object attachment);

    /**
     * The underlying connection (plain or TLS), for what this interface does not offer (its local address, its
     * TLS session). Sending on it directly bypasses the WebSocket framing: don't.
     */
    Connection connection();
}
