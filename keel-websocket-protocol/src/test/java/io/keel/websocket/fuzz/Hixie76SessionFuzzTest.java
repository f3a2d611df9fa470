package io.keel.websocket.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.keel.websocket.protocol.ProtocolVersion;

/** Coverage-guided fuzzing of Hixie76FrameDecoder through WebSocketSession; see {@link HybiSessionFuzzTest}. */
class Hixie76SessionFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void hixie76Session(FuzzedDataProvider d) {
        HybiSessionFuzzTest.fromProvider(d, ProtocolVersion.HIXIE_76).check();
    }
}
