package io.keel.websocket.http;

import java.nio.charset.StandardCharsets;

/**
 * The character classes of the HTTP and URI grammars (RFC 5234, RFC 3986, RFC 9110 section 5.6.2) and the
 * byte-array helpers the request-head parser and {@link RequestTarget} share. Bytes, not chars: the head is parsed
 * in place in the parser's buffer.
 */
final class HttpSyntax {
    private HttpSyntax() {
    }

    /** ASCII lower case of {@code c}; other bytes unchanged. */
    static byte toLowerCase(byte c) {
        return c >= 'A' && c <= 'Z' ? (byte) (c + ('a' - 'A')) : c;
    }

    /** The first index of {@code c} in {@code buf[from, to)}, or -1. */
    static int indexOf(byte[] buf, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** {@code buf[from, to)} as a String, one char per byte (ISO-8859-1: any byte maps, none is lost). */
    static String ascii(byte[] buf, int from, int to) {
        return new String(buf, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** RFC 5234 ALPHA. */
    static boolean isAlpha(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** RFC 5234 DIGIT. */
    static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** RFC 5234 HEXDIG, either case. */
    static boolean isHexDigit(byte c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** RFC 3986 section 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
    static boolean isUnreserved(byte c) {
        return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /** RFC 3986 section 2.2: "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "=". */
    static boolean isSubDelim(byte c) {
        return switch (c) {
            case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=' -> true;
            default -> false;
        };
    }

    /** RFC 9110 section 5.6.2: a {@code token} character. */
    static boolean isTchar(byte b) {
        int c = b & 0xFF;
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            return true;
        }
        return switch (c) {
            case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~' -> true;
            default -> false;
        };
    }
}
