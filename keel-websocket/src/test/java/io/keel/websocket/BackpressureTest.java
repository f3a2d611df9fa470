package io.keel.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.SendStatus;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** {@link Backpressure} on a connection in memory: the policies, the ping/pong bound, pause reasons. */
class BackpressureTest {
    private final FakeConnection connection = new FakeConnection();
    private final WebSocketStats stats = new WebSocketStats();

    private Backpressure with(BackpressurePolicy policy) {
        return new Backpressure(connection, policy, stats);
    }

    @Nested
    @DisplayName("PAUSE_READING: a send over the high watermark stops reading until the queue drains")
    class PauseReading {
        private final Backpressure b = with(BackpressurePolicy.PAUSE_READING);

        @Test
        void pausesOnceThenResumesOnWritable() {
            assertThat(b.afterSend(SendStatus.BACKPRESSURE, false)).isFalse();
            assertThat(b.afterSend(SendStatus.BACKPRESSURE, false)).isFalse();
            assertThat(connection.pauses).isEqualTo(1);
            assertThat(b.holdsDelivery()).isTrue();

            b.onWritable();
            assertThat(connection.paused).isFalse();
            assertThat(b.holdsDelivery()).isFalse();
        }

        @Test
        void theApplicationsPauseOutlastsThePolicys() {
            b.pauseByApplication();
            b.afterSend(SendStatus.BACKPRESSURE, false);
            b.onWritable();
            assertThat(connection.paused).as("still paused by the application").isTrue();
            assertThat(b.holdsDelivery()).isTrue();

            b.resumeByApplication();
            assertThat(connection.paused).isFalse();
            assertThat(b.isPausedByApplication()).isFalse();
        }

        @Test
        void thePolicysPauseOutlastsTheApplicationsResume() {
            b.afterSend(SendStatus.BACKPRESSURE, false);
            b.pauseByApplication();
            b.resumeByApplication();
            assertThat(connection.paused).as("the queue has not drained").isTrue();
            b.onWritable();
            assertThat(connection.paused).isFalse();
        }

        @Test
        void givesUpOnceWhenTheLimitRefusesAMessage() {
            assertThat(b.afterSend(null, true)).isTrue();
            assertThat(b.afterSend(null, true)).as("one close with 1008, counted once").isFalse();
            assertThat(stats.sendQueueOverflows()).isEqualTo(1);
        }

        @Test
        void aRefusalWhileClosingIsNoGiveUp() {
            assertThat(b.afterSend(null, false)).isFalse();
            assertThat(stats.sendQueueOverflows()).isZero();
        }
    }

    @Test
    @DisplayName("CLOSE keeps reading on backpressure and gives up when the limit refuses a message")
    void closePolicy() {
        Backpressure b = with(BackpressurePolicy.CLOSE);
        assertThat(b.afterSend(SendStatus.BACKPRESSURE, false)).isFalse();
        assertThat(connection.pauses).isZero();
        assertThat(b.afterSend(null, true)).isTrue();
        assertThat(stats.sendQueueOverflows()).isEqualTo(1);
    }

    @Test
    @DisplayName("MANUAL leaves both to the application")
    void manualPolicy() {
        Backpressure b = with(BackpressurePolicy.MANUAL);
        assertThat(b.afterSend(SendStatus.BACKPRESSURE, false)).isFalse();
        assertThat(b.afterSend(null, true)).isFalse();
        assertThat(connection.pauses).isZero();
        assertThat(stats.sendQueueOverflows()).isZero();
    }

    @Test
    @DisplayName("RFC 6455 §5.5.2/5.5.3: pings and pongs past the queue limit are bounded, and the bound starts over under it")
    void pingsAndPongsPastTheLimitAreBounded() {
        Backpressure b = with(BackpressurePolicy.PAUSE_READING);
        for (int i = 0; i < Backpressure.MAX_CONTROL_PAST_LIMIT; i++) {
            assertThat(b.admitControlPastLimit()).as("control frame %d", i).isTrue();
        }
        assertThat(b.admitControlPastLimit()).isFalse();

        b.backUnderLimit();
        assertThat(b.admitControlPastLimit()).isTrue();
    }

    @Test
    @DisplayName("a refused control frame holds delivery; the client is then aborted, counted")
    void refusedControlFrame() {
        Backpressure b = with(BackpressurePolicy.PAUSE_READING);
        assertThat(b.isControlRefused()).isFalse();
        b.controlRefused();
        assertThat(b.isControlRefused()).isTrue();
        assertThat(b.holdsDelivery()).isTrue();

        Backpressure.abortUnreachable(connection, stats, "a control frame could not be queued");
        assertThat(connection.aborted).isTrue();
        assertThat(stats.undeliverableAborts()).isEqualTo(1);
    }
}
