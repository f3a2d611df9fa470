package io.keel.echo;

import static io.keel.echo.CommandLine.intIn;

import io.keel.core.proxy.IpNetwork;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of {@code keel-echo}; every option is validated here so errors read well. */
final class EchoOptions {
    enum Mode { TCP, WS, WSS }

    Mode mode = Mode.WSS;
    String bind = "0.0.0.0";
    Integer port;
    int backlog = 1024;
    int ioThreads = Runtime.getRuntime().availableProcessors();
    int maxConnections = 0; // 0: unlimited
    int idleTimeoutSeconds = 300;
    int shutdownGraceSeconds = 10;
    int drainDelaySeconds = 5;
    int pingIntervalSeconds = 30;
    int pongTimeoutSeconds = 10;
    /** In-memory TLS handshakes run in the background at start, so the first clients meet compiled code. */
    int tlsWarmUpHandshakes;
    private boolean tlsWarmUpGiven;
    int maxMessageSize = 16 * 1024 * 1024;
    boolean streaming;
    boolean reusePort;
    int statsSeconds;
    Path cert;
    Path key;
    Path pkcs12;
    Path passwordFile;
    Path selfSignedDir; // null: the default cache directory
    Integer adminPort;  // null: no admin listener
    String adminBind;   // null: 127.0.0.1
    String tlsProvider = "auto";
    String transport = "auto";
    boolean verifyPeer;
    Path ca;
    boolean help;
    // behind a load balancer: the PROXY protocol, a per-client limit, the access log
    boolean proxyProtocol;
    List<IpNetwork> trustedProxies; // null: not given
    Integer proxyHeaderTimeoutSeconds; // null: the default (5)
    int maxConnectionsPerIp; // 0: no limit
    String accessLog; // null: off; "-": standard output; else a file
    String compression = "shared";      // permessage-deflate: off, shared or dedicated
    Integer compressionThreshold;       // null: the layer's default

    static final String USAGE = """
        Usage: keel-echo [options]
          Echo servers on the Keel framework. With no options: the secure WebSocket echo server (wss://) on
          port 8443 with a self-signed certificate (generated once, then kept), all protocol versions
          auto-detected.

          --mode tcp|ws|wss        which echo server (default wss)
          --bind ADDRESS           address to listen on (default 0.0.0.0)
          --port PORT              port (default 7007 tcp, 9001 ws, 8443 wss)
          --backlog N              listen backlog (default 1024)
          --io-threads N           event loops (default: number of cores)
          --max-connections N      refuse connections over N (default unlimited)
          --idle-timeout SECONDS   close connections idle this long (default 300; 0 never)
          --shutdown-grace SECONDS on SIGINT/SIGTERM, wait this long for clients before closing (default 10)
          --drain-delay SECONDS    on SIGINT/SIGTERM, first answer /healthz with 503 this long while clients are
                                   still served, so load balancers stop sending new ones (default 5; 0 skips)
          --ping-interval SECONDS  ping WebSockets quiet this long (default 30; 0 never)
          --pong-timeout SECONDS   close (1001) a pinged WebSocket that sends nothing this long (default 10)
          --reuse-port             SO_REUSEPORT: several processes may share the port
          --transport auto|nio|io_uring   how the event loops reach the kernel (default auto: io_uring where
                                   the kernel, the JDK and the process allow it, else nio; the start line says)
          --max-message-size BYTES largest WebSocket message accepted (default 16777216)
          --streaming              echo WebSocket fragments as they arrive instead of whole messages
          --compression off|shared|dedicated   permessage-deflate (default shared: one compressor per event loop;
                                   dedicated: one per connection, better ratios, about 300 KiB each)
          --compression-threshold BYTES   send messages smaller than this uncompressed (default 256)
          --stats SECONDS          print a status line every SECONDS
          --admin-port PORT        also serve /healthz and /metrics over plain HTTP on PORT (0: any free port),
                                   a listener of its own: not counted in --max-connections
          --admin-bind ADDRESS     address of the admin listener (default 127.0.0.1: this machine only)
          --cert FILE [--key FILE] PEM certificate chain and private key (wss); without --key, FILE holds both
          --pkcs12 FILE --password-file FILE   PKCS#12 key store and the file whose first line is its password (wss)
          --self-signed-dir DIR    where the generated certificate is kept across restarts (wss without --cert or
                                   --pkcs12; default $XDG_CACHE_HOME/keel, else ~/.cache/keel)
          --tls-provider auto|jdk|openssl   TLS implementation (default auto: openssl where it loads, else jdk)
          --tls-warm-up N          at start, run N in-memory TLS handshakes in the background so that the JIT
                                   compiles the handshake before the first clients come (default 0: off; worth it
                                   with --tls-provider jdk only, costs ~6 ms of CPU per handshake; not with
                                   --verify-peer)
          --verify-peer --ca FILE  require client certificates signed by the CA in FILE
          --proxy-protocol         read a PROXY protocol header (v1 or v2, as HAProxy sends them) on every
                                   connection from --trusted-proxies; a missing or bad header closes it
          --trusted-proxies CIDR[,CIDR...]  the proxies' networks, e.g. 127.0.0.1/32,10.0.0.0/8; other peers are
                                   served as direct clients
          --proxy-header-timeout SECONDS  how long a proxy may take to send its header (default 5)
          --max-connections-per-ip N  refuse a client address's connections over N (the address from the PROXY
                                   header behind a proxy)
          --access-log [FILE]      one line per WebSocket session and HTTP request, to FILE (appended) or, without
                                   FILE, to standard output
          --help                   this text

          HTTP endpoints, on the ws/wss port (and /healthz, /metrics on the --admin-port, in every mode):
            GET /           a page to try the echo in a browser
            GET /healthz    200 "ok" while the server accepts connections, 503 once it drains or shuts down
            GET /metrics    the counters in Prometheus' text format

          On SIGHUP the wss server re-reads its certificate files: new connections get the new certificate,
          open ones keep going; an --access-log file is reopened (logrotate); no mode stops on SIGHUP. SIGINT/SIGTERM: /healthz answers 503 for --drain-delay, then every WebSocket
          gets a close with 1001 (going away), then exit 0 (a second signal skips the rest of the delay;
          later ones change nothing).
        """;

