import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fan-out load for a chat (publish/subscribe) WebSocket server such as keel-chat, with nothing but the JDK:
 * {@code java FanoutLoad.java --port P [options]} (see {@link #USAGE}). Run by bench/fanout.sh.
 *
 * <p>N subscriber WebSockets (RFC 6455) only read and count; one publisher sends text messages of a fixed size
 * to the room and, being in the room too, reads them back. Each message carries its sequence number, so each
 * subscriber checks that it gets every message once and in order. The publisher keeps at most {@code --window}
 * messages in flight (sent but not yet delivered, averaged over the subscribers) so the server always has work
 * queued but never more than a bounded amount: the server, not the publisher, sets the pace. After the warm-up,
 * the measuring window reads the delivered count and the server's CPU time ({@code /proc/PID/stat}) at its start
 * and end. The last line on stdout is one JSON object; progress goes to stderr.
 */
public final class FanoutLoad {
    static final String USAGE = """
        Usage: java FanoutLoad.java --port PORT [options]
          --host HOST          server address (default 127.0.0.1)
          --port PORT          server port (required)
          --subscribers N      subscriber WebSockets (default 1000; at most 15000, under 20,000 open files)
          --size BYTES         message size, at least 20 (default 64)
          --window N           messages in flight at most (default 32)
          --warmup SECONDS     load before measuring (default 3)
          --duration SECONDS   measuring window (default 10)
          --readers N          reading threads, each with its own selector (default 2)
          --server-pid PID     read the server's CPU time from /proc/PID/stat (default: no CPU figures)
          --clk-tck N          clock ticks per second of /proc/PID/stat (default 100; getconf CLK_TCK)
        """;
    static final int SEQ_DIGITS = 19; // a long, zero-padded, at the start of each message
    static final byte[] UPGRADE = ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);

    String host = "127.0.0.1";
    int port = -1;
    int subscribers = 1000;
    int size = 64;
    int window = 32;
    double warmup = 3;
    double duration = 10;
    int readers = 2;
    long serverPid = -1;
    int clkTck = 100;

    /** Subscriber deliveries (the publisher's own copies are not counted). */
    final AtomicLong delivered = new AtomicLong();

    /**
     * Runs the load and prints its JSON line; exits 0 when every subscriber got every message once and in order,
     * 1 when not, 2 for a bad command line.
     *
     * @param args the options of {@link #USAGE}
     * @throws Exception when a connection or its upgrade fails (the server is not there, or refuses)
     */
    public static void main(String[] args) throws Exception {
        FanoutLoad f = new FanoutLoad();
        try {
            f.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("FanoutLoad: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        }
        System.exit(f.run());
    }

    void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String opt = args[i];
            if (opt.equals("--help")) {
                System.out.print(USAGE);
                System.exit(0);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(opt + " needs a value");
            }
            String v = args[++i];
            try {
                set(opt, v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(opt + " needs a number, not '" + v + "'");
            }
        }
        if (port < 0 || subscribers < 1 || subscribers > 15_000 || size < SEQ_DIGITS + 1 || size > 125
            || window < 1 || readers < 1 || duration <= 0 || warmup < 0) {
            throw new IllegalArgumentException("need --port, 1 <= subscribers <= 15000, 20 <= size <= 125,"
                + " window >= 1, readers >= 1, duration > 0");
        }
    }

    private void set(String opt, String v) {
        switch (opt) {
            case "--host" -> host = v;
            case "--port" -> port = Integer.parseInt(v);
            case "--subscribers" -> subscribers = Integer.parseInt(v);
            case "--size" -> size = Integer.parseInt(v);
            case "--window" -> window = Integer.parseInt(v);
            case "--warmup" -> warmup = Double.parseDouble(v);
            case "--duration" -> duration = Double.parseDouble(v);
            case "--readers" -> readers = Integer.parseInt(v);
            case "--server-pid" -> serverPid = Long.parseLong(v);
            case "--clk-tck" -> clkTck = Integer.parseInt(v);
            default -> throw new IllegalArgumentException("unknown option " + opt);
        }
    }

    int run() throws Exception {
        InetSocketAddress server = new InetSocketAddress(host, port);
        List<Reader> readerList = new ArrayList<>();
        for (int i = 0; i < readers; i++) {
            readerList.add(new Reader(this, "reader-" + i));
        }
        long t = System.nanoTime();
        for (int i = 0; i < subscribers; i++) {
            readerList.get(i % readers).add(connect(server));
        }
        log("%d subscribers connected in %d ms", subscribers, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
        for (Reader r : readerList) {
            r.thread.start();
        }
        Publisher pub = new Publisher(this, connect(server));
        pub.thread.start();

        // a benchmark's clock, not synchronisation: the load runs on its own threads meanwhile
        Thread.sleep((long) (warmup * 1000));
        Snapshot start = snapshot(pub);
        Thread.sleep((long) (duration * 1000));
        Snapshot end = snapshot(pub);
        pub.stop = true;
        pub.thread.join(10_000);

        // let the deliveries in flight arrive, then check every subscriber got everything
        long expected = pub.sent * (long) subscribers;
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (delivered.get() < expected && System.nanoTime() < drainDeadline && !allClosed(readerList)) {
            Thread.sleep(10);
        }
        long lost = 0;
        long reordered = 0;
        long badFrames = 0;
        long closedByServer = 0;
        long missing = 0;
        for (Reader r : readerList) {
            r.stop = true;
            r.selector.wakeup();
            r.thread.join(10_000);
            for (Sub s : r.subs) {
                lost += s.lost;
                reordered += s.reordered;
                badFrames += s.badFrames;
                closedByServer += s.closed ? 1 : 0;
                missing += pub.sent - s.expected; // never got these (nor anything after them)
                s.ch.close();
            }
        }
        pub.ch.close();
        Sub self = pub.self;

        double seconds = (end.nanos - start.nanos) / 1e9;
        long deliveries = end.delivered - start.delivered;
        long published = end.published - start.published;
        String cpu = "null";
        String cpuPerDelivery = "null";
        if (start.serverTicks >= 0 && end.serverTicks >= 0) {
            double cpuSeconds = (end.serverTicks - start.serverTicks) / (double) clkTck;
            cpu = fmt(cpuSeconds / seconds);
            cpuPerDelivery = fmt(cpuSeconds * 1e6 / Math.max(1, deliveries));
        }
        double clientCpuSeconds = (end.clientTicks - start.clientTicks) / (double) clkTck;
        boolean ok = lost == 0 && reordered == 0 && badFrames == 0 && closedByServer == 0 && missing == 0
            && self.lost == 0 && self.reordered == 0 && self.badFrames == 0 && !self.closed;
        log("%.1f s: %d published (%.0f/s), %d deliveries (%.0f/s), server CPU %s cores, %s us/delivery; "
                + "lost %d, reordered %d, bad frames %d, closed by server %d, undelivered after drain %d",
            seconds, published, published / seconds, deliveries, deliveries / seconds, cpu, cpuPerDelivery, lost,
            reordered, badFrames, closedByServer, missing);
        System.out.println("{\"scenario\":\"fanout\",\"subscribers\":" + subscribers + ",\"message_bytes\":" + size
            + ",\"window\":" + window + ",\"warmup_s\":" + fmt(warmup) + ",\"duration_s\":" + fmt(seconds)
            + ",\"published\":" + published + ",\"publish_per_s\":" + fmt(published / seconds)
            + ",\"deliveries\":" + deliveries + ",\"deliveries_per_s\":" + fmt(deliveries / seconds)
            + ",\"server_cpu_cores\":" + cpu + ",\"server_cpu_us_per_delivery\":" + cpuPerDelivery
            + ",\"client_cpu_us_per_delivery\":" + fmt(clientCpuSeconds * 1e6 / Math.max(1, deliveries))
            + ",\"lost\":" + lost + ",\"reordered\":" + reordered + ",\"bad_frames\":" + badFrames
            + ",\"closed_by_server\":" + closedByServer + ",\"undelivered_after_drain\":" + missing
            + ",\"publisher_copy_ok\":" + (self.lost == 0 && self.reordered == 0 && !self.closed)
            + ",\"ok\":" + ok + "}");
        return ok ? 0 : 1;
    }

    record Snapshot(long nanos, long delivered, long published, long serverTicks, long clientTicks) {
    }

    Snapshot snapshot(Publisher pub) throws IOException {
        return new Snapshot(System.nanoTime(), delivered.get(), pub.sent,
            serverPid > 0 ? cpuTicks(Path.of("/proc/" + serverPid + "/stat")) : -1,
            cpuTicks(Path.of("/proc/self/stat")));
    }

    /** utime + stime of a process, in clock ticks: fields 14 and 15 of /proc/PID/stat, counted after "(comm)". */
    static long cpuTicks(Path stat) throws IOException {
        String s = Files.readString(stat);
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // f[0] is field 3 (state)
    }

    static boolean allClosed(List<Reader> readers) {
        return readers.stream().allMatch(r -> r.subs.stream().allMatch(s -> s.closed));
    }

    /** A blocking connect and upgrade, then non-blocking: any bytes after the 101 stay in the subscriber's buffer. */
    Sub connect(InetSocketAddress server) throws IOException {
        SocketChannel ch = SocketChannel.open(server);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.write(ByteBuffer.wrap(UPGRADE));
        Sub s = new Sub(ch, size);
        int headEnd = -1;
        while (headEnd < 0) {
            if (ch.read(s.in) < 0) {
                throw new IOException("the server closed the connection during the upgrade");
            }
            headEnd = indexOfBlankLine(s.in);
        }
        String head = new String(s.in.array(), 0, headEnd, StandardCharsets.ISO_8859_1);
        if (!head.startsWith("HTTP/1.1 101")) {
            throw new IOException("upgrade refused: " + head.lines().findFirst().orElse(head));
        }
        s.in.flip().position(headEnd + 4);
        s.in.compact();
        ch.configureBlocking(false);
        return s;
    }

    static int indexOfBlankLine(ByteBuffer b) {
        byte[] a = b.array();
        for (int i = 0; i + 3 < b.position(); i++) {
            if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static void log(String format, Object... args) {
        System.err.printf("FanoutLoad: " + format + "%n", args);
    }

    /** One WebSocket's read side: its buffer and what it has seen of the sequence. */
    static final class Sub {
        final SocketChannel ch;
        final ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        final int size;
        long expected; // the next sequence number due: everything below it has arrived
        long lost;
        long reordered;
        long badFrames;
        boolean closed;

        Sub(SocketChannel ch, int size) {
            this.ch = ch;
            this.size = size;
        }

        /** Reads what the socket has and checks each whole frame; returns the messages it held. */
        int read() throws IOException {
            int n;
            try {
                n = ch.read(in);
            } catch (IOException reset) {
                n = -1;
            }
            if (n < 0) {
                closed = true;
                return 0;
            }
            in.flip();
            int messages = 0;
            while (in.remaining() >= 2) {
                int p = in.position();
                int b0 = in.get(p) & 0xFF;
                int len = in.get(p + 1) & 0x7F;
                int header = 2;
                if (len == 126) {
                    if (in.remaining() < 4) {
                        break;
                    }
                    len = in.getShort(p + 2) & 0xFFFF;
                    header = 4;
                } else if (len == 127) {
                    badFrames++; // no message here is that big
                    closed = true;
                    break;
                }
                if (in.remaining() < header + len) {
                    break;
                }
                if (b0 == 0x81) {
                    check(p + header, len);
                    messages++;
                } else if ((b0 & 0x0F) == 0x8) {
                    closed = true; // the server's close (1008 for a subscriber too slow, 1001 at shutdown)
                } else {
                    badFrames++;
                }
                in.position(p + header + len);
            }
            in.compact();
            return messages;
        }

        private void check(int at, int len) {
            long seq = 0;
            for (int i = 0; i < SEQ_DIGITS; i++) {
                int d = in.get(at + i) - '0';
                if (d < 0 || d > 9) {
                    badFrames++;
                    return;
                }
                seq = seq * 10 + d;
            }
            if (len != size) {
                badFrames++;
            } else if (seq == expected) {
                expected++;
            } else if (seq > expected) {
                lost += seq - expected;
                expected = seq + 1;
            } else {
                reordered++; // a duplicate, or one that overtook another
            }
        }
    }

    /** Subscribers on one selector: reads, counts, checks. */
    static final class Reader implements Runnable {
        final FanoutLoad load;
        final Selector selector;
        final List<Sub> subs = new ArrayList<>();
        final Thread thread;
        volatile boolean stop;

        Reader(FanoutLoad load, String name) throws IOException {
            this.load = load;
            this.selector = Selector.open();
            this.thread = new Thread(this, name);
        }

        void add(Sub s) throws IOException {
            s.ch.register(selector, SelectionKey.OP_READ, s);
            subs.add(s); // bytes that came with the 101 wait in its buffer for the first read
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    selector.select(100);
                    int messages = 0;
                    for (SelectionKey k : selector.selectedKeys()) {
                        Sub s = (Sub) k.attachment();
                        messages += s.read();
                        if (s.closed) {
                            k.cancel();
                        }
                    }
                    selector.selectedKeys().clear();
                    if (messages > 0) {
                        load.delivered.addAndGet(messages);
                        load.publisherWakeup();
                    }
                }
            } catch (IOException e) {
                log("%s failed: %s", thread.getName(), e);
            }
        }
    }

    volatile Publisher publisher;

    void publisherWakeup() {
        Publisher p = publisher;
        if (p != null && p.waiting) {
            p.waiting = false;
            p.selector.wakeup();
        }
    }

    /** Sends numbered messages while fewer than the window are in flight, and reads its own copies back. */
    static final class Publisher implements Runnable {
        final FanoutLoad load;
        final SocketChannel ch;
        final Sub self;
        final Selector selector;
        final Thread thread;
        final ByteBuffer out;
        final byte[] payload;
        volatile long sent;
        volatile boolean waiting;
        volatile boolean stop;

        Publisher(FanoutLoad load, Sub self) throws IOException {
            this.load = load;
            this.self = self;
            this.ch = self.ch;
            this.selector = Selector.open();
            this.out = ByteBuffer.allocate(16 * (load.size + 6));
            this.out.flip();
            this.payload = new byte[load.size];
            java.util.Arrays.fill(payload, (byte) 'x');
            payload[SEQ_DIGITS] = ' ';
            this.thread = new Thread(this, "publisher");
            load.publisher = this;
        }

        @Override
        public void run() {
            try {
                SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
                long s = 0;
                while (!stop) {
                    if (!out.hasRemaining()) {
                        long inFlight = s - load.delivered.get() / load.subscribers;
                        int batch = (int) Math.min(16, load.window - inFlight);
                        if (batch > 0) {
                            out.clear();
                            for (int i = 0; i < batch; i++) {
                                frame(s++);
                            }
                            out.flip();
                            sent = s;
                        }
                    }
                    if (out.hasRemaining()) {
                        ch.write(out);
                    }
                    key.interestOps(SelectionKey.OP_READ | (out.hasRemaining() ? SelectionKey.OP_WRITE : 0));
                    waiting = true; // a reader that delivers wakes us: the window may have room again
                    if (s - load.delivered.get() / load.subscribers >= load.window || out.hasRemaining()) {
                        selector.select(10);
                    } else {
                        selector.selectNow();
                    }
                    waiting = false;
                    if (selector.selectedKeys().contains(key) && key.isReadable()) {
                        self.read();
                        if (self.closed) {
                            log("the server closed the publisher");
                            return;
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException e) {
                log("publisher failed: %s", e);
            }
        }

        /** One masked RFC 6455 text frame carrying sequence number {@code seq}. */
        private void frame(long seq) {
            long v = seq;
            for (int i = SEQ_DIGITS - 1; i >= 0; i--) {
                payload[i] = (byte) ('0' + v % 10);
                v /= 10;
            }
            int len = payload.length;
            out.put((byte) 0x81).put((byte) (0x80 | len));
            int mask = ThreadLocalRandom.current().nextInt();
            out.putInt(mask);
            for (int i = 0; i < len; i++) {
                out.put((byte) (payload[i] ^ (mask >>> (24 - 8 * (i & 3)))));
            }
        }
    }
}
