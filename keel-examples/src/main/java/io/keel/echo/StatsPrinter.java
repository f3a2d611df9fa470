package io.keel.echo;

import io.keel.core.ServerStats;
import io.keel.websocket.WebSocketStats;
import io.keel.websocket.protocol.ProtocolVersion;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * {@code --stats SECONDS}: one status line per interval, starting with the time (ISO-8601, UTC), rates computed
 * from the counters' differences over the time actually elapsed. Every figure says whether it is a rate or a
 * total:
 * <pre>
 * 2025-06-01T10:15:30Z stats: conns 12 open / 340 total (peak 20, 0 refused), msgs 1,234/s in (56,789 total),
 *   data 1.2 MiB/s in, 1.2 MiB/s out (totals 45.6 MiB in, 45.6 MiB out), websockets 10 open, handshakes
 *   rfc_6455 330 / hybi_08 2 / hybi_07 0 / hixie_76 0 (1 rejected), closed 0 for not reading (1008),
 *   0 for protocol errors (1002/1007/1009), tls handshake failures 0
 * </pre>
 * (one line). The tcp server's line has the connections and the data only: nothing about WebSockets.
 */
final class StatsPrinter implements Runnable {
    private final EchoServer echo;
    private final PrintStream out;
    private final int seconds;
    private final Clock clock;
    private long lastNanos;
    private long lastMessages;
    private long lastBytesIn;
    private long lastBytesOut;

    StatsPrinter(EchoServer echo, PrintStream out, int seconds, Clock clock) {
        this.echo = echo;
        this.out = out;
        this.seconds = seconds;
        this.clock = clock;
        this.lastNanos = System.nanoTime();
    }

    static Thread start(EchoServer echo, PrintStream out, int seconds) {
        StatsPrinter p = new StatsPrinter(echo, out, seconds, Clock.systemUTC());
        return Thread.ofPlatform().daemon().name("keel-stats").start(p);
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

    /** The line for now; the rates cover the time since the previous line (or since this printer was made). */
    String line() {
        long now = System.nanoTime();
        double elapsed = Math.max(1e-3, (now - lastNanos) / 1e9);
        lastNanos = now;
        ServerStats s = echo.server.stats();
        StringBuilder b = new StringBuilder(320);
        b.append(Instant.now(clock).truncatedTo(ChronoUnit.SECONDS)).append(" stats: conns ")
            .append(count(s.currentConnections())).append(" open / ").append(count(s.totalConnections()))
            .append(" total (peak ").append(count(s.peakConnections())).append(", ")
            .append(count(s.rejectedByLimiter())).append(" refused)");
        WebSocketStats w = echo.webSocket == null ? null : echo.webSocket.stats();
        if (w != null) {
            long messages = w.messagesIn();
            b.append(", msgs ").append(count(Math.round((messages - lastMessages) / elapsed))).append("/s in (")
                .append(count(messages)).append(" total)");
            lastMessages = messages;
        }
        b.append(", data ").append(bytes(Math.round((s.bytesIn() - lastBytesIn) / elapsed))).append("/s in, ")
            .append(bytes(Math.round((s.bytesOut() - lastBytesOut) / elapsed))).append("/s out (totals ")
            .append(bytes(s.bytesIn())).append(" in, ").append(bytes(s.bytesOut())).append(" out)");
        lastBytesIn = s.bytesIn();
        lastBytesOut = s.bytesOut();
        if (w != null) {
            b.append(", websockets ").append(count(w.open())).append(" open, handshakes ");
            ProtocolVersion[] versions = ProtocolVersion.values();
            for (int i = versions.length - 1; i >= 0; i--) { // newest first
                b.append(versions[i].name().toLowerCase(Locale.ROOT)).append(' ').append(count(w.handshakes(versions[i])))
                    .append(i > 0 ? " / " : "");
            }
            b.append(" (").append(count(w.handshakesRejected())).append(" rejected), closed ")
                .append(count(w.sendQueueOverflows())).append(" for not reading (1008), ")
                .append(count(w.protocolErrors())).append(" for protocol errors (1002/1007/1009)");
        }
        if (echo.tlsLayer != null) {
            b.append(", tls handshake failures ").append(count(echo.tlsLayer.stats().handshakeFailures()));
        }
        return b.toString();
    }

    /** 1,234,567 */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** 512 B, 1.5 KiB, 12.0 MiB, 3.2 GiB */
    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
