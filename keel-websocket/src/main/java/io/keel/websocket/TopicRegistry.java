package io.keel.websocket;

import io.keel.core.EventLoop;
import io.keel.websocket.protocol.HybiFrameEncoder;
import io.keel.websocket.protocol.Hixie76FrameEncoder;
import io.keel.websocket.protocol.Opcode;
import io.keel.websocket.protocol.Utf8Validator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Publish/subscribe for one {@link WebSocketProtocolHandler}: topics by name, each with its subscribers. Each
 * event loop keeps its own topic table, touched only by that loop, so subscribing and delivering take no lock; a
 * publish frames the message once per wire format and hands it to every loop that has subscribers, which
 * delivers it to its own. Publishes made by one thread reach each loop, and so each subscriber, in the order
 * they were made.
 */
final class TopicRegistry {
    private final WebSocketStats stats;
    private final ConcurrentHashMap<EventLoop, LoopTopics> byLoop = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<LoopTopics> loops = new CopyOnWriteArrayList<>();

    TopicRegistry(WebSocketStats stats) {
        this.stats = stats;
    }

    /** The topic table of {@code loop}, made on its first subscription (rare: once per loop). */
    LoopTopics forLoop(EventLoop loop) {
        LoopTopics t = byLoop.get(loop);
        if (t == null) {
            t = byLoop.computeIfAbsent(loop, LoopTopics::new);
            if (!loops.contains(t)) {
                loops.add(t);
            }
        }
        return t;
    }

    void publish(String topic, ByteBuffer message, boolean text) {
        stats.published.increment();
        if (loops.isEmpty()) {
            return;
        }
        Published p = new Published(topic, message, text);
        for (LoopTopics t : loops) {
            t.loop.execute(() -> t.deliver(p));
        }
    }

    /** One published message, framed once per wire format; immutable once made, shared by the loops. */
    static final class Published {
        final String topic;
        final boolean text;
        private final ByteBuffer payload;
        /** The HyBi (RFC 6455, 07, 08) frame: server frames are unmasked, so one frame serves every client. */
        final ByteBuffer hybiFrame;
        private volatile ByteBuffer hixieFrame; // made on first use: most servers have no Hixie-76 client
        private volatile boolean hixieImpossible;

        Published(String topic, ByteBuffer message, boolean text) {
            this.topic = topic;
            this.text = text;
            int n = message.remaining();
            ByteBuffer frame = ByteBuffer.allocate(HybiFrameEncoder.MAX_HEADER_SIZE + n);
            HybiFrameEncoder.writeHeader(frame, true, text ? Opcode.TEXT : Opcode.BINARY, n);
            int headerEnd = frame.position();
            frame.put(message.duplicate());
            this.hybiFrame = frame.flip(); // never written after this: the loops read it through views
            this.payload = hybiFrame.duplicate().position(headerEnd).slice();
        }

        /** The Hixie-76 text frame, or null when the message is binary and not valid UTF-8 (Hixie-76 has no binary). */
        ByteBuffer hixieFrame() {
            ByteBuffer f = hixieFrame;
            if (f != null || hixieImpossible) {
                return f;
            }
            if (!text && !Utf8Validator.isValid(payload.duplicate())) {
                hixieImpossible = true;
                return null;
            }
            ByteBuffer b = ByteBuffer.allocate(payload.remaining() + 2);
            b.put(Hixie76FrameEncoder.TEXT_START).put(payload.duplicate()).put(Hixie76FrameEncoder.TEXT_END);
            f = b.flip();
            hixieFrame = f;
            return f;
        }
    }

    /** The topics of one event loop: only that loop reads or writes it. */
    static final class LoopTopics {
        final EventLoop loop;
        private final Map<String, Subscribers> topics = new HashMap<>();

        LoopTopics(EventLoop loop) {
            this.loop = loop;
        }

        boolean add(String topic, WebSocketConnection ws) {
            return topics.computeIfAbsent(topic, t -> new Subscribers()).add(ws);
        }

        void remove(String topic, WebSocketConnection ws) {
            Subscribers s = topics.get(topic);
            if (s != null && s.remove(ws) && s.isEmpty()) {
                topics.remove(topic);
            }
        }

        void deliver(Published p) {
            Subscribers s = topics.get(p.topic);
            if (s == null) {
                return;
            }
            // one view per loop: the loops share the frame's bytes, never a position
            ByteBuffer hybi = p.hybiFrame.duplicate();
            ByteBuffer hixie = null;
            s.iterating++;
            try {
                for (int i = 0; i < s.size; i++) {
                    WebSocketConnection ws = s.items[i];
                    if (ws == null) {
                        continue; // left during this delivery
                    }
                    if (ws.isHybi()) {
                        ws.deliverPublished(hybi.position(0), p.text);
                    } else {
                        if (hixie == null) {
                            ByteBuffer f = p.hixieFrame();
                            hixie = f == null ? null : f.duplicate();
                        }
                        ws.deliverPublished(hixie == null ? null : hixie.position(0), true);
                    }
                }
            } finally {
                if (--s.iterating == 0) {
                    s.compact();
                }
            }
            if (s.isEmpty()) {
                topics.remove(p.topic);
            }
        }

        /** Subscriber counts per topic, for tests and diagnostics (loop only). */
        Map<String, Integer> counts() {
            Map<String, Integer> m = new HashMap<>();
            topics.forEach((t, s) -> m.put(t, s.size - s.holes));
            return m;
        }
    }

    /**
     * The subscribers of one topic on one loop: an array, because delivery (every publish) walks it and
     * membership changes are rare. A WebSocket that leaves during a delivery (its send closed it) leaves a hole
     * that is compacted when the delivery ends.
     */
    static final class Subscribers {
        WebSocketConnection[] items = new WebSocketConnection[4];
        int size;
        int holes;
        int iterating;

        boolean add(WebSocketConnection ws) {
            for (int i = 0; i < size; i++) {
                if (items[i] == ws) {
                    return false;
                }
            }
            if (size == items.length) {
                items = java.util.Arrays.copyOf(items, size * 2);
            }
            items[size++] = ws;
            return true;
        }

        boolean remove(WebSocketConnection ws) {
            for (int i = 0; i < size; i++) {
                if (items[i] == ws) {
                    if (iterating > 0) {
                        items[i] = null;
                        holes++;
                    } else {
                        items[i] = items[--size];
                        items[size] = null;
                    }
                    return true;
                }
            }
            return false;
        }

        boolean isEmpty() {
            return size - holes == 0;
        }

        void compact() {
            if (holes == 0) {
                return;
            }
            List<WebSocketConnection> keep = new ArrayList<>(size - holes);
            for (int i = 0; i < size; i++) {
                if (items[i] != null) {
                    keep.add(items[i]);
                }
            }
            java.util.Arrays.fill(items, null);
            for (int i = 0; i < keep.size(); i++) {
                items[i] = keep.get(i);
            }
            size = keep.size();
            holes = 0;
        }
    }
}
