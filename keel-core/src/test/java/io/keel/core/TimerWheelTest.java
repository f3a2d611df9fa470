package io.keel.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TimerWheelTest {
    private static final long TICK = TimeUnit.MILLISECONDS.toNanos(10);

    @Test
    void firesInDeadlineOrderAndNotBefore() {
        TimerWheel w = new TimerWheel(TICK, 0);
        List<String> fired = new ArrayList<>();
        w.schedule(() -> fired.add("b"), ms(50), 0);
        w.schedule(() -> fired.add("a"), ms(20), 0);
        w.advance(ms(15), Runnable::run);
        assertThat(fired).isEmpty();
        w.advance(ms(20), Runnable::run);
        assertThat(fired).containsExactly("a");
        w.advance(ms(60), Runnable::run);
        assertThat(fired).containsExactly("a", "b");
        assertThat(w.isEmpty()).isTrue();
    }

    @Test
    void timersBeyondOneRotationWaitTheirTurn() {
        TimerWheel w = new TimerWheel(TICK, 0);
        List<String> fired = new ArrayList<>();
        w.schedule(() -> fired.add("far"), ms(512 * 10 + 30), 0); // same bucket as 30 ms, one rotation later
        w.schedule(() -> fired.add("near"), ms(30), 0);
        w.advance(ms(40), Runnable::run);
        assertThat(fired).containsExactly("near");
        w.advance(ms(512 * 10), Runnable::run);
        assertThat(fired).containsExactly("near");
        w.advance(ms(512 * 10 + 30), Runnable::run);
        assertThat(fired).containsExactly("near", "far");
    }

    @Test
    void cancelledAndRescheduledTimers() {
        TimerWheel w = new TimerWheel(TICK, 0);
        List<String> fired = new ArrayList<>();
        Timer t = w.schedule(() -> fired.add("cancelled"), ms(20), 0);
        TimerWheel.Task idle = w.schedule(() -> fired.add("idle"), ms(20), 0);
        assertThat(t.cancel()).isTrue();
        assertThat(t.cancel()).isFalse();
        w.reschedule(idle, ms(100), ms(10)); // activity pushed the idle deadline
        w.advance(ms(50), Runnable::run);
        assertThat(fired).isEmpty();
        w.advance(ms(110), Runnable::run);
        assertThat(fired).containsExactly("idle");
    }

    @Test
    void aTaskCancellingItsBucketNeighbourIsSafe() {
        TimerWheel w = new TimerWheel(TICK, 0);
        List<String> fired = new ArrayList<>();
        Timer[] other = new Timer[1];
        other[0] = w.schedule(() -> fired.add("other"), ms(20), 0);
        w.schedule(() -> {
            fired.add("first");
            other[0].cancel();
        }, ms(20), 0);
        w.advance(ms(30), Runnable::run);
        assertThat(fired).containsExactly("first");
        assertThat(w.isEmpty()).isTrue();
    }

    private static long ms(long n) {
        return TimeUnit.MILLISECONDS.toNanos(n);
    }
}
