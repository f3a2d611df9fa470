package io.keel.chat;

import io.keel.websocket.WebSocket;
import io.keel.websocket.WebSocketHandler;
import java.nio.ByteBuffer;

/**
 * A chat room: every message from any client goes to every client connected at that moment, its sender
 * included. The layer does the rest: the topic forgets a client when it closes, the message is framed once per
 * wire format, each event loop delivers it to its own clients, and a client too slow to keep up is closed with
 * 1008 rather than holding back the others.
 */
public final class ChatHandler implements WebSocketHandler {
    /** The topic of the one room every client joins. */
    public static final String ROOM = "room";

    @Override
    public void onOpen(WebSocket ws) {
        ws.subscribe(ROOM);
    }

    @Override
    public void onText(WebSocket ws, ByteBuffer utf8) {
        ws.publish(ROOM, utf8, true); // same as the layer's publish: the sender is subscribed, so it gets it too
    }

    @Override
    public void onBinary(WebSocket ws, ByteBuffer data) {
        ws.publish(ROOM, data, false);
    }
}
