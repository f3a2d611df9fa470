package io.keel.echo.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A flood of connections over maxConnections: every one over the limit is closed at once, counted in
 * rejectedByLimiter, while the connections within the limit (among them a well-behaved client) go on; once some
 * close, new connections are accepted again.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ConnectionFloodTest {
    static final int MAX = 100;
    static final int FLOOD = 1_000;

    @Test
    void connectionsOverTheLimitAreRefusedAtOnce() throws Exception {
        try (Rig rig = Rig.plain(w -> w, s -> s.maxConnections(MAX))) {
            GoodClient good = GoodClient.start(rig);
            List<Wire> within = new ArrayList<>();
            List<Socket> flood = new ArrayList<>();
            try {
                for (int i = 0; i < MAX - 1; i++) {
                    within.add(new Wire(rig.address(), false).upgrade(13));
                }
                assertThat(rig.server.stats().currentConnections()).isEqualTo(MAX);
                long slowest = 0;
                for (int i = 0; i < FLOOD; i++) {
                    Socket s = new Socket("127.0.0.1", rig.server.port());
                    s.setSoTimeout(5_000);
                    flood.add(s);
                }
                for (Socket s : flood) {
                    long t0 = System.nanoTime();
                    int r;
                    try {
                        r = s.getInputStream().read();
                    } catch (IOException reset) {
                        r = -1;
                    }
                    assertThat(r).as("a connection over the limit got data instead of a close").isEqualTo(-1);
                    slowest = Math.max(slowest, System.nanoTime() - t0);
                }
                System.out.printf("flood: %d connections over a limit of %d refused; slowest close seen after %d ms%n",
                    FLOOD, MAX, TimeUnit.NANOSECONDS.toMillis(slowest));
                assertThat(rig.server.stats().rejectedByLimiter()).isEqualTo(FLOOD);
                assertThat(rig.server.stats().currentConnections()).isEqualTo(MAX);
                // the ones within the limit still work
                for (Wire w : within) {
                    w.sendText("still here");
                    assertThat(w.readText()).isEqualTo("still here");
                }
                good.stopAndCheck(50);
                // a closed slot is given to the next connection
                within.remove(0).closeNormally();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (rig.server.stats().currentConnections() >= MAX && System.nanoTime() < deadline) {
                    Thread.sleep(5); // polling: the slot is released when the server has seen the close
                }
                try (Wire again = new Wire(rig.address(), false)) {
                    again.upgrade(13).sendText("in again");
                    assertThat(again.readText()).isEqualTo("in again");
                    again.closeNormally();
                }
                for (Wire w : within) {
                    w.closeNormally();
                }
            } finally {
                good.close();
                within.forEach(Wire::close);
                for (Socket s : flood) {
                    s.close();
                }
            }
        }
    }
}
