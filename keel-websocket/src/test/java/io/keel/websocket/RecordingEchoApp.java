package io.keel.websocket;

import io.keel.core.SendStatus;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An echo application (messages, and fragments when streaming) that records opens and closes for assertions. */
class RecordingEchoApp implements WebSocketHandler {
    record Closed(WebSocket ws, int code, String reason) {
    }

    final BlockingQueue<WebSocket> opened = new LinkedBlockingQueue<>();
    final BlockingQueue<Closed> closed = new LinkedBlockingQueue<>();

    @Override
    public void onOpen(WebSocket ws) {
        opened.add(ws);
    }

    @Override
    public void onText(WebSocket ws, ByteBuffer utf8) {
        check(ws.sendText(utf8));
    }

    @Override
    public void onBinary(WebSocket ws, ByteBuffer data) {
        check(ws.sendBinary(data));
    }

    @Override
    public void onFragment(WebSocket ws, ByteBuffer data, boolean text, boolean first, boolean last) {
        check(ws.sendFragment(data, text, first, last));
    }

    @Override
    public void onClose(WebSocket ws, int code, String reason) {
        closed.add(new Closed(ws, code, reason));
    }

    private static void check(SendStatus s) {
        if (s == SendStatus.DROPPED) {
            throw new IllegalStateException("echo dropped");
        }
    }

    /** The next close reported to the application, within 10 s. */
    Closed nextClose() throws InterruptedException {
        Closed c = closed.poll(10, TimeUnit.SECONDS);
        if (c == null) {
            throw new AssertionError("the application saw no onClose within 10 s");
        }
        return c;
    }

}
