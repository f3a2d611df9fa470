package io.keel.websocket;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Topic membership of one WebSocket, and the publishes that wait behind its own fragmented send (a published
 * message cannot be interleaved with the fragments of a message being sent, RFC 6455 section 5.4). Made on the
 * WebSocket's first subscription, so that a WebSocket that never subscribes pays nothing; loop only.
 */
final class PubSubState {
    private final TopicRegistry.LoopTopics loopTopics;
    private final List<String> topics = new ArrayList<>(2);
    private ArrayDeque<ByteBuffer> deferred;
    private ArrayDeque<Boolean> deferredText;

    PubSubState(TopicRegistry.LoopTopics loopTopics) {
        this.loopTopics = loopTopics;
    }

    void join(String topic, WebSocketConnection ws) {
        if (loopTopics.add(topic, ws)) {
            topics.add(topic);
        }
    }

    void leave(String topic, WebSocketConnection ws) {
        if (topics.remove(topic)) {
            loopTopics.remove(topic, ws);
        }
    }

    void leaveAll(WebSocketConnection ws) {
        for (String t : topics) {
            loopTopics.remove(t, ws);
        }
        topics.clear();
        deferred = null;
        deferredText = null;
    }

    void defer(ByteBuffer frame, boolean text) {
        if (deferred == null) {
            deferred = new ArrayDeque<>(4);
            deferredText = new ArrayDeque<>(4);
        }
        deferred.add(frame.duplicate());
        deferredText.add(text);
    }

    void flushDeferred(WebSocketConnection ws) {
        ByteBuffer f;
        while (deferred != null && (f = deferred.poll()) != null) {
            ws.deliverPublished(f, deferredText.poll());
        }
    }
}
