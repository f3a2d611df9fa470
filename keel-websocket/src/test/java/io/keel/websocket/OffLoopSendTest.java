package io.keel.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.SendStatus;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link OffLoopSend}: the promise, the copy, the reservation and the one onDrain, with no socket and no thread. */
class OffLoopSendTest {
    private final FakeConnection connection = new FakeConnection();
    private final List<String> sentOnLoop = new ArrayList<>();
    private int drains;
    private boolean open = true;
    private final WebSocket ws = (WebSocket) Proxy.newProxyInstance(WebSocket.class.getClassLoader(),
        new Class<?>[] {WebSocket.class}, (proxy, method, args) -> switch (method.getName()) {
            case "connection" -> connection;
            case "isOpen" -> open;
            default -> throw new UnsupportedOperationException(method.getName());
        });
    private final WebSocketHandler app = new WebSocketHandler() {
        @Override
        public void onDrain(WebSocket w) {
            drains++;
        }
    };

    private SendStatus handOver(String text, SendStatus loopStatus) {
        ByteBuffer payload = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        SendStatus promised = OffLoopSend.handOver(ws, app, payload, false, copy -> {
            sentOnLoop.add(StandardCharsets.UTF_8.decode(copy).toString());
            return loopStatus;
        });
        assertThat(payload.position()).as("the caller's position is not moved").isZero();
        return promised;
    }

    @Test
    void theSendRunsOnTheLoopWithACopyAndReleasesItsReservation() {
        connection.inLoop = false;
        byte[] bytes = "hello".getBytes(StandardCharsets.UTF_8);
        ByteBuffer payload = ByteBuffer.wrap(bytes);
        assertThat(OffLoopSend.handOver(ws, app, payload, false, copy -> {
            sentOnLoop.add(StandardCharsets.UTF_8.decode(copy).toString());
            return SendStatus.SENT;
        })).isEqualTo(SendStatus.QUEUED);
        assertThat(connection.reserved).isEqualTo(5 + OffLoopSend.MAX_FRAME_OVERHEAD);
        bytes[0] = 'j'; // the caller reuses its buffer at once
        assertThat(sentOnLoop).as("nothing runs before the loop does").isEmpty();

        assertThat(connection.runTasks()).isEqualTo(1);
        assertThat(sentOnLoop).containsExactly("hello");
        assertThat(connection.reserved).isZero();
        assertThat(drains).isZero();
    }

    @Test
    void aBackpressurePromiseIsKeptWithOneOnDrain() {
        connection.reserveStatus = SendStatus.BACKPRESSURE;
        assertThat(handOver("a", SendStatus.QUEUED)).isEqualTo(SendStatus.BACKPRESSURE);
        connection.runTasks();
        assertThat(drains).isEqualTo(1);
    }

    @Test
    void noOnDrainWhenTheLoopsSendMetBackpressureItself() {
        // the connection calls onWritable, and so onDrain, when that backpressure ends
        connection.reserveStatus = SendStatus.BACKPRESSURE;
        handOver("a", SendStatus.BACKPRESSURE);
        connection.runTasks();
        assertThat(drains).isZero();
    }

    @Test
    void noOnDrainOnceClosed() {
        connection.reserveStatus = SendStatus.BACKPRESSURE;
        handOver("a", SendStatus.SENT);
        open = false;
        connection.runTasks();
        assertThat(drains).isZero();
    }

    @Test
    void aDroppedPromiseCopiesAndRunsNothing() {
        connection.reserveStatus = SendStatus.DROPPED;
        assertThat(handOver("a", SendStatus.SENT)).isEqualTo(SendStatus.DROPPED);
        assertThat(connection.tasks).isEmpty();
        assertThat(connection.reserved).isZero();
    }
}
