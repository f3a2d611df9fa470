package io.keel.websocket.http;

import static io.keel.websocket.http.HttpSyntax.isTchar;
import static io.keel.websocket.http.HttpSyntax.toLowerCase;

import java.nio.ByteBuffer;

/**
 * Incremental, bounded parser for an HTTP/1.1 request line and header block (no body).
 *
 * <p>Call {@link #parse(ByteBuffer)} with whatever bytes arrived; it consumes bytes up to and including
 * the blank line that ends the header block and <em>no further</em> (so e.g. the 8 key bytes of a Hixie-76
 * handshake stay in the buffer). It returns null while the block is incomplete. Errors:
 * <ul>
 *   <li>header block larger than the limit (default 8 KiB) → 431, detected as soon as the limit is crossed;</li>
 *   <li>a byte that cannot be part of the method token (RFC 9110 section 5.6.2 {@code tchar}), e.g. a TLS
 *       ClientHello (0x16) on a plain port or binary garbage → 400, detected at that very byte, so such a client is
 *       answered at once instead of waiting for the handshake timeout;</li>
 *   <li>malformed request line, request-target, header line, obsolete line folding, bad characters → 400;</li>
 *   <li>a method other than GET → 405 (reported when the request line is complete).</li>
 * </ul>
 * The request-target may be in origin-form or absolute-form (RFC 9112 section 3.2.1, 3.2.2; the other two forms
 * belong to CONNECT and OPTIONS); see {@link HttpRequest} for how absolute-form is normalized.
 * Lines may end with CRLF or a bare LF. Leading empty lines are ignored. A parser instance handles one request;
 * after a result or an error it must not be reused (call {@link #reset()} to reuse).
 *
 * <p>Allocation (once per connection): the line buffer is allocated on the first {@code parse}, sized to that read
 * (at most {@value #INITIAL_BUFFER_MAX} bytes, then doubling up to the limit), so a connection that sends nothing
 * holds none; well-known header names become shared constants and the method and version are constants, so a
 * typical upgrade request costs one {@code String} per header value plus the request target.
 */
public final class HttpUpgradeRequestParser {
    /** The default bound on the request head (request line and headers), in bytes: larger is answered 431. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 8 * 1024;
    /** Largest first allocation of the line buffer (a typical browser upgrade request is 400-600 bytes). */
    static final int INITIAL_BUFFER_MAX = 1024;
    private static final int INITIAL_BUFFER_MIN = 128;
    private static final byte[] NO_BYTES = new byte[0];

    /**
     * Lower-case names of headers that WebSocket upgrade requests commonly carry: a header line with one of these
     * names (in any case) gets the constant instead of a new {@code String}.
     */
    private static final String[] KNOWN_NAMES = {
        "host", "upgrade", "connection", "origin", "pragma", "cache-control", "user-agent", "accept-encoding",
        "accept-language", "cookie", "authorization", "sec-websocket-key", "sec-websocket-version",
        "sec-websocket-extensions", "sec-websocket-protocol", "sec-websocket-origin", "sec-websocket-key1",
        "sec-websocket-key2",
    };

    private final int maxHeaderBytes;
    private byte[] buf;
    private int len;
    /** Index in buf where the current line starts. */
    private int lineStart;
    /** The first space of the request line was seen: bytes are no longer checked one by one as method bytes. */
    private boolean methodEnded;
    private boolean requestLineChecked;
    private boolean done;
    // from the request line, once checked: what build() needs, so it does not parse the line again
    private boolean http11;
    private RequestTarget target;

    /** A parser for one request head of at most {@link #DEFAULT_MAX_HEADER_BYTES}. */
    public HttpUpgradeRequestParser() {
        this(DEFAULT_MAX_HEADER_BYTES);
    }

