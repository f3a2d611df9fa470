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
            // its address and transport only: no URL, nothing about WebSockets or their close codes
            assertThat(p.allOutput()).isEqualTo(String.join("\n",
                "keel-echo: tcp echo server listening on 127.0.0.1:" + p.port,
                ServerProgram.transportLine(io.keel.core.Transports.choose(System.getProperty("keel.transport", "auto"))),
                "keel-echo: shutting down (open connections are closed)",
                "keel-echo: stopped; 1 connections served"));
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
        assertThat(p.allOutput()).isEqualTo("keel-echo: --port must be between 0 and 65535, not 99999"
            + " (try 'keel-echo --help')");
    }

    /** Was a NullPointerException's stack trace: now the usage error, one line, exit 2. */
    @Test
    void pkcs12WithoutPasswordFileIsAOneLineUsageError() throws Exception {
        EchoProcess p = EchoProcess.launch("--bind", "127.0.0.1", "--port", "0", "--pkcs12", "server.p12");
        assertThat(p.awaitExit()).isEqualTo(2);
        assertThat(p.allOutput()).isEqualTo("keel-echo: --pkcs12 needs --password-file FILE: a file whose first line is"
            + " the key store's password, empty for none (try 'keel-echo --help')");
    }

    /** Was "java.io.IOException: Is a directory": now words naming the file, one line, exit 1. */
    @Test
    void aDirectoryGivenAsCertificateIsOneLineNamingIt() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("keel-cert-dir");
        try {
            EchoProcess p = EchoProcess.launch("--bind", "127.0.0.1", "--port", "0", "--cert", dir.toString());
            assertThat(p.awaitExit()).isEqualTo(1);
            assertThat(p.allOutput()).isEqualTo("keel-echo: The certificate and key file " + dir
                + " is a directory, not a file");
        } finally {
            java.nio.file.Files.delete(dir);
        }
    }
}
