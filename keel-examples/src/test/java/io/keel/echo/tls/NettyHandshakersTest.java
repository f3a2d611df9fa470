package io.keel.echo.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.tls.TestPki;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Netty's client handshakers over TLS against the wss program: Hixie-76 (V00), HyBi-07, HyBi-08 and RFC 6455 (V13)
 * on one server, which tells them apart per connection. Hixie-76 must name the secure origin in its
 * Sec-WebSocket-Location.
 */
@Timeout(60)
class NettyHandshakersTest {
    @TempDir
    static Path dir;
    static TestPki.ServerCert cert;
    static WssEchoProcess server;
    static EventLoopGroup group;

    @BeforeAll
    static void start() throws Exception {
        cert = TestPki.serverCert(dir);
        server = WssEchoProcess.start(cert.options());
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = WebSocketVersion.class, names = {"V00", "V07", "V08", "V13"})
    void echoesOverTls(WebSocketVersion version) throws Exception {
        URI uri = URI.create("wss://127.0.0.1:" + server.port + "/");
        SslContext ssl = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
            .trustManager(cert.cert().certificate()).build();
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
            uri, version, null, false, new DefaultHttpHeaders(), 4 << 20);
        Client client = new Client(handshaker);
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel c) {
                    SSLEngine engine = ssl.newEngine(c.alloc(), "127.0.0.1", server.port);
                    SSLParameters p = engine.getSSLParameters();
                    p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name 127.0.0.1
                    engine.setSSLParameters(p);
                    c.pipeline().addLast(new SslHandler(engine), new HttpClientCodec(),
                        new HttpObjectAggregator(1 << 16), client);
                }
            })
            .connect("127.0.0.1", server.port).sync().channel();
        try {
            HttpHeaders response = client.handshake.get(20, TimeUnit.SECONDS);
            if (version == WebSocketVersion.V00) {
                assertThat(response.get("Sec-WebSocket-Location")).isEqualTo("wss://127.0.0.1:" + server.port + "/");
                assertThat(response.get("Sec-WebSocket-Origin")).isNotNull();
            } else {
                assertThat(response.get("Sec-WebSocket-Accept")).isNotNull();
            }

            // Netty's WebSocket00FrameDecoder loses a Hixie-76 text frame that spans two reads (it consumes the
            // type byte, returns nothing, and ReplayingDecoder carries on from there), so V00 stays below one
            // TLS record; the server's 100 000-byte V00 frame was checked on the wire to be whole and correct
            int textSize = version == WebSocketVersion.V00 ? 8_000 : 100_000;
            for (String text : new String[] {"hello over " + version, "héllo wörld ✓ 𝄞", "y".repeat(textSize)}) {
                ch.writeAndFlush(new TextWebSocketFrame(text)).sync();
                assertThat(client.next()).isEqualTo(text);
            }
            if (version != WebSocketVersion.V00) { // Hixie-76 has no binary messages
                byte[] big = new byte[1 << 20];
                new Random(7).nextBytes(big);
                ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(big))).sync();
                assertThat((byte[]) client.next()).isEqualTo(big);
                // a fragmented message comes back whole (or in fragments the client joins)
                ch.write(new TextWebSocketFrame(false, 0, "frag"));
                ch.writeAndFlush(new ContinuationWebSocketFrame(true, 0, "mented")).sync();
                assertThat(client.next()).isEqualTo("fragmented");
            }
            ch.writeAndFlush(new CloseWebSocketFrame(1000, "bye")).sync();
            assertThat(client.next()).isEqualTo(version == WebSocketVersion.V00 ? "close" : "close 1000");
            assertThat(ch.closeFuture().await(20, TimeUnit.SECONDS)).as("server closes the connection").isTrue();
        } finally {
            ch.close().sync();
        }
        String name = switch (version) {
            case V00 -> "hixie_76";
            case V07 -> "hybi_07";
            case V08 -> "hybi_08";
            default -> "rfc_6455";
        };
        assertThat(server.metric(cert.clientContext(), "keel_websocket_handshakes_total{version=\"" + name + "\"}"))
            .isGreaterThanOrEqualTo(1);
    }

    /**
     * Hixie-76 over TLS by hand (the handshake example of draft-hixie-thewebsocketprotocol-76 section 1.3), with
     * text frames far larger than a TLS record, which Netty's V00 decoder cannot take: each comes back whole, and
     * the closing handshake is answered.
     */
    @Test
    void hixie76LargeFramesOverTls() throws Exception {
        try (SSLSocket s = (SSLSocket) cert.clientContext().getSocketFactory().createSocket("127.0.0.1", server.port)) {
            s.setSoTimeout(20_000);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            out.write(("GET /demo HTTP/1.1\r\nHost: 127.0.0.1:" + server.port + "\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nSec-WebSocket-Protocol: sample\r\nUpgrade: WebSocket\r\n"
                + "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\nOrigin: https://example.com\r\n\r\n^n:ds[4U")
                .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101 ")
                .containsIgnoringCase("Sec-WebSocket-Location: wss://127.0.0.1:" + server.port + "/demo\r\n")
                .containsIgnoringCase("Sec-WebSocket-Origin: https://example.com\r\n");
            byte[] challenge = new byte[16];
            in.readFully(challenge);
            assertThat(new String(challenge, StandardCharsets.ISO_8859_1)).isEqualTo("8jKS'y:G*Co,Wxa-");

            for (int size : new int[] {5, 40_000, 300_000}) {
                String text = "é".repeat(size / 2) + "z".repeat(size % 2);
                byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
                out.write(0x00);
                out.write(utf8);
                out.write(0xFF);
                out.flush();
                assertThat(in.readUnsignedByte()).isZero();
                byte[] echo = new byte[utf8.length];
                in.readFully(echo);
                assertThat(echo).isEqualTo(utf8);
                assertThat(in.readUnsignedByte()).isEqualTo(0xFF);
            }
            out.write(new byte[] {(byte) 0xFF, 0x00});
            out.flush();
            assertThat(in.readUnsignedByte()).isEqualTo(0xFF);
            assertThat(in.readUnsignedByte()).isZero();
            assertThat(in.read()).as("then the server closes").isEqualTo(-1);
        }
    }

    /** Finishes the handshake, then queues whole messages (String, byte[]) and "close [code]". */
    static final class Client extends SimpleChannelInboundHandler<Object> {
        final WebSocketClientHandshaker handshaker;
        final CompletableFuture<HttpHeaders> handshake = new CompletableFuture<>();
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        private StringBuilder text;
        private java.io.ByteArrayOutputStream binary;

        Client(WebSocketClientHandshaker handshaker) {
            this.handshaker = handshaker;
        }

        Object next() throws InterruptedException {
            Object m = messages.poll(20, TimeUnit.SECONDS);
            assertThat(m).as("a message within 20 s").isNotNull().isNotInstanceOf(Throwable.class);
            return m;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            handshaker.handshake(ctx.channel());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (!handshaker.isHandshakeComplete()) {
                FullHttpResponse r = (FullHttpResponse) msg;
                HttpHeaders headers = r.headers().copy();
                handshaker.finishHandshake(ctx.channel(), r);
                handshake.complete(headers);
                return;
            }
            WebSocketFrame f = (WebSocketFrame) msg;
            if (f instanceof CloseWebSocketFrame c) {
                messages.add(c.statusCode() < 0 ? "close" : "close " + c.statusCode());
            } else if (f instanceof TextWebSocketFrame || (f instanceof ContinuationWebSocketFrame && text != null)) {
                text = text == null ? new StringBuilder() : text;
                text.append(f.content().toString(StandardCharsets.UTF_8));
                if (f.isFinalFragment()) {
                    messages.add(text.toString());
                    text = null;
                }
            } else if (f instanceof BinaryWebSocketFrame || f instanceof ContinuationWebSocketFrame) {
                binary = binary == null ? new java.io.ByteArrayOutputStream() : binary;
                binary.writeBytes(ByteBufUtil.getBytes(f.content()));
                if (f.isFinalFragment()) {
                    messages.add(binary.toByteArray());
                    binary = null;
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            handshake.completeExceptionally(cause);
            messages.add(cause);
            ctx.close();
        }
    }
}
