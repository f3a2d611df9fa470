package io.keel.websocket.protocol.deflate;

import java.util.ArrayList;
import java.util.List;

/**
 * One element of a {@code Sec-WebSocket-Extensions} header (RFC 6455 section 9.1): an extension name and its
 * parameters in the order given. {@link #parse} reads every element of every header line, in order, as RFC 7692
 * section 5 asks the server to consider them.
 *
 * @param name the extension token, e.g. {@code permessage-deflate}
 * @param params the parameters in order, repeated ones included
 * @param wellFormed false when the element broke the header grammar (it must then be declined)
 */
public record ExtensionOffer(String name, List<Param> params, boolean wellFormed) {

    /**
     * One extension parameter.
     *
     * @param name the parameter token
     * @param value its value, unquoted if it was a quoted-string; null when it had none
     */
    public record Param(String name, String value) {
    }

    /**
     * Parses header values ({@code extension-list = 1#extension; extension = token *( ";" param ); param = token
     * [ "=" (token | quoted-string) ]}, RFC 6455 section 9.1 with RFC 9110 section 5.6 lists). An element that
     * breaks the grammar is returned with {@code wellFormed} false; parsing goes on at the next comma.
     *
     * @param headerValues one string per header line, in order
     * @return the elements of all lines in order (empty elements skipped)
     */
    public static List<ExtensionOffer> parse(List<String> headerValues) {
        List<ExtensionOffer> out = new ArrayList<>(2);
        for (String v : headerValues) {
            new Scanner(v).elements(out);
        }
        return out;
    }

    private static final class Scanner {
        private final String s;
        private int i;

        Scanner(String s) {
            this.s = s;
        }

        void elements(List<ExtensionOffer> out) {
            while (true) {
                skipSpaces();
                while (i < s.length() && s.charAt(i) == ',') {
                    i++;
                    skipSpaces();
                }
                if (i >= s.length()) {
                    return;
                }
                out.add(element());
            }
        }

        private ExtensionOffer element() {
            String name = token();
            List<Param> params = new ArrayList<>(2);
            boolean ok = name != null;
            while (ok) {
                skipSpaces();
                if (i >= s.length() || s.charAt(i) == ',') {
                    break;
                }
                if (s.charAt(i) != ';') {
                    ok = false;
                    break;
                }
                i++;
                skipSpaces();
                String p = token();
                if (p == null) {
                    ok = false;
                    break;
                }
                skipSpaces();
                String value = null;
                if (i < s.length() && s.charAt(i) == '=') {
                    i++;
                    skipSpaces();
                    value = i < s.length() && s.charAt(i) == '"' ? quoted() : token();
                    if (value == null) {
                        ok = false;
                        break;
                    }
                }
                params.add(new Param(p, value));
            }
            if (!ok) {
                skipToComma();
            }
            return new ExtensionOffer(name == null ? "" : name, List.copyOf(params), ok);
        }

        private String token() {
            int start = i;
            while (i < s.length() && isTokenChar(s.charAt(i))) {
                i++;
            }
            return i > start ? s.substring(start, i) : null;
        }

        /** A quoted-string (RFC 9110 section 5.6.4) without its quotes and escapes; null when unterminated. */
        private String quoted() {
            StringBuilder b = new StringBuilder();
            i++;
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    if (i >= s.length()) {
                        return null;
                    }
                    c = s.charAt(i++);
                }
                b.append(c);
            }
            return null;
        }

        private void skipToComma() {
            boolean inQuotes = false;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '"') {
                    inQuotes = !inQuotes;
                } else if (c == '\\' && inQuotes) {
                    i++;
                } else if (c == ',' && !inQuotes) {
                    return;
                }
                i++;
            }
        }

        private void skipSpaces() {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
        }

        /** RFC 9110 section 5.6.2 tchar. */
        private static boolean isTokenChar(char c) {
            return c > 0x20 && c < 0x7F && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
        }
    }
}
