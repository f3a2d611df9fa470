package io.keel.echo;

import io.keel.core.SendStatus;
import io.keel.core.UserDataKey;
import io.keel.websocket.CloseInitiator;
import io.keel.websocket.WebSocket;
import io.keel.websocket.WebSocketHandler;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * The echo of {@link WebSocketEchoHandler}, counting each session's messages and bytes both ways for the access
 * log ({@code keel-echo --access-log}), which gets one line per session when it ends ({@link AccessLog}). Used only
 * with the access log on, so the echo without it pays nothing; with it, a session holds one small {@link Session}.
 */
final class AccessLoggedEchoHandler implements WebSocketHandler {
    private static final UserDataKey<Session> SESSION = UserDataKey.create("access-log session");

    private final AccessLog log;

    AccessLoggedEchoHandler(AccessLog log) {
        this.log = log;
    }

    /** What one session's log line needs, taken at onOpen (the request and its headers are gone later). */
    static final class Session {
        final long startNanos = System.nanoTime();
        final String clientAndTls;
        final String path;
        long messagesIn;
        long bytesIn;
        long messagesOut;
        long bytesOut;

        Session(WebSocket ws) {
            this.clientAndTls = AccessLog.clientAndTls(ws.connection());
            this.path = AccessLog.token(ws.path());
        }

        void received(int bytes, boolean messageEnds) {
            bytesIn += bytes;
            if (messageEnds) {
                messagesIn++;
            }
        }

        /** Counts what the echo sent: a send refused ({@link SendStatus#DROPPED}) never left. */
        void sent(SendStatus status, int bytes, boolean messageEnds) {
            if (status != SendStatus.DROPPED) {
                bytesOut += bytes;
                if (messageEnds) {
                    messagesOut++;
                }
            }
        }
    }

    @Override
    public void onOpen(WebSocket ws) {
        ws.set(SESSION, new Session(ws));
    }

    @Override
    public void onText(WebSocket ws, ByteBuffer utf8) {
        int n = utf8.remaining();
        count(ws, n).sent(ws.sendText(utf8), n, true);
    }

    @Override
    public void onBinary(WebSocket ws, ByteBuffer data) {
        int n = data.remaining();
        count(ws, n).sent(ws.sendBinary(data), n, true);
    }

    /** Counts a whole message of {@code n} bytes received; returns the session, to count its echo. */
    private static Session count(WebSocket ws, int n) {
        Session s = ws.get(SESSION);
        s.received(n, true);
        return s;
    }

    @Override
    public void onFragment(WebSocket ws, ByteBuffer data, boolean text, boolean first, boolean last) {
        Session s = ws.get(SESSION);
        int n = data.remaining();
        s.received(n, last);
        s.sent(ws.sendFragment(data, text, first, last), n, last);
    }

    @Override
    public void onClose(WebSocket ws, int code, String reason) {
        Session s = ws.get(SESSION);
        if (s == null) {
            return;
        }
        ws.set(SESSION, null);
        CloseInitiator by = ws.closeInitiator();
        log.log(new StringBuilder(200).append("ws ").append(s.clientAndTls)
            .append(" version=").append(ws.version())
            .append(" path=").append(s.path)
            .append(" duration_ms=").append((System.nanoTime() - s.startNanos) / 1_000_000)
            .append(" in=").append(s.messagesIn).append('/').append(s.bytesIn)
            .append(" out=").append(s.messagesOut).append('/').append(s.bytesOut)
            .append(" close=").append(code)
            .append(" closed_by=").append(by == null ? "abort" : by.name().toLowerCase(Locale.ROOT)));
    }
}
