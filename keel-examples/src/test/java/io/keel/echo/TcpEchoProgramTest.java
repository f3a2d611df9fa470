package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Random;
import io.keel.core.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class TcpEchoProgramTest {

    @Test
    void echoesEveryByteAndExitsZeroOnSigterm() throws Exception {
        try (EchoProcess p = EchoProcess.start("--mode", "tcp", "--bind", "127.0.0.1", "--port", "0")) {
            byte[] data = new byte[200_000];
            new Random(1).nextBytes(data);
            try (SocketChannel ch = TestServers.connect(new InetSocketAddress("127.0.0.1", p.port))) {
                TestServers.writeFully(ch, ByteBuffer.wrap(data));
                assertThat(TestServers.readExactly(ch, data.length)).isEqualTo(data);
            }
            int code = p.terminate();
            assertThat(code).as(p.allOutput()).isZero();
            assertThat(p.allOutput()).contains("tcp echo server listening on 127.0.0.1:").contains("stopped");
        }
    }

    @Test
    void aPortInUseIsOneClearLineAndExitCodeOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            EchoProcess p = EchoProcess.launch("--mode", "tcp", "--bind", "127.0.0.1", "--port",
                String.valueOf(taken.getLocalPort()));
            assertThat(p.awaitExit()).isEqualTo(1);
            assertThat(p.allOutput()).contains("address already in use").doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    @Test
    void usageErrorsExitTwoWithAHint() throws Exception {
        EchoProcess p = EchoProcess.launch("--port", "99999");
        assertThat(p.awaitExit()).isEqualTo(2);
        assertThat(p.allOutput()).contains("--port must be between 0 and 65535").contains("--help");
    }
}
