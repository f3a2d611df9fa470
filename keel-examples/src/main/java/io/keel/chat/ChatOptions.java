package io.keel.chat;

import static io.keel.echo.CommandLine.intIn;
import static io.keel.echo.CommandLine.oneOf;

import io.keel.echo.CommandLine;
import io.keel.echo.UsageException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/** The command line of {@code keel-chat}, parsed by the same rules as {@code keel-echo}'s. */
final class ChatOptions {
    boolean secure = true;
    String bind = "0.0.0.0";
    int port = 8444;
    int ioThreads = Runtime.getRuntime().availableProcessors();
    String tlsProvider = "jdk";
    Path selfSignedDir; // null: the default cache directory
    boolean help;

    static final String USAGE = """
        Usage: keel-chat [options]
          A chat room on the Keel framework: every message from any client goes to every client, the sender
          included. Open the printed https:// (or http://) address in a browser for a chat page. With no options:
          wss:// on port 8444 with a self-signed certificate (generated once, then kept: the same one as
          keel-echo's).

          --mode ws|wss            plain or secure WebSockets (default wss)
          --bind ADDRESS           address to listen on (default 0.0.0.0)
          --port PORT              port (default 8444)
          --io-threads N           event loops (default: number of cores)
          --tls-provider jdk|openssl   TLS implementation for wss (default jdk)
          --self-signed-dir DIR    where the generated certificate is kept across restarts (wss; default
                                   $XDG_CACHE_HOME/keel, else ~/.cache/keel)
          --help                   this text

          SIGINT/SIGTERM close every WebSocket with 1001 (going away) and exit 0.
        """;

    static ChatOptions parse(String[] args) throws UsageException {
        ChatOptions o = new ChatOptions();
        CommandLine.parse(args, List.of("--help", "-h"),
            List.of("--mode", "--bind", "--port", "--io-threads", "--tls-provider", "--self-signed-dir"), o::set);
        if (!o.secure && !o.tlsProvider.equals("jdk")) {
            throw new UsageException("--tls-provider needs --mode wss");
        }
        if (!o.secure && o.selfSignedDir != null) {
            throw new UsageException("--self-signed-dir needs --mode wss");
        }
        return o;
    }

    private void set(String opt, String v) throws UsageException {
        switch (opt) {
            case "--help", "-h" -> help = true;
            case "--mode" -> secure = oneOf(opt, v, "ws", "wss").equals("wss");
            case "--bind" -> bind = v;
            case "--port" -> port = intIn(opt, v, 0, 65535);
            case "--io-threads" -> ioThreads = intIn(opt, v, 1, 1024);
            case "--tls-provider" -> tlsProvider = oneOf(opt, v, "jdk", "openssl");
            case "--self-signed-dir" -> {
                if (v.isBlank()) {
                    throw new UsageException(opt + " needs a directory name, not an empty one");
                }
                try {
                    selfSignedDir = Path.of(v);
                } catch (InvalidPathException e) {
                    throw new UsageException(opt + " needs a valid directory name, not '" + v + "'");
                }
            }
            default -> throw new UsageException("unknown option '" + opt + "'");
        }
    }
}
