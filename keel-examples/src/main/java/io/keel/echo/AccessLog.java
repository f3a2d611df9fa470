package io.keel.echo;

import io.keel.core.Connection;
import io.keel.websocket.HttpFallback;
import io.keel.websocket.http.HttpRequest;
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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLSession;

/**
 * {@code keel-echo --access-log [FILE]}: one line per finished WebSocket session ({@link AccessLoggedEchoHandler}),
 * plain HTTP request ({@link #logging(HttpFallback)}) or refused upgrade ({@link #refusedUpgrade}), to standard
 * output or appended to a file. A line is {@code key=value} fields after the time (ISO 8601, UTC) and the kind
 * ({@code ws} or {@code http}); values have no spaces or control characters, so each event is one line that tools
 * split on spaces:
 *
 * <pre>
 * 2026-11-29T21:50:00.123Z ws client=203.0.113.9:40000 tls=TLSv1.3/TLS_AES_128_GCM_SHA256 version=RFC_6455 path=/
 *   duration_ms=1234 in=3/120 out=3/120 close=1000 closed_by=client
 * 2026-11-29T21:50:01.001Z http client=203.0.113.9:40002 tls=- method=GET path=/healthz status=200 duration_ms=0
 * </pre>
 *
 * ({@code in}/{@code out}: messages/payload bytes; {@code closed_by}: client, server or abort.) {@code client} is
 * the connection's remote address: the real client's behind a proxy that sends the PROXY protocol.
 *
 * <p>The event loops never write: they hand each line to a bounded queue that a thread of its own writes out
 * (flushing when the queue is empty), so a slow disk or a stalled pipe cannot stop the server. A line that finds the
 * queue full is dropped and counted ({@link #dropped()}); a failing write is said once on standard error, and again
 * when writing works again. {@link #reopen()} (SIGHUP) reopens the file, for logrotate.
 */
final class AccessLog implements AutoCloseable {
    /** The value of {@code --access-log} that means standard output. */
    static final String STDOUT = "-";
    /** Lines waiting for the writer: about 10 MB of typical lines; past it, lines are dropped and counted. */
    static final int QUEUE_LINES = 65_536;
    /** ISO 8601 in UTC with milliseconds, always the same width. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
        .withZone(ZoneOffset.UTC);
    private static final String STOP = new String("stop"); // compared by identity: no logged line is this object

    private final String target;
    private final PrintStream errors;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE_LINES);
    private final LongAdder dropped = new LongAdder();
    private final Thread writer;
    private volatile boolean reopenRequested;
    private PrintStream out; // the writer thread's
    private boolean failing; // the writer thread's: the last write failed and that was said

    AccessLog(String target, PrintStream out, PrintStream errors) {
        this.target = target;
        this.out = out;
        this.errors = errors;
        this.writer = new Thread(this::writeLines, "keel-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Opens the log and starts its writer thread.
     *
     * @param target {@link #STDOUT}, or a file name (created, or appended to)
     * @param errors where a failing write is said (standard error)
     * @throws StartupException when the file cannot be opened for appending (the message says which and why)
     */
    static AccessLog open(String target, PrintStream errors) throws StartupException {
        if (target.equals(STDOUT)) {
            return new AccessLog(target, System.out, errors);
        }
        try {
            return new AccessLog(target, openFile(target), errors);
        } catch (IOException | RuntimeException e) {
            throw new StartupException("--access-log: cannot open '" + target + "' for appending: "
                + ServerProgram.describe(e), e);
        }
    }

    private static PrintStream openFile(String target) throws IOException {
        OutputStream file = Files.newOutputStream(Path.of(target), StandardOpenOption.CREATE,
            StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        return new PrintStream(new BufferedOutputStream(file, 64 * 1024), false, StandardCharsets.UTF_8);
    }

    /** Queues one line: the time, then {@code fields}; safe from any thread, never blocks. */
    void log(CharSequence fields) {
        if (!queue.offer(TIME.format(Instant.now()) + " " + fields + "\n")) {
            dropped.increment();
        }
    }

    /** Lines dropped because the writer could not keep up (the output was slow or stalled). */
    long dropped() {
        return dropped.sum();
    }

    /**
     * Reopens the file at its name before the next line (after logrotate moved it); nothing for standard output.
     *
     * @return false when the log goes to standard output (nothing to reopen)
     */
    boolean reopen() {
        if (target.equals(STDOUT)) {
            return false;
        }
        reopenRequested = true;
        queue.offer(""); // wakes the writer if it waits; an empty line is never written
        return true;
    }

    /** The writer thread: lines in queue order, a flush whenever the queue runs empty. */
    private void writeLines() {
        try {
            while (true) {
                String line = queue.take();
                if (line == STOP) {
                    out.flush();
                    return;
                }
                if (reopenRequested) {
                    reopenRequested = false;
                    swapFile();
                }
                out.print(line);
                if (queue.isEmpty()) {
                    out.flush();
                    checkWrites();
                }
            }
        } catch (InterruptedException e) {
            out.flush();
        }
    }

    private void swapFile() {
        out.flush();
        try {
            PrintStream fresh = openFile(target);
            out.close();
            out = fresh;
        } catch (IOException | RuntimeException e) {
            errors.println("keel-echo: access log: cannot reopen '" + target + "', still writing to the old file: "
                + ServerProgram.describe(e));
            errors.flush();
        }
    }

    /** PrintStream keeps its errors to itself: one line when writes start failing, one when they work again. */
    private void checkWrites() {
        boolean error = out.checkError();
        if (error != failing) {
            failing = error;
            errors.println(error
                ? "keel-echo: access log: writing to '" + target + "' fails: lines are being lost"
                : "keel-echo: access log: writing to '" + target + "' works again");
            errors.flush();
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

    /** The line of an upgrade the WebSocket layer refused, as for a plain request: its method, path and status. */
    void refusedUpgrade(Connection connection, int status, String reason, HttpRequest request) {
        log(new StringBuilder(160).append("http ").append(clientAndTls(connection))
            .append(" method=").append(request == null ? "-" : token(request.method()))
            .append(" path=").append(request == null ? "-" : token(request.path()))
            .append(" status=").append(status)
            .append(" duration_ms=0"));
    }

    /** {@code client=IP:PORT tls=PROTOCOL/CIPHER} (or {@code tls=-}) of a connection. */
    static String clientAndTls(Connection connection) {
        InetSocketAddress a = connection.remoteAddress();
        String client = a == null ? "-" : ServerProgram.urlHost(a) + ":" + a.getPort();
        SSLSession tls = connection.tlsSession();
        return "client=" + client + " tls=" + (tls == null ? "-" : tls.getProtocol() + "/" + tls.getCipherSuite());
    }

    /**
     * A value without spaces or control characters ({@code -} when empty): C0, DEL, C1 (U+0085 is a line break to
     * Unicode-aware tools) and the Unicode line and paragraph separators become {@code ?}, so a line stays one line
     * of fields.
     */
    static String token(String s) {
        if (s == null || s.isEmpty()) {
            return "-";
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7F && c <= 0x9F || c == 0x2028 || c == 0x2029) { // C0, DEL, C1, line separators
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

    /**
     * Writes what is queued and stops the writer; waits at most a second, so that a stalled output cannot hold the
     * program's exit. Closes the file (not standard output).
     */
    @Override
    public void close() {
        try {
            if (!queue.offer(STOP, 1, TimeUnit.SECONDS)) {
                return;
            }
            writer.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!writer.isAlive() && !target.equals(STDOUT)) {
            out.close();
        }
    }
}
