package io.keel.websocket.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.keel.websocket.protocol.ProtocolVersion;
import io.keel.websocket.protocol.WebSocketConfig;

/**
 * Coverage-guided fuzzing of HyBi framing (HybiFrameDecoder through WebSocketSession) for HyBi-07/08/RFC 6455, in
 * accumulate and streaming mode, with random read splits, an echoing app and an app-initiated close at a random
 * point. Invariants: see {@link SessionHarness}; the split run must match a one-read accumulate run.
 *
 * <p>Input layout (Jazzer's FuzzedDataProvider takes the settings from the end): the client bytes come first, so
 * a seed that is just client frames is a meaningful input.
 */
class HybiSessionFuzzTest {
    private static final ProtocolVersion[] VERSIONS = {ProtocolVersion.HYBI_07, ProtocolVersion.HYBI_08, ProtocolVersion.RFC_6455};

    @FuzzTest(maxDuration = "10s")
    void hybiSession(FuzzedDataProvider d) {
        fromProvider(d, VERSIONS[d.consumeInt(0, 2)]).check();
    }

    static SessionRuns fromProvider(FuzzedDataProvider d, ProtocolVersion v) {
        WebSocketConfig cfg = WebSocketConfig.defaults()
                .withMaxMessageSize(d.pickValue(SessionRuns.MAX_SIZES))
                .withStreaming(d.consumeBoolean())
                .withAutoPong(!d.consumeBoolean())
                .withAutoCloseReply(!d.consumeBoolean())
                .withStrictLengthEncoding(d.consumeBoolean());
        boolean echo = d.consumeBoolean();
        long seed = d.consumeLong();
        int appCloseAt = d.consumeBoolean() ? d.consumeInt(0, 4096) : -1;
        return new SessionRuns(v, cfg, echo, seed, appCloseAt, d.consumeRemainingAsBytes());
    }
}