    /**
     * A parser for one request head of at most {@code maxHeaderBytes} bytes (larger is answered 431 Request Header
     * Fields Too Large, RFC 6585 section 5).
     *
     * @throws IllegalArgumentException if {@code maxHeaderBytes} is under 16
     */
    public HttpUpgradeRequestParser(int maxHeaderBytes) {
        if (maxHeaderBytes < 16) {
            throw new IllegalArgumentException("maxHeaderBytes too small: " + maxHeaderBytes);
        }
        this.maxHeaderBytes = maxHeaderBytes;
        this.buf = NO_BYTES;
    }

    /** Forgets the request parsed or being parsed, so this parser can take another one (keeps its buffer). */
    public void reset() {
        len = 0;
        lineStart = 0;
        methodEnded = false;
        requestLineChecked = false;
        done = false;
        target = null;
    }

    /** Bytes of the header block consumed so far. */
    public int consumed() {
        return len;
    }

    /**
     * Consumes header bytes from {@code in}, however they are split across calls.
     *
     * @param in the bytes read; its position advances past what was consumed: up to the end of the header block,
     *           or to the byte that made the request invalid
     * @return the request once the header block is complete, else null (all of {@code in} was consumed)
     * @throws HttpParseException with the status to answer (400, 405, 431)
     * @throws IllegalStateException if a request was already returned and {@link #reset()} was not called
     */
    public HttpRequest parse(ByteBuffer in) throws HttpParseException {
        if (done) {
            throw new IllegalStateException("request already parsed; reset() first");
        }
        while (in.hasRemaining()) {
            byte b = in.get();
            if (len == 0 && (b == '\r' || b == '\n')) {
                continue; // ignore leading empty lines (RFC 7230 3.5)
            }
            if (len == maxHeaderBytes) {
                throw new HttpParseException(431, "Request Header Fields Too Large");
            }
            if (len == buf.length) {
                grow(in.remaining() + 1);
            }
            buf[len++] = b;
            if (!methodEnded) {
                // RFC 9112 section 3: request-line = method SP ...; method = token. A byte that is neither a tchar nor
                // the SP after at least one is invalid whatever follows, so answer now: a TLS ClientHello or binary
                // garbage sends no line feed and would otherwise wait for the handshake timeout.
                if (b == ' ' && len > 1) {
                    methodEnded = true;
                } else if (!isTchar(b)) {
                    throw notAMethodByte(b, len == 1);
                }
                continue;
            }
            if (b != '\n') {
                continue;
            }
            // a line [lineStart, len) ended; its content excludes LF and an optional CR
            int end = len - 1;
            if (end > lineStart && buf[end - 1] == '\r') {
                end--;
            }
            if (!requestLineChecked) {
                checkRequestLine(lineStart, end);
                requestLineChecked = true;
            } else if (end == lineStart) {
                done = true;
                return build();
            }
            lineStart = len;
        }
        return null;
    }

    /** Allocates the buffer for the first read ({@code wanted} bytes are available) or doubles it. */
    private void grow(int wanted) {
        int n = buf.length == 0
                ? Math.max(INITIAL_BUFFER_MIN, Math.min(INITIAL_BUFFER_MAX, wanted))
                : buf.length * 2;
        buf = java.util.Arrays.copyOf(buf, Math.min(maxHeaderBytes, n));
    }

    /**
     * The 400 for a byte where the method token should be (RFC 9110 section 5.6.2 {@code token}).
     *
     * @param b     the offending byte
     * @param first whether it is the first byte of the request (after leading empty lines): then the peer is not
     *              speaking HTTP at all, and the message says so (naming TLS for the ClientHello's record type)
     */
    private static HttpParseException notAMethodByte(byte b, boolean first) {
        String hex = String.format("0x%02X", b & 0xFF);
        if (!first) {
            return new HttpParseException(400, "Malformed method: byte " + hex);
        }
        return new HttpParseException(400, b == 0x16
                ? "Not an HTTP request: first byte 0x16 is a TLS handshake record, and this port speaks plain HTTP"
                : "Not an HTTP request: first byte " + hex + " cannot start a method token");
    }

