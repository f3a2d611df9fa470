package io.keel.websocket.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.keel.websocket.protocol.Utf8Validator;

/**
 * Differential fuzz target: {@link Utf8Validator} against the JDK's strict decoder, one-shot and incremental
 * (split at every position for short inputs), on heap/direct and big/little-endian buffers at odd offsets.
 */
class Utf8ValidatorFuzzTest {

    @FuzzTest
    void validatorMatchesJdk(byte[] data) {
        Utf8Oracle.checkAgainstJdk(data);
        assertThat(Utf8Validator.isValid(data, 0, data.length)).isEqualTo(Utf8Oracle.jdkValid(data));
    }
}
