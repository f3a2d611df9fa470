package io.keel.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.keel.core.Connection;
import io.keel.core.ConnectionHandler;

/** An inner handler that echoes (optionally only whole lines) and records its callbacks. */
class RecordingHandler implements ConnectionHandler {
    final List<String> events = new ArrayList<>();
    final ByteArrayOutputStream data = new ByteArrayOutputStream();
    Connection connection;
    boolean linesOnly;
    boolean echo = true;
    boolean sessionSeenInOnOpen;

    @Override
    public void onOpen(Connection c) {
        connection = c;
        sessionSeenInOnOpen = c.tlsSession() != null && c.isSecure();
        events.add("open");
    }

    @Override
    public void onData(Connection c, ByteBuffer buf) {
        if (linesOnly) {
            int end = -1;
            for (int i = buf.limit() - 1; i >= buf.position(); i--) {
                if (buf.get(i) == '\n') {
                    end = i + 1;
                    break;
                }
            }
            if (end < 0) {
                return; // leave the partial line: it comes back with more
            }
            ByteBuffer line = buf.slice(buf.position(), end - buf.position());
            buf.position(end);
            consume(c, line);
            return;
        }
        consume(c, buf);
    }

    private void consume(Connection c, ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        data.writeBytes(bytes);
        events.add("data:" + bytes.length);
        if (echo) {
            c.send(ByteBuffer.wrap(bytes));
        }
    }

    @Override
    public void onInputClosed(Connection c) {
        events.add("inputClosed");
        c.close();
    }

    @Override
    public void onError(Connection c, IOException e) {
        events.add("error:" + e.getClass().getSimpleName());
    }

    @Override
    public void onClose(Connection c) {
        events.add("close");
    }

    boolean opened() {
        return events.contains("open");
    }

    String text() {
        return data.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
