package io.keel.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.keel.core.Server;
import io.keel.core.TestServers;
import io.keel.websocket.WebSocketProtocolHandler;
import io.keel.websocket.protocol.ProtocolVersion;
import io.keel.websocket.protocol.deflate.DeflateAgreement;
import io.keel.websocket.protocol.deflate.DeflateMode;
import io.keel.websocket.protocol.deflate.PerMessageDeflateConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
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
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketClientExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateClientExtensionHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketClientCompressionHandler;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Netty's client handshakers, one per protocol version (V00 is Hixie-76), against an in-process server running
 * the program's {@link WebSocketEchoHandler}: handshake, echo, close handshake.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NettyClientInteropTest {
    private static final Map<WebSocketVersion, ProtocolVersion> SERVER_VIEW = Map.of(
        WebSocketVersion.V00, ProtocolVersion.HIXIE_76,
        WebSocketVersion.V07, ProtocolVersion.HYBI_07,
        WebSocketVersion.V08, ProtocolVersion.HYBI_08,
        WebSocketVersion.V13, ProtocolVersion.RFC_6455);

    private static EventLoopGroup group;
    private Server server;
    private WebSocketProtocolHandler handler;

    @BeforeAll
    static void startNetty() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopNetty() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void startServer() {
        handler = WebSocketProtocolHandler.builder(new WebSocketEchoHandler()).build();
        server = TestServers.start(Server.builder().ioThreads(1).handler(handler));
    }

    @AfterEach
    void stopServer() {
        TestServers.closeAndCheckLeaks(server);
    }

    /** Netty's usual client pipeline: HTTP codec + aggregator for the upgrade, then the handshaker's codecs. */
    static final class ClientHandler extends SimpleChannelInboundHandler<Object> {
        final WebSocketClientHandshaker handshaker;
        final CompletableFuture<Void> handshake = new CompletableFuture<>();
        volatile HttpHeaders upgradeResponseHeaders;
        final BlockingQueue<Object> frames = new LinkedBlockingQueue<>(); // String, byte[], or Integer (close code)

        ClientHandler(WebSocketClientHandshaker handshaker) {
            this.handshaker = handshaker;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            handshaker.handshake(ctx.channel());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (!handshaker.isHandshakeComplete()) {
                try {
                    upgradeResponseHeaders = ((FullHttpResponse) msg).headers().copy();
                    handshaker.finishHandshake(ctx.channel(), (FullHttpResponse) msg);
                    handshake.complete(null);
                } catch (RuntimeException e) {
                    handshake.completeExceptionally(e);
                }
                return;
            }
            if (msg instanceof TextWebSocketFrame t) {
                frames.add(t.isFinalFragment() ? t.text() : new AssertionError("fragmented echo"));
            } else if (msg instanceof BinaryWebSocketFrame b) {
                frames.add(ByteBufUtil.getBytes(b.content()));
            } else if (msg instanceof PongWebSocketFrame p) {
                frames.add("pong:" + p.content().toString(StandardCharsets.UTF_8));
            } else if (msg instanceof CloseWebSocketFrame c) {
                frames.add(c.statusCode());
            } else if (msg instanceof WebSocketFrame f) {
                frames.add(new AssertionError("unexpected frame " + f));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            handshake.completeExceptionally(cause);
            frames.add(cause);
            ctx.close();
        }

        Object next() throws Exception {
            Object o = frames.poll(10, TimeUnit.SECONDS);
            if (o == null) {
                throw new AssertionError("nothing received within 10 s");
            }
            if (o instanceof Throwable t) {
                throw new AssertionError("client failure", t);
            }
            return o;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = WebSocketVersion.class, names = {"V00", "V07", "V08", "V13"})
    void handshakeEchoAndCloseHandshake(WebSocketVersion version) throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/echo");
        WebSocketClientHandshaker hs = WebSocketClientHandshakerFactory.newHandshaker(
            uri, version, null, false, new DefaultHttpHeaders(), 1 << 20);
        ClientHandler client = new ClientHandler(hs);
        Channel ch = connect(client);
        try {
            client.handshake.get(10, TimeUnit.SECONDS);
            assertThat(handler.stats().handshakes(SERVER_VIEW.get(version))).isEqualTo(1);

            String text = "hello from netty " + version + " ✓";
            ch.writeAndFlush(new TextWebSocketFrame(text));
            assertThat(client.next()).isEqualTo(text);

            if (version != WebSocketVersion.V00) { // Hixie-76 has neither binary frames, pings nor fragments
                byte[] small = {0, 1, 2, (byte) 0x80, (byte) 0xFF};
                ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(small)));
                assertThat((byte[]) client.next()).isEqualTo(small);

                byte[] big = new byte[200_000];
                new Random(3).nextBytes(big);
                ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(big)));
                assertThat((byte[]) client.next()).isEqualTo(big);

                ch.write(new TextWebSocketFrame(false, 0, "frag"));
                ch.write(new ContinuationWebSocketFrame(false, 0, "men"));
                ch.writeAndFlush(new ContinuationWebSocketFrame(true, 0, "ted"));
                assertThat(client.next()).isEqualTo("fragmented");

                ch.writeAndFlush(new PingWebSocketFrame(Unpooled.copiedBuffer("p1", StandardCharsets.UTF_8)));
                assertThat(client.next()).isEqualTo("pong:p1");
            }

            ch.writeAndFlush(new CloseWebSocketFrame(1000, "bye"));
            Object close = client.next();
            if (version == WebSocketVersion.V00) {
                assertThat(close).as("Hixie-76 close frame carries no code").isEqualTo(-1);
            } else {
                assertThat(close).isEqualTo(1000);
            }
            assertThat(ch.closeFuture().await(10, TimeUnit.SECONDS))
                .as("the server closes TCP once the close handshake is over").isTrue();
        } finally {
            ch.close().await(5, TimeUnit.SECONDS);
        }
    }

    private Channel connect(ClientHandler client) throws InterruptedException {
        return connect(client, server, null);
    }

    private static Channel connect(ClientHandler client, Server to, ChannelHandler compression)
            throws InterruptedException {
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel c) {
                    c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192));
                    if (compression != null) {
                        c.pipeline().addLast(compression);
                    }
                    c.pipeline().addLast(client);
                }
            })
            .connect("127.0.0.1", to.port()).sync().channel();
    }

    /**
     * Netty's permessage-deflate client (RFC 7692) against each server mode: negotiated, and every echo exact,
     * small and large, text, binary and fragmented. Dedicated: Netty's default {@code
     * WebSocketClientCompressionHandler} (context takeover, plus its older deflate-frame offers). Shared: Netty's
     * default client refuses an answer with {@code client_no_context_takeover} it did not offer (stricter than
     * RFC 7692 section 7.1.1.2, which lets the server add it), so it is configured to allow it
     * ({@code allowClientNoContext}), as browsers, Python's websockets and Node's ws do by default.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DeflateMode.class, names = {"SHARED", "DEDICATED"})
    void compressionHandlerNegotiatesPermessageDeflate(DeflateMode mode) throws Exception {
        WebSocketProtocolHandler layer = WebSocketProtocolHandler.builder(new WebSocketEchoHandler())
            .compression(PerMessageDeflateConfig.of(mode)).build();
        Server compressing = TestServers.start(Server.builder().ioThreads(1).handler(layer));
        URI uri = URI.create("ws://127.0.0.1:" + compressing.port() + "/echo");
        ClientHandler client = new ClientHandler(WebSocketClientHandshakerFactory.newHandshaker(
            uri, WebSocketVersion.V13, null, true, new DefaultHttpHeaders(), 1 << 20));
        Channel ch = connect(client, compressing, mode == DeflateMode.DEDICATED
            ? new WebSocketClientCompressionHandler(0)
            : new WebSocketClientExtensionHandler(new PerMessageDeflateClientExtensionHandshaker(6, false, 15, true, false)));
        try {
            client.handshake.get(10, TimeUnit.SECONDS);
            assertThat(client.upgradeResponseHeaders.get("Sec-WebSocket-Extensions"))
                .isEqualTo(mode == DeflateMode.SHARED ? DeflateAgreement.SHARED.response() : "permessage-deflate");
            for (int round = 0; round < 3; round++) {
                String text = "netty deflate ✓ ".repeat(1 + round * 500);
                ch.writeAndFlush(new TextWebSocketFrame(text));
                assertThat(client.next()).isEqualTo(text);
                byte[] big = new byte[150_000];
                new Random(round).nextBytes(big);
                java.util.Arrays.fill(big, 0, 100_000, (byte) 'k');
                ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(big)));
                assertThat((byte[]) client.next()).isEqualTo(big);
            }
            ch.write(new TextWebSocketFrame(false, 0, "frag"));
            ch.write(new ContinuationWebSocketFrame(false, 0, "men"));
            ch.writeAndFlush(new ContinuationWebSocketFrame(true, 0, "ted"));
            assertThat(client.next()).isEqualTo("fragmented");
            assertThat(layer.stats().compression().compressedBytesOut()).isPositive();
            assertThat(layer.stats().compression().compressedBytesIn()).isPositive();
            ch.writeAndFlush(new CloseWebSocketFrame(1000, "bye"));
            assertThat(client.next()).isEqualTo(1000);
        } finally {
            ch.close().await(5, TimeUnit.SECONDS);
            TestServers.closeAndCheckLeaks(compressing);
        }
        assertThat(layer.stats().compression().liveCodecs()).isZero();
    }

    /**
     * RFC 9112 section 3.2.2: Netty's handshakers with {@code absoluteUpgradeUrl} (what a client sends through a
     * plain HTTP proxy) write {@code GET ws://127.0.0.1:port/echo?x=1}, here with a {@code Host} that differs from
     * the URI's authority: upgraded on every version, and echoing.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = WebSocketVersion.class, names = {"V00", "V07", "V08", "V13"})
    void absoluteFormUpgrade(WebSocketVersion version) throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/echo?x=1");
        WebSocketClientHandshaker hs = WebSocketClientHandshakerFactory.newHandshaker(
            uri, version, null, false, new DefaultHttpHeaders().set("Host", "proxy.internal"), 1 << 20, true, false, 10_000L,
            true);
        ClientHandler client = new ClientHandler(hs);
        Channel ch = connect(client);
        try {
            client.handshake.get(10, TimeUnit.SECONDS);
            assertThat(handler.stats().handshakes(SERVER_VIEW.get(version))).isEqualTo(1);
            if (version == WebSocketVersion.V00) {
                // draft-hixie-76: the Location is the URL the client asked for: the URI's authority, not the Host
                // header (RFC 9112 section 3.2.2), and its path, not the whole absolute URI
                assertThat(client.upgradeResponseHeaders.get("Sec-WebSocket-Location")).isEqualTo(uri.toString());
            }
            ch.writeAndFlush(new TextWebSocketFrame("absolute " + version));
            assertThat(client.next()).isEqualTo("absolute " + version);
        } finally {
            ch.close().await(5, TimeUnit.SECONDS);
        }
    }
}
