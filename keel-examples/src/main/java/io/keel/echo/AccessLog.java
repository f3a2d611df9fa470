package io.keel.echo;

import io.keel.core.Connection;
import io.keel.websocket.HttpFallback;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import javax.net.ssl.SSLSession;

/**
 * {@code keel-echo --access-log [FILE]}: one line per finished WebSocket session ({@link AccessLoggedEchoHandler})
 * or plain HTTP request ({@link #logging(HttpFallback)}), to standard output or appended to a file. A line is
 * {@code key=value} fields after the time (ISO 8601, UTC) and the kind ({@code ws} or {@code http}); values have
 * no spaces or control characters, so each event is one line that tools split on spaces:
 *
 * <pre>
 * 2026-11-29T21:50:00.123Z ws client=203.0.113.9:40000 tls=TLSv1.3/TLS_AES_128_GCM_SHA256 version=RFC_6455 path=/
 *   duration_ms=1234 in=3/120 out=3/120 close=1000 closed_by=client
 * 2026-11-29T21:50:01.001Z http client=203.0.113.9:40002 tls=- method=GET path=/healthz status=200 duration_ms=0
 * </pre>
 *
 * ({@code in}/{@code out}: messages/payload bytes; {@code closed_by}: client, server or abort.) {@code client} is
 * the connection's remote address: the real client's behind a proxy that sends the PROXY protocol. Lines are
 * written and flushed as they come, by the event loop that ends the session (one write per line: an access log is
 * per session, not per message).
 */
final class AccessLog implements AutoCloseable {
    /** The value of {@code --access-log} that means standard output. */
    static final String STDOUT = "-";
    /** ISO 8601 in UTC with milliseconds, always the same width. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
        .withZone(ZoneOffset.UTC);

    private final PrintStream out;
    private final boolean ownsStream;

    private AccessLog(PrintStream out, boolean ownsStream) {
        this.out = out;
        this.ownsStream = ownsStream;
    }

    /**
     * Opens the log.
     *
     * @param target {@link #STDOUT}, or a file name (created, or appended to)
     * @throws StartupException when the file cannot be opened for appending (the message says which and why)
     */
    static AccessLog open(String target) throws StartupException {
        if (target.equals(STDOUT)) {
            return new AccessLog(System.out, false);
        }
        try {
            OutputStream file = Files.newOutputStream(Path.of(target), StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            return new AccessLog(new PrintStream(new BufferedOutputStream(file), false, StandardCharsets.UTF_8), true);
        } catch (IOException | RuntimeException e) {
            throw new StartupException("--access-log: cannot open '" + target + "' for appending: "
                + ServerProgram.describe(e), e);
        }
    }

    /** Writes one line: the time, then {@code fields}; safe from any thread. */
    void log(CharSequence fields) {
        String line = TIME.format(Instant.now()) + " " + fields + "\n";
        synchronized (out) {
            out.print(line);
            out.flush();
        }
    }

    /** {@code delegate}, with one line per request it answers. */
    HttpFallback logging(HttpFallback delegate) {
        return (request, connection) -> {
            long start = System.nanoTime();
            byte[] response = delegate.respond(request, connection);
            log(new StringBuilder(160).append("http ").append(clientAndTls(connection))
                .append(" method=").append(token(request.method()))
                .append(" path=").append(token(request.path()))
                .append(" status=").append(status(response))
                .append(" duration_ms=").append((System.nanoTime() - start) / 1_000_000));
            return response;
        };
    }

    /** {@code client=IP:PORT tls=PROTOCOL/CIPHER} (or {@code tls=-}) of a connection. */
    static String clientAndTls(Connection connection) {
        InetSocketAddress a = connection.remoteAddress();
        String client = a == null ? "-" : ServerProgram.urlHost(a) + ":" + a.getPort();
        SSLSession tls = connection.tlsSession();
        return "client=" + client + " tls=" + (tls == null ? "-" : tls.getProtocol() + "/" + tls.getCipherSuite());
    }

    /** A value without spaces or control characters ({@code -} when empty), so a line stays one line of fields. */
    static String token(String s) {
        if (s == null || s.isEmpty()) {
            return "-";
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == 0x7F) {
                if (b == null) {
                    b = new StringBuilder(s);
                }
                b.setCharAt(i, '?');
            }
        }
        return b == null ? s : b.toString();
    }

    /** The status code of an HTTP/1.1 response head ("HTTP/1.1 200 OK"), or "-". */
    private static String status(byte[] response) {
        if (response.length >= 12 && response[8] == ' ') {
            return new String(response, 9, 3, StandardCharsets.US_ASCII);
        }
        return "-";
    }

    @Override
    public void close() {
        if (ownsStream) {
            out.close();
        } else {
            out.flush();
        }
    }
}
