package io.keel.echo;

import io.keel.websocket.WebSocket;
import io.keel.websocket.WebSocketHandler;
import java.nio.ByteBuffer;

/**
 * Echoes every message with its opcode, on every protocol version: one send per message. In streaming mode each
 * fragment goes back as it arrives, so no message is ever held whole. The layer's default backpressure policy
 * ({@link io.keel.websocket.BackpressurePolicy#PAUSE_READING}) does the rest: a client that does not read its
 * echoes is not read either, and nothing it sent before is lost.
 */
public final class WebSocketEchoHandler implements WebSocketHandler {

    @Override
    public void onText(WebSocket ws, ByteBuffer utf8) {
        ws.sendText(utf8);
    }

    @Override
    public void onBinary(WebSocket ws, ByteBuffer data) {
        ws.sendBinary(data);
    }

    @Override
    public void onFragment(WebSocket ws, ByteBuffer data, boolean text, boolean first, boolean last) {
        ws.sendFragment(data, text, first, last);
    }
}
