package io.keel.echo;

import io.keel.core.SendStatus;
import io.keel.websocket.WebSocket;
import io.keel.websocket.WebSocketHandler;
import java.nio.ByteBuffer;

/**
 * Echoes every message with its opcode, on every protocol version. In streaming mode each fragment goes back as
 * it arrives, so no message is ever held whole. A client that does not read its echoes is not read either.
 */
public final class WebSocketEchoHandler implements WebSocketHandler {

    @Override
    public void onText(WebSocket ws, ByteBuffer utf8) {
        slowDownIfNeeded(ws, ws.sendText(utf8));
    }

    @Override
    public void onBinary(WebSocket ws, ByteBuffer data) {
        slowDownIfNeeded(ws, ws.sendBinary(data));
    }

    @Override
    public void onFragment(WebSocket ws, ByteBuffer data, boolean text, boolean first, boolean last) {
        slowDownIfNeeded(ws, ws.sendFragment(data, text, first, last));
    }

    @Override
    public void onDrain(WebSocket ws) {
        ws.resumeReading();
    }

    private static void slowDownIfNeeded(WebSocket ws, SendStatus status) {
        if (status == SendStatus.BACKPRESSURE) {
            ws.pauseReading();
        } else if (status == SendStatus.DROPPED && ws.isOpen()) {
            // the queue limit was reached although we pause at the high watermark: a message would be lost
            ws.close(1008, "send queue full");
        }
    }
}