    /**
     * Checks the complete request line {@code buf[from, to)} (line ending excluded) and keeps its parts for
     * {@link #build()}. The method's characters were already checked byte by byte in {@link #parse}.
     *
     * @throws HttpParseException 400 for a malformed line, target or version; 405 for a method other than GET
     */
    private void checkRequestLine(int from, int to) throws HttpParseException {
        int sp1 = indexOf(' ', from, to);
        int sp2 = sp1 < 0 ? -1 : indexOf(' ', sp1 + 1, to);
        if (sp1 <= from || sp2 < 0 || sp2 == sp1 + 1 || indexOf(' ', sp2 + 1, to) >= 0) {
            throw new HttpParseException(400, "Malformed request line");
        }
        for (int i = sp1 + 1; i < sp2; i++) {
            int c = buf[i] & 0xFF;
            if (c <= 0x20 || c == 0x7F) {
                throw new HttpParseException(400, "Malformed request target");
            }
        }
        String version = ascii(sp2 + 1, to);
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            throw new HttpParseException(400, "Unsupported HTTP version");
        }
        // the method is judged before the target: "OPTIONS *" or "CONNECT host:443" use forms that are valid for
        // them (RFC 9112 section 3.2.3, 3.2.4), so they are told 405 with Allow: GET, not 400
        if (sp1 - from != 3 || buf[from] != 'G' || buf[from + 1] != 'E' || buf[from + 2] != 'T') {
            throw new HttpParseException(405, "Method Not Allowed");
        }
        target = RequestTarget.parse(buf, sp1 + 1, sp2);
        http11 = buf[to - 1] == '1';
    }

    private HttpRequest build() throws HttpParseException {
        String method = "GET"; // checkRequestLine allows nothing else
        String version = http11 ? "HTTP/1.1" : "HTTP/1.0"; // ditto
        HttpHeaders headers = new HttpHeaders();
        int p = indexOf('\n', 0, len) + 1; // after the request line
        while (p < len) {
            int nl = indexOf('\n', p, len);
            int end = nl > p && buf[nl - 1] == '\r' ? nl - 1 : nl;
            if (end == p) {
                break; // blank line
            }
            if (buf[p] == ' ' || buf[p] == '\t') {
                throw new HttpParseException(400, "Obsolete line folding not allowed");
            }
            int colon = indexOf(':', p, end);
            if (colon <= p) {
                throw new HttpParseException(400, "Malformed header line");
            }
            for (int i = p; i < colon; i++) {
                if (!isTchar(buf[i])) {
                    throw new HttpParseException(400, "Malformed header name");
                }
            }
            int vs = colon + 1;
            int ve = end;
            while (vs < ve && (buf[vs] == ' ' || buf[vs] == '\t')) {
                vs++;
            }
            while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t')) {
                ve--;
            }
            for (int i = vs; i < ve; i++) {
                int c = buf[i] & 0xFF;
                if ((c < 0x20 && c != '\t') || c == 0x7F) {
                    throw new HttpParseException(400, "Bad character in header value");
                }
            }
            headers.add(headerName(p, colon), ascii(vs, ve));
            p = nl + 1;
        }
        return new HttpRequest(method, target.target(), version, headers, target.scheme(), target.authority());
    }

    /** The lower-case header name in {@code buf[from, to)} (tchars only): a shared constant if well known. */
    private String headerName(int from, int to) {
        for (String known : KNOWN_NAMES) {
            if (known.length() == to - from && equalsLowerCase(from, known)) {
                return known;
            }
        }
        for (int i = from; i < to; i++) {
            buf[i] = toLowerCase(buf[i]); // in place: the original case is not needed afterwards
        }
        return ascii(from, to);
    }

    /** Whether {@code buf[from, from + lower.length())} equals the lower-case ASCII {@code lower}, ignoring case. */
    private boolean equalsLowerCase(int from, String lower) {
        for (int i = 0; i < lower.length(); i++) {
            if (toLowerCase(buf[from + i]) != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private int indexOf(char c, int from, int to) {
        return HttpSyntax.indexOf(buf, c, from, to);
    }

    private String ascii(int from, int to) {
        return HttpSyntax.ascii(buf, from, to);
    }
}
