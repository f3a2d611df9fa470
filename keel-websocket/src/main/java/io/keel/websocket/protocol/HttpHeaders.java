package io.keel.websocket.protocol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Case-insensitive, multi-valued, insertion-ordered HTTP header map (values stored as received, trimmed). */
public final class HttpHeaders {
    private final Map<String, List<String>> map = new LinkedHashMap<>();

    void add(String name, String value) {
        map.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(value);
    }

    /** The first value of the header, or null. */
    public String get(String name) {
        List<String> v = map.get(name.toLowerCase(Locale.ROOT));
        return v == null ? null : v.get(0);
    }

    /** All values (one per header line), empty if absent. */
    public List<String> getAll(String name) {
        List<String> v = map.get(name.toLowerCase(Locale.ROOT));
        return v == null ? List.of() : Collections.unmodifiableList(v);
    }

    public boolean contains(String name) {
        return map.containsKey(name.toLowerCase(Locale.ROOT));
    }

    /** Number of header lines with this name. */
    public int count(String name) {
        return getAll(name).size();
    }

    /** Lower-case names. */
    public Set<String> names() {
        return Collections.unmodifiableSet(map.keySet());
    }

    /**
     * All comma-separated elements of all lines of a header (e.g. {@code Connection: keep-alive, Upgrade}),
     * trimmed, empty elements dropped.
     */
    public List<String> tokens(String name) {
        List<String> out = new ArrayList<>();
        for (String line : getAll(name)) {
            for (String t : line.split(",")) {
                String s = t.trim();
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** Whether a token list header contains the token, case-insensitively. */
    public boolean containsToken(String name, String token) {
        for (String t : tokens(name)) {
            if (t.equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return map.toString();
    }
}
