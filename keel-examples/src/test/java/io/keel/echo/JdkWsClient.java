package io.keel.echo;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's own WebSocket client ({@code java.net.http}) with a listener that reassembles messages and records
 * each part as it arrives, so tests can see both whole messages and streaming fragments.
 */
final class JdkWsClient implements WebSocket.Listener, AutoCloseable {
    /** One part as delivered by the JDK client: a String or a byte[]; {@code last} ends the message. */
    record Part(Object data, boolean last) {
    }

    record Close(int code, String reason) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    final BlockingQueue<Part> parts = new LinkedBlockingQueue<>();
    final CompletableFuture<Close> closed = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
    final WebSocket ws;

    JdkWsClient(int port) throws Exception {
        ws = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
            .buildAsync(URI.create("ws://127.0.0.1:" + port + "/echo"), this)
            .get(10, TimeUnit.SECONDS);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        parts.add(new Part(data.toString(), last));
        text.append(data);
        if (last) {
            messages.add(text.toString());
            text.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        parts.add(new Part(b, last));
        binary.writeBytes(b);
        if (last) {
            messages.add(binary.toByteArray());
            binary.reset();
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Close(statusCode, reason));
        return null; // the JDK then answers with the same close
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
        messages.add(error);
    }

    /** The next whole message (String or byte[]), within 15 s. */
    Object nextMessage() throws Exception {
        Object m = messages.poll(15, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no message within 15 s");
        }
        if (m instanceof Throwable t) {
            throw new AssertionError("client error", t);
        }
        return m;
    }

    Part nextPart() throws Exception {
        Part p = parts.poll(15, TimeUnit.SECONDS);
        if (p == null) {
            throw new AssertionError("no message part within 15 s");
        }
        return p;
    }

    Close awaitClose() throws Exception {
        return closed.get(15, TimeUnit.SECONDS);
    }

    void sendText(CharSequence s, boolean last) throws Exception {
        ws.sendText(s, last).get(15, TimeUnit.SECONDS);
    }

    void sendBinary(byte[] b, boolean last) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(b), last).get(15, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        ws.abort();
    }
}
