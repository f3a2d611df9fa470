package io.keel.echo;

import io.keel.core.ServerStats;
import io.keel.websocket.WebSocketStats;
import io.keel.websocket.protocol.ProtocolVersion;
import java.io.PrintStream;
import java.util.Locale;

/** {@code --stats SECONDS}: one status line per interval, rates computed from the counters' differences. */
final class StatsPrinter implements Runnable {
    private final EchoServer echo;
    private final PrintStream out;
    private final int seconds;
    private long lastMessages;
    private long lastBytesIn;
    private long lastBytesOut;

    StatsPrinter(EchoServer echo, PrintStream out, int seconds) {
        this.echo = echo;
        this.out = out;
        this.seconds = seconds;
    }

    static Thread start(EchoServer echo, PrintStream out, int seconds) {
        StatsPrinter p = new StatsPrinter(echo, out, seconds);
        Thread t = Thread.ofPlatform().daemon().name("keel-stats").start(p);
        return t;
    }

    @Override
    public void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(seconds * 1000L); // a periodic report, not synchronisation
                out.println(line());
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String line() {
        ServerStats s = echo.server.stats();
        StringBuilder b = new StringBuilder("stats: connections ").append(s.currentConnections())
            .append(" (peak ").append(s.peakConnections()).append(')');
        long messages = 0;
        if (echo.webSocket != null) {
            WebSocketStats w = echo.webSocket.stats();
            messages = w.messagesIn();
            b.append(", handshakes");
            for (ProtocolVersion v : ProtocolVersion.values()) {
                b.append(' ').append(v.name().toLowerCase(Locale.ROOT)).append('=').append(w.handshakes(v));
            }
            b.append(", msgs/s ").append((messages - lastMessages) / seconds);
        }
        b.append(", in ").append(human((s.bytesIn() - lastBytesIn) / seconds)).append("/s")
            .append(", out ").append(human((s.bytesOut() - lastBytesOut) / seconds)).append("/s");
        if (echo.tlsLayer != null) {
            b.append(", tls failures ").append(echo.tlsLayer.stats().handshakeFailures());
        }
        b.append(", refused ").append(s.rejectedByLimiter());
        lastMessages = messages;
        lastBytesIn = s.bytesIn();
        lastBytesOut = s.bytesOut();
        return b.toString();
    }

    private static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
