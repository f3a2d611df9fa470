#!/usr/bin/env bash
# Fan-out benchmark: keel-chat (--mode ws --io-threads 2) on a free loopback port, 1,000 subscriber WebSockets
# that only read, and one publisher of 64-byte text messages (bench/tools/FanoutLoad.java, a single-file Java
# program). After the warm-up it measures deliveries per second (messages received, summed over subscribers), the
# publish rate and the server's CPU time per delivery (from /proc/PID/stat), and prints one JSON line last.
#
#   bench/fanout.sh [--subscribers N] [--duration S] [--warmup S] [--window N] [--size BYTES]
#                   [--io-threads N] [--readers N] [--server-cpus LIST] [--client-cpus LIST] [--out FILE]
#
# Defaults: 1000 subscribers, 10 s measured after 3 s of warm-up, 32 messages in flight, 64 bytes, 2 server I/O
# threads, 2 reading threads in the client, no CPU pinning (LIST is taskset's, e.g. 0,1). --out appends the JSON
# line to FILE. Exit status: 0 when every subscriber got every message once and in order, 1 otherwise.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
subscribers=1000 duration=10 warmup=3 window=32 size=64 io_threads=2 readers=2 server_cpus= client_cpus= out=
while [ $# -gt 0 ]; do
  [ "$1" = --help ] || [ "$1" = -h ] && { sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"; exit 0; }
  [ $# -ge 2 ] || { echo "fanout.sh: $1 needs a value" >&2; exit 2; }
  case $1 in
    --subscribers) subscribers=$2 ;; --duration) duration=$2 ;; --warmup) warmup=$2 ;; --window) window=$2 ;;
    --size) size=$2 ;; --io-threads) io_threads=$2 ;; --readers) readers=$2 ;; --out) out=$2 ;;
    --server-cpus) server_cpus=$2 ;; --client-cpus) client_cpus=$2 ;;
    *) echo "fanout.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift 2
done

JAVA_HOME=$("$root/bin/find-jdk"); export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
# each side holds one socket per subscriber, plus the JVM's own files
need=$((subscribers + 1000))
[ "$(ulimit -n)" -ge "$need" ] || ulimit -n "$need" 2>/dev/null \
  || { echo "fanout.sh: $subscribers subscribers need $need open files; ulimit -n allows $(ulimit -n)" >&2; exit 1; }
pin_server=() pin_client=()
[ -n "$server_cpus" ] && pin_server=(taskset -c "$server_cpus")
[ -n "$client_cpus" ] && pin_client=(taskset -c "$client_cpus")

tmp=$(mktemp -d); pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; rm -rf "$tmp"' EXIT
# keel-chat execs java (and taskset execs it), so $! is the server JVM whose /proc/PID/stat is read
"${pin_server[@]}" "$root/keel-chat" --mode ws --bind 127.0.0.1 --port 0 --io-threads "$io_threads" \
  >"$tmp/server.log" 2>&1 & pid=$!
port=
for _ in $(seq 1200); do # the first run may build the jar first
  port=$(sed -n 's|.*listening on ws://[^ ]*:\([0-9][0-9]*\)/.*|\1|p' "$tmp/server.log")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; echo "fanout.sh: keel-chat did not start" >&2; exit 1; }
  sleep 0.25
done
[ -n "$port" ] || { cat "$tmp/server.log" >&2; echo "fanout.sh: keel-chat did not start in 5 minutes" >&2; exit 1; }
echo "fanout.sh: keel-chat (pid $pid) on port $port; $subscribers subscribers, ${warmup} s warm-up, ${duration} s measured" >&2

status=0
"${pin_client[@]}" java -XX:+UseParallelGC "$root/bench/tools/FanoutLoad.java" --port "$port" \
  --subscribers "$subscribers" --duration "$duration" --warmup "$warmup" --window "$window" --size "$size" \
  --readers "$readers" --server-pid "$pid" --clk-tck "$(getconf CLK_TCK)" >"$tmp/result.json" || status=$?
kill -TERM "$pid"; wait "$pid" || true; pid=
# what the server logged at WARNING or worse (a subscriber closed for being too slow, a handler error...)
warnings=$(grep -cE ' (WARNING|SEVERE|ERROR) ' "$tmp/server.log" || true)
[ "$warnings" -eq 0 ] || { grep -E ' (WARNING|SEVERE|ERROR) ' "$tmp/server.log" | head -n 5 >&2; status=1; }
json=$(tail -n 1 "$tmp/result.json")
[ -n "$json" ] || { echo "fanout.sh: the load client printed no result" >&2; exit 1; }
json="${json%\}},\"io_threads\":$io_threads,\"server_log_warnings\":$warnings}"
[ -z "$out" ] || echo "$json" >>"$out"
echo "$json"
exit "$status"
