package io.keel.echo.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.keel.core.SendStatus;
import io.keel.echo.hardening.CloseBehindLargeEchoTest.Transport;
import io.keel.websocket.BackpressurePolicy;
import io.keel.websocket.ClientWire.Frame;
import io.keel.websocket.WebSocket;
import io.keel.websocket.WebSocketHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * When the server must give up on a peer (an application sends it more than its queue limit holds in one go), the
 * peer is never left with a silent gap: it gets a prefix of the messages, intact and in order, exactly those whose
 * send was accepted, then a Close with 1008 and a reason (a control frame, not refused by the data queue limit),
 * and nothing after it. With the {@link BackpressurePolicy#CLOSE} policy and the default
 * {@link BackpressurePolicy#PAUSE_READING}; plain and TLS with both providers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SendQueueOverflowTest extends OneServerOneClientTest {
    static final int MiB = 1 << 20;
    static final int MESSAGES = 24; // 24 MiB at once: far over the 4 MiB queue limit and what the kernels hold

    /** On "go", sends MESSAGES messages of 1 MiB in one callback, without looking at the statuses. */
    static final class Flood implements WebSocketHandler {
        final List<SendStatus> statuses = new ArrayList<>();
        final CountDownLatch done = new CountDownLatch(1);

        @Override
        public void onText(WebSocket ws, ByteBuffer utf8) {
            for (int i = 0; i < MESSAGES; i++) {
                statuses.add(ws.sendBinary(ByteBuffer.wrap(message(i))));
            }
            done.countDown();
        }
    }

    static byte[] message(int i) {
        byte[] b = new byte[MiB];
        Arrays.fill(b, (byte) i);
        ByteBuffer.wrap(b).putInt(i);
        return b;
    }

    static Stream<Arguments> policiesAndTransports() {
        return Stream.of(BackpressurePolicy.CLOSE, BackpressurePolicy.PAUSE_READING)
            .flatMap(p -> Arrays.stream(Transport.values()).map(t -> Arguments.of(p, t)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("policiesAndTransports")
    void aPeerGivenUpOnGetsAPrefixThenA1008CloseWithAReason(BackpressurePolicy policy, Transport t) throws Exception {
        if (t.provider != null) {
            assumeThat(t.provider.isAvailable()).as(t.provider + " provider available").isTrue();
        }
        Flood app = new Flood();
        rig = Rig.start(app, w -> w.backpressure(policy), t.provider, null, s -> s);
        client = new Wire(rig.address(), t.provider == null ? null : Rig.clientContext(), 10_000,
            CloseBehindLargeEchoTest.CLIENT_RECEIVE_BUFFER);
        client.upgrade(13);
        client.sendText("go");
        assertThat(app.done.await(20, TimeUnit.SECONDS)).as("the handler sent its messages").isTrue();
        long accepted = app.statuses.stream().filter(SendStatus::accepted).count();
        assertThat(accepted).as("accepted sends (statuses %s)", app.statuses).isBetween(1L, (long) MESSAGES - 1);
        assertThat(app.statuses.subList((int) accepted, MESSAGES)).as("once refused, every later send is refused")
            .containsOnly(SendStatus.DROPPED);

        int received = 0;
        Frame f;
        while (true) {
            try {
                f = client.readFrame();
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("after " + received + " messages nothing more within 10 s: no Close (a silent gap)", e);
            } catch (java.io.IOException e) {
                throw new AssertionError("the connection ended after " + received + " messages without a Close (1006): " + e, e);
            }
            if (f.opcode() != 0x2) {
                break;
            }
            assertThat(f.payload()).as("message %d intact and in order", received).isEqualTo(message(received));
            received++;
            assertThat(received).as("messages received").isLessThanOrEqualTo(MESSAGES);
        }
        assertThat(received).as("the messages received are exactly those whose send was accepted").isEqualTo(accepted);
        assertThat(f.opcode()).as("after the messages: a Close").isEqualTo(0x8);
        assertThat(f.closeCode()).as("the Close's code").isEqualTo(1008);
        assertThat(f.payload().length).as("the Close has a reason").isGreaterThan(2);
        System.out.printf("%s %s: %d of %d messages accepted, then Close 1008 \"%s\"%n", policy, t, accepted, MESSAGES,
            new String(f.payload(), 2, f.payload().length - 2, StandardCharsets.UTF_8));
        client.write(Wire.frame(true, 0x8, new byte[] {0x03, (byte) 0xE8}, true));
        assertThat(client.readsEndOfStream()).as("TCP ends after our Close reply").isTrue();
        NonReadingClientTest.awaitNoConnections(rig);
        overflowCounter(rig).ifPresent(n -> assertThat(n).as("WebSocketStats.sendQueueOverflows()").isEqualTo(1));
        log.assertNoErrors();
        assertThat(rig.server.stats().handlerErrors()).isZero();
    }

    /** The counter of peers given up on, once main has it (looked up by name so this compiles before). */
    static java.util.Optional<Long> overflowCounter(Rig rig) {
        try {
            Object stats = rig.ws.stats();
            return java.util.Optional.of((Long) stats.getClass().getMethod("sendQueueOverflows").invoke(stats));
        } catch (NoSuchMethodException notYet) {
            return java.util.Optional.empty();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
