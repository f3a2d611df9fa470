package io.keel.websocket.http;

import static io.keel.websocket.http.HttpSyntax.ascii;
import static io.keel.websocket.http.HttpSyntax.indexOf;
import static io.keel.websocket.http.HttpSyntax.isAlpha;
import static io.keel.websocket.http.HttpSyntax.isDigit;
import static io.keel.websocket.http.HttpSyntax.isHexDigit;
import static io.keel.websocket.http.HttpSyntax.isSubDelim;
import static io.keel.websocket.http.HttpSyntax.isUnreserved;

import java.util.Locale;

/**
 * A GET's request-target, parsed: {@code target} in origin-form (path and query), and for an absolute-form target
 * its {@code scheme} (lower case) and {@code authority} (both null for origin-form). One per request, made by
 * {@link HttpUpgradeRequestParser} once the request line is complete; see {@link HttpRequest} for how they are
 * used.
 */
record RequestTarget(String target, String scheme, String authority) {
    /**
     * Parses the request-target {@code buf[from, to)} of a GET (already free of controls and spaces).
     *
     * <p>origin-form = absolute-path [ "?" query ] (RFC 9112 section 3.2.1). absolute-form = absolute-URI (RFC 9112
     * section 3.2.2), here with the schemes a WebSocket endpoint serves: {@code ws}, {@code wss} (RFC 6455 section
     * 3), {@code http}, {@code https} (RFC 9110 section 4.2), all of the form {@code scheme "://" authority
     * path-abempty [ "?" query ]}. Neither form has a fragment (RFC 6455 section 3 also forbids one). The path and
     * query characters are not checked further than the request line does, the same for both forms.
     *
     * @throws HttpParseException 400 for a target of neither form, a scheme other than those four, a fragment, or
     *                            a malformed authority (see {@link #checkAuthority})
     */
    static RequestTarget parse(byte[] buf, int from, int to) throws HttpParseException {
        if (indexOf(buf, '#', from, to) >= 0) {
            throw new HttpParseException(400, "Malformed request target: a fragment ('#') is not allowed");
        }
        if (buf[from] == '/') {
            return new RequestTarget(ascii(buf, from, to), null, null);
        }
        int colon = schemeEnd(buf, from, to);
        if (colon < 0) {
            throw new HttpParseException(400, "Malformed request target: neither a path nor an absolute URI");
        }
        String s = ascii(buf, from, colon).toLowerCase(Locale.ROOT);
        if (!s.equals("ws") && !s.equals("wss") && !s.equals("http") && !s.equals("https")) {
            throw new HttpParseException(400, "Unsupported URI scheme in request target: " + s);
        }
        int a = colon + 1;
        if (to - a < 2 || buf[a] != '/' || buf[a + 1] != '/') {
            throw new HttpParseException(400, "Malformed absolute URI: '//' and a host must follow the scheme");
        }
        a += 2;
        int ae = a;
        while (ae < to && buf[ae] != '/' && buf[ae] != '?') {
            ae++;
        }
        checkAuthority(buf, a, ae);
        // RFC 9112 section 3.3: an empty path is "/" in the target URI's origin-form
        String path = ae < to && buf[ae] == '/' ? ascii(buf, ae, to) : "/" + ascii(buf, ae, to);
        return new RequestTarget(path, s, ascii(buf, a, ae));
    }

    /**
     * The index of the ':' ending a URI scheme at {@code from} ({@code scheme = ALPHA *( ALPHA / DIGIT / "+" / "-"
     * / "." )}, RFC 3986 section 3.1), or -1 if {@code buf[from, to)} does not start with one.
     */
    private static int schemeEnd(byte[] buf, int from, int to) {
        if (!isAlpha(buf[from])) {
            return -1;
        }
        for (int i = from + 1; i < to; i++) {
            byte c = buf[i];
            if (c == ':') {
                return i;
            }
            if (!isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.') {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Checks an absolute-form authority {@code buf[from, to)}: {@code host [ ":" port ]} with a non-empty host
     * (RFC 9110 section 4.2.1, RFC 6455 section 3), host = IP-literal / IPv4address / reg-name and port = *DIGIT
     * (RFC 3986 section 3.2). It becomes the request's host and is echoed in the Hixie-76 Location, so only these
     * characters are let through.
     *
     * @throws HttpParseException 400 for userinfo (RFC 9110 section 4.2.4: treat as an error), an empty host, or a
     *                            character the grammar does not allow
     */
    private static void checkAuthority(byte[] buf, int from, int to) throws HttpParseException {
        if (indexOf(buf, '@', from, to) >= 0) {
            throw new HttpParseException(400, "Malformed absolute URI: userinfo ('@') is not allowed");
        }
        int hostEnd;
        if (from < to && buf[from] == '[') {
            // IP-literal = "[" ( IPv6address / IPvFuture ) "]": their characters, not their exact grammar
            hostEnd = indexOf(buf, ']', from, to) + 1;
            if (hostEnd <= from + 2) {
                throw new HttpParseException(400, "Malformed absolute URI: bad IP literal");
            }
            for (int i = from + 1; i < hostEnd - 1; i++) {
                if (!isUnreserved(buf[i]) && !isSubDelim(buf[i]) && buf[i] != ':') {
                    throw new HttpParseException(400, "Malformed absolute URI: bad IP literal");
                }
            }
        } else {
            hostEnd = from;
            while (hostEnd < to && buf[hostEnd] != ':') {
                byte c = buf[hostEnd];
                if (c == '%' && hostEnd + 2 < to && isHexDigit(buf[hostEnd + 1]) && isHexDigit(buf[hostEnd + 2])) {
                    hostEnd += 3; // pct-encoded
                } else if (isUnreserved(c) || isSubDelim(c)) {
                    hostEnd++;
                } else {
                    throw new HttpParseException(400, "Malformed absolute URI: bad character in host");
                }
            }
            if (hostEnd == from) {
                throw new HttpParseException(400, "Malformed absolute URI: empty host");
            }
        }
        if (hostEnd < to && buf[hostEnd] != ':') {
            throw new HttpParseException(400, "Malformed absolute URI: bad character after host");
        }
        for (int i = hostEnd + 1; i < to; i++) {
            if (!isDigit(buf[i])) {
                throw new HttpParseException(400, "Malformed absolute URI: bad port");
            }
        }
    }
}
