package io.keel.websocket.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.websocket.protocol.ProtocolVersion;
import io.keel.websocket.protocol.WebSocketConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** One fuzz/property case: a session configuration, client bytes, how to split them and an optional app close. */
record SessionRuns(ProtocolVersion version, WebSocketConfig cfg, boolean echo, long splitSeed, int appCloseAt, byte[] data) {

    static final int[] MAX_SIZES = {125, 126, 1000, 65535, 65536, 1 << 20};

    /**
     * Runs the case split as {@code splitSeed} says and again in one read with the accumulate-mode twin of the
     * configuration; both must satisfy the harness invariants and produce the same transcript.
     */
    @Override
    public String toString() {
        return version + " " + cfg + " echo=" + echo + " splitSeed=" + splitSeed + " appCloseAt=" + appCloseAt + " data="
                + java.util.HexFormat.of().formatHex(data);
    }

    void check() {
        try {
            check0();
        } catch (AssertionError e) {
            throw new AssertionError(this + ": " + e.getMessage(), e);
        }
    }

    private void check0() {
        SessionHarness split = run(cfg, new Random(splitSeed));
        SessionHarness whole = run(cfg.withStreaming(false), null);
        List<String> a = split.transcript();
        List<String> b = whole.transcript();
        assertThat(a).as("split/streaming run vs one-read accumulate run").isEqualTo(echoFree(b, echo && cfg.streaming()));
    }

    private static List<String> echoFree(List<String> t, boolean dropOut) {
        return dropOut ? t.stream().filter(s -> !s.startsWith("out=")).toList() : t;
    }

    private SessionHarness run(WebSocketConfig c, Random rnd) {
        SessionHarness h = new SessionHarness(version, c, echo);
        if (appCloseAt >= 0 && appCloseAt <= data.length) {
            h.feed(Arrays.copyOfRange(data, 0, appCloseAt), rnd);
            h.appClose();
            h.feed(Arrays.copyOfRange(data, appCloseAt, data.length), rnd);
        } else {
            h.feed(data, rnd);
        }
        h.finish();
        return h;
    }
}