    static EchoOptions parse(String[] args) throws UsageException {
        EchoOptions o = new EchoOptions();
        CommandLine.parse(accessLogValue(args), FLAGS, KNOWN_WITH_VALUE, o::set);
        o.validate();
        return o;
    }

    private static final List<String> FLAGS = List.of("--help", "-h", "--streaming", "--reuse-port", "--verify-peer",
        "--proxy-protocol");

    /** {@code --access-log} takes an optional FILE: alone (last, or before another option) it means stdout. */
    private static String[] accessLogValue(String[] args) {
        List<String> a = new ArrayList<>(List.of(args));
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).equals("--access-log") && (i + 1 == a.size() || a.get(i + 1).startsWith("--"))) {
                a.add(i + 1, AccessLog.STDOUT);
            }
        }
        return a.toArray(String[]::new);
    }

    private static final List<String> KNOWN_WITH_VALUE = List.of("--mode", "--bind", "--port", "--backlog",
        "--io-threads", "--max-connections", "--idle-timeout", "--shutdown-grace", "--max-message-size",
        "--stats", "--cert", "--key", "--pkcs12", "--password-file", "--tls-provider", "--transport", "--ca", "--self-signed-dir",
        "--admin-port", "--admin-bind",
        "--drain-delay", "--ping-interval", "--pong-timeout",
        "--trusted-proxies", "--proxy-header-timeout", "--max-connections-per-ip", "--access-log", "--tls-warm-up",
        "--compression", "--compression-threshold");

    private void set(String opt, String v) throws UsageException {
        switch (opt) {
            case "--help", "-h" -> help = true;
            case "--streaming" -> streaming = true;
            case "--reuse-port" -> reusePort = true;
            case "--verify-peer" -> verifyPeer = true;
            case "--proxy-protocol" -> proxyProtocol = true;
            case "--trusted-proxies" -> trustedProxies = networks(opt, v);
            case "--proxy-header-timeout" -> proxyHeaderTimeoutSeconds = intIn(opt, v, 1, 3600);
            case "--max-connections-per-ip" -> maxConnectionsPerIp = intIn(opt, v, 1, Integer.MAX_VALUE);
            case "--access-log" -> accessLog = v.equals(AccessLog.STDOUT) ? v : path(opt, v).toString();
            case "--mode" -> {
                try {
                    mode = Mode.valueOf(v.toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--mode must be tcp, ws or wss, not '" + v + "'");
                }
            }
            case "--bind" -> bind = v;
            case "--port" -> port = intIn(opt, v, 0, 65535);
            case "--backlog" -> backlog = intIn(opt, v, 1, 1 << 20);
            case "--io-threads" -> ioThreads = intIn(opt, v, 1, 1024);
            case "--max-connections" -> maxConnections = intIn(opt, v, 1, Integer.MAX_VALUE);
            case "--idle-timeout" -> idleTimeoutSeconds = intIn(opt, v, 0, 86_400 * 365);
            case "--shutdown-grace" -> shutdownGraceSeconds = intIn(opt, v, 0, 3600);
            case "--drain-delay" -> drainDelaySeconds = intIn(opt, v, 0, 3600);
            case "--ping-interval" -> pingIntervalSeconds = intIn(opt, v, 0, 86_400);
            case "--pong-timeout" -> pongTimeoutSeconds = intIn(opt, v, 1, 86_400);
            case "--max-message-size" -> maxMessageSize = intIn(opt, v, 125, Integer.MAX_VALUE - 64);
            case "--stats" -> statsSeconds = intIn(opt, v, 1, 86_400);
            case "--cert" -> cert = path(opt, v);
            case "--key" -> key = path(opt, v);
            case "--pkcs12" -> pkcs12 = path(opt, v);
            case "--password-file" -> passwordFile = path(opt, v);
            case "--ca" -> ca = path(opt, v);
            case "--self-signed-dir" -> selfSignedDir = path(opt, v);
            case "--admin-port" -> adminPort = intIn(opt, v, 0, 65535);
            case "--admin-bind" -> adminBind = v;
            case "--tls-warm-up" -> {
                tlsWarmUpHandshakes = intIn(opt, v, 0, 1_000_000);
                tlsWarmUpGiven = true;
            }
            case "--tls-provider" -> tlsProvider = CommandLine.oneOf(opt, v, "auto", "jdk", "openssl");
            case "--transport" -> transport = CommandLine.oneOf(opt, v, "auto", "nio", "io_uring");
            case "--compression" -> compression = CommandLine.oneOf(opt, v, "off", "shared", "dedicated");
            case "--compression-threshold" -> compressionThreshold = intIn(opt, v, 0, Integer.MAX_VALUE);
            default -> throw new UsageException("unknown option '" + opt + "'");
        }
    }

    /** A comma-separated list of networks in CIDR notation, each checked. */
    private static List<IpNetwork> networks(String opt, String v) throws UsageException {
        List<IpNetwork> l = new ArrayList<>();
        for (String part : v.split(",", -1)) {
            try {
                l.add(IpNetwork.parse(part));
            } catch (IllegalArgumentException e) {
                throw new UsageException(opt + ": " + e.getMessage());
            }
        }
        return l;
    }

    /** A file or directory name: not empty, and a path this system can name. */
    private static Path path(String opt, String v) throws UsageException {
        if (v.isBlank()) {
            throw new UsageException(opt + " needs a file name, not an empty one");
        }
        try {
            return Path.of(v);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UsageException(opt + " needs a valid file name, not '" + v + "'");
        }
    }

    private void validate() throws UsageException {
        if (key != null && cert == null) {
            throw new UsageException("--key goes with --cert FILE (the certificate chain)");
        }
        if (pkcs12 != null && cert != null) {
            throw new UsageException("give either --cert/--key or --pkcs12, not both");
        }
        if (passwordFile != null && pkcs12 == null) {
            throw new UsageException("--password-file goes with --pkcs12");
        }
        if (pkcs12 != null && passwordFile == null) {
            throw new UsageException("--pkcs12 needs --password-file FILE: a file whose first line is the key store's"
                + " password, empty for none");
        }
        if (selfSignedDir != null && (cert != null || pkcs12 != null)) {
            throw new UsageException("--self-signed-dir is for the generated certificate: not with --cert or --pkcs12");
        }
        if (adminPort == null && adminBind != null) {
            throw new UsageException("--admin-bind goes with --admin-port PORT");
        }
        if (adminPort != null && adminPort != 0 && adminPort == portOrDefault()) {
            throw new UsageException("--admin-port must differ from the service port " + portOrDefault());
        }
        if (verifyPeer && ca == null) {
            throw new UsageException("--verify-peer needs --ca FILE (the CA that signs client certificates)");
        }
        if (ca != null && !verifyPeer) {
            throw new UsageException("--ca is only used with --verify-peer");
        }
        if (mode == Mode.TCP && (!compression.equals("shared") || compressionThreshold != null)) {
            throw new UsageException("--compression and --compression-threshold need --mode ws or wss");
        }
        if (compression.equals("off") && compressionThreshold != null) {
            throw new UsageException("--compression-threshold has no use with --compression off");
        }
        boolean tlsOptions = cert != null || pkcs12 != null || selfSignedDir != null || verifyPeer
            || !tlsProvider.equals("auto") || tlsWarmUpGiven;
        if (tlsOptions && mode != Mode.WSS) {
            throw new UsageException("TLS options need --mode wss");
        }
        if (proxyProtocol && trustedProxies == null) {
            throw new UsageException("--proxy-protocol needs --trusted-proxies CIDR[,CIDR...] (the proxies' networks,"
                + " e.g. 127.0.0.1/32,10.0.0.0/8)");
        }
        if (!proxyProtocol && (trustedProxies != null || proxyHeaderTimeoutSeconds != null)) {
            throw new UsageException((trustedProxies != null ? "--trusted-proxies" : "--proxy-header-timeout")
                + " goes with --proxy-protocol");
        }
        if (accessLog != null && mode == Mode.TCP) {
            throw new UsageException("--access-log logs WebSocket sessions and HTTP requests: it needs --mode ws or wss");
        }
    }

    /** The admin listener's address: {@code --admin-bind}, else the loopback address only. */
    String adminBindOrDefault() {
        return adminBind != null ? adminBind : "127.0.0.1";
    }

    int portOrDefault() {
        if (port != null) {
            return port;
        }
        return switch (mode) {
            case TCP -> 7007;
            case WS -> 9001;
            case WSS -> 8443;
        };
    }
}
