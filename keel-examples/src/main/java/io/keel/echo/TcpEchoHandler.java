package io.keel.echo;

import io.keel.core.Connection;
import io.keel.core.ConnectionHandler;
import io.keel.core.SendStatus;
import java.nio.ByteBuffer;

/**
 * A TCP echo server: every byte back to its sender. A client that does not read its echoes is
 * not read either (backpressure instead of unbounded queues), and bytes the server could not queue yet stay
 * unconsumed, so nothing is lost.
 */
public final class TcpEchoHandler implements ConnectionHandler {

    @Override
    public void onData(Connection connection, ByteBuffer data) {
        SendStatus status = connection.send(data);
        if (status == SendStatus.BACKPRESSURE || status == SendStatus.DROPPED) {
            connection.pauseReading();
        }
    }

    @Override
    public void onWritable(Connection connection) {
        connection.resumeReading();
    }
}
