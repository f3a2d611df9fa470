package io.keel.websocket.http;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Case-insensitive, multi-valued, insertion-ordered HTTP header map (values stored as received, trimmed).
 *
 * <p>A request head has a dozen or two header lines and is read a few times, once per connection, so the lines are
 * kept as two parallel arrays (lower-case name, value) searched linearly: no hash table, entry or list objects per
 * header, and lookups compare names case-insensitively in place instead of lower-casing the argument.
 */
public final class HttpHeaders {
    private String[] names = new String[16];
    private String[] values = new String[16];
    private int size;

    /** Adds a header line; {@code name} is lower-cased (no copy if it already is, as the parser delivers it). */
    void add(String name, String value) {
        if (size == names.length) {
            names = Arrays.copyOf(names, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        names[size] = name.toLowerCase(Locale.ROOT);
        values[size] = value;
        size++;
    }

    /** Index of the first line with this name at or after {@code from}, or -1. */
    private int indexOf(String name, int from) {
        for (int i = from; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    /** The first value of the header, or null. */
    public String get(String name) {
        int i = indexOf(name, 0);
        return i < 0 ? null : values[i];
    }

    /** All values (one per header line), empty if absent. */
    public List<String> getAll(String name) {
        int i = indexOf(name, 0);
        if (i < 0) {
            return List.of();
        }
        List<String> out = new ArrayList<>(2);
        for (; i >= 0; i = indexOf(name, i + 1)) {
            out.add(values[i]);
        }
        return Collections.unmodifiableList(out);
    }

    /** Whether a header named {@code name} (any case) is present, even with an empty value. */
    public boolean contains(String name) {
        return indexOf(name, 0) >= 0;
    }

    /** Number of header lines with this name. */
    public int count(String name) {
        int n = 0;
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
            n++;
        }
        return n;
    }

    /** Lower-case names. */
    public Set<String> names() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(names).subList(0, size)));
    }

    /**
     * All comma-separated elements of all lines of a header (e.g. {@code Connection: keep-alive, Upgrade}),
     * trimmed, empty elements dropped.
     */
    public List<String> tokens(String name) {
        List<String> out = new ArrayList<>();
        scanTokens(name, null, out);
        return out;
    }

    /** Whether a token list header contains the token, case-insensitively (scans the values in place). */
    public boolean containsToken(String name, String token) {
        return scanTokens(name, token, null);
    }

    /**
     * Walks the non-empty, trimmed comma-separated elements of every {@code name} line: adds each to {@code out}
     * if given, else returns true at the first equal to {@code token} ignoring case (no substring made).
     */
    private boolean scanTokens(String name, String token, List<String> out) {
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
            String line = values[i];
            int start = 0;
            while (start <= line.length()) {
                int end = elementEnd(line, start);
                int s = trimStart(line, start, end);
                int e = trimEnd(line, s, end);
                if (e > s) {
                    if (out != null) {
                        out.add(line.substring(s, e));
                    } else if (e - s == token.length() && line.regionMatches(true, s, token, 0, e - s)) {
                        return true;
                    }
                }
                start = end + 1;
            }
        }
        return false;
    }

    /** End of the comma-separated element starting at {@code from}: the next comma or the end of the line. */
    private static int elementEnd(String line, int from) {
        int c = line.indexOf(',', from);
        return c < 0 ? line.length() : c;
    }

    /** Like {@link String#trim()}: skips characters {@code <= ' '}. */
    private static int trimStart(String s, int from, int to) {
        while (from < to && s.charAt(from) <= ' ') {
            from++;
        }
        return from;
    }

    private static int trimEnd(String s, int from, int to) {
        while (to > from && s.charAt(to - 1) <= ' ') {
            to--;
        }
        return to;
    }

    /** {@code {name=[value, ...], ...}} with lower-case names in first-seen order. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (String n : names()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(n).append('=').append(getAll(n));
        }
        return sb.append('}').toString();
    }
}
