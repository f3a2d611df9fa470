package io.keel.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keel.websocket.protocol.CloseCodes;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link CloseHandshake}: which close is reported, and the close timeout, on a connection in memory. */
class CloseHandshakeTest {
    private final CloseHandshake close = new CloseHandshake();

    @Test
    @DisplayName("RFC 6455 §7.1.5: with no close frame the code is 1006 and the reason empty")
    void nothingRecorded() {
        assertThat(close.code()).isEqualTo(CloseCodes.ABNORMAL_CLOSURE);
        assertThat(close.reason()).isEmpty();
    }

    @Test
    @DisplayName("the first close recorded wins; a null reason is empty")
    void firstCloseWins() {
        close.record(CloseCodes.GOING_AWAY, null);
        close.record(CloseCodes.NORMAL_CLOSURE, "later");
        assertThat(close.code()).isEqualTo(CloseCodes.GOING_AWAY);
        assertThat(close.reason()).isEmpty();
    }

    @Test
    @DisplayName("RFC 6455 §7.1.7: the code of a protocol error we fail the connection with replaces the recorded one")
    void failureReplaces() {
        close.record(CloseCodes.NORMAL_CLOSURE, "bye");
        close.recordFailure(CloseCodes.MESSAGE_TOO_BIG, "message too big");
        assertThat(close.code()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
        assertThat(close.reason()).isEqualTo("message too big");
    }

    @Test
    @DisplayName("RFC 6455 §7.1.2: who started the close: the client's first close, ours, a failure, or none (abort)")
    void initiator() {
        assertThat(close.initiator()).isEqualTo(CloseInitiator.ABORT);
        close.recordClients(CloseCodes.NORMAL_CLOSURE, "");
        close.record(CloseCodes.GOING_AWAY, "ours, later");
        assertThat(close.initiator()).isEqualTo(CloseInitiator.CLIENT);
        CloseHandshake ours = new CloseHandshake();
        ours.record(CloseCodes.GOING_AWAY, "shutdown");
        ours.recordClients(CloseCodes.GOING_AWAY, "the client's answer");
        assertThat(ours.initiator()).isEqualTo(CloseInitiator.SERVER);
        CloseHandshake failed = new CloseHandshake();
        failed.recordClients(CloseCodes.NORMAL_CLOSURE, "");
        failed.recordFailure(CloseCodes.PROTOCOL_ERROR, "bad frame");
        assertThat(failed.initiator()).isEqualTo(CloseInitiator.SERVER);
    }

    @Test
    @DisplayName("the close timeout starts once, aborts the connection and is counted when it fires")
    void timeoutStartsOnceAndAborts() {
        FakeConnection connection = new FakeConnection();
        WebSocketStats stats = new WebSocketStats();
        assertThat(close.timeoutStarted()).isFalse();
        close.startTimeout(connection, stats, 5000);
        close.startTimeout(connection, stats, 5000);
        assertThat(connection.timers).hasSize(1);
        assertThat(connection.timers.get(0).millis).isEqualTo(5000);
        assertThat(close.timeoutStarted()).isTrue();

        connection.timers.get(0).fire();
        assertThat(connection.aborted).isTrue();
        assertThat(stats.closeTimeouts()).isEqualTo(1);
    }

    @Test
    void cancelStopsTheTimer() {
        FakeConnection connection = new FakeConnection();
        close.startTimeout(connection, new WebSocketStats(), 5000);
        close.cancelTimeout();
        assertThat(connection.timers.get(0).cancelled).isTrue();
    }

    @Test
    @DisplayName("the application hears of the close once")
    void reportedOnce() {
        assertThat(close.markReported()).isTrue();
        assertThat(close.markReported()).isFalse();
    }

    @Test
    @DisplayName("RFC 6455 §7.4 and §5.5: the application may send codes 1000-1003, 1007-1014, 3000-4999 and 123-byte reasons")
    void checkToSend() {
        CloseCodes.checkToSend(CloseCodes.NORMAL_CLOSURE, null);
        CloseCodes.checkToSend(4999, "x".repeat(123));
        assertThatThrownBy(() -> CloseCodes.checkToSend(CloseCodes.ABNORMAL_CLOSURE, ""))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1006");
        assertThatThrownBy(() -> CloseCodes.checkToSend(1000, "\u00e9".repeat(62)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("123");
    }
}
