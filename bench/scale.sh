#!/usr/bin/env bash
# Scale run: many idle wss:// connections held by Keel, each answering a ping at the end.
#
#   bench/scale.sh single [N]        one server process, N (default 19000) WSS connections
#   bench/scale.sh reuseport [N] [P] P server processes (default 6) sharing one port with SO_REUSEPORT,
#                                    N connections in all (default 100000), from P load processes
#
# Each process may hold at most 20,000 open files here, so connections are spread over several wsload
# processes and source addresses 127.0.0.x. Prints established/pongs per load process and heap/RSS per server.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
JAVA_HOME=$("$root/bin/find-jdk"); export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
work="$root/bench/.work"; mkdir -p "$work"
wsload="$work/wsload/wsload"
if [ ! -x "$wsload" ]; then
  rm -rf "$work/wsload"; cp -r "$root/../shared/bench/wsload" "$work/wsload"; make -s -C "$work/wsload"
fi
(cd "$root" && [ -f keel-examples/target/keel-echo.jar ] || mvn -q -B -DskipTests package)
mode=${1:-single}
provider=${TLS_PROVIDER:-openssl}
port=${PORT:-9443}
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

start_server() { # $1 = log file, extra args after
  local log=$1; shift
  java -Xms512m -Xmx512m -XX:+UseParallelGC -jar "$root/keel-examples/target/keel-echo.jar" --bind 127.0.0.1 \
    --port "$port" --tls-provider "$provider" --idle-timeout 0 --io-threads 1 "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do grep -q "listening" "$log" && return 0; sleep 0.2; done
  echo "scale: server did not start: $(tail -n 3 "$log")" >&2; exit 1
}

report_servers() {
  for p in "${pids[@]}"; do
    [ -d /proc/$p ] || continue
    rss=$(awk '/VmRSS/{print $2}' /proc/$p/status)
    "$JAVA_HOME/bin/jcmd" "$p" GC.run >/dev/null 2>&1 || true
    heap=$("$JAVA_HOME/bin/jcmd" "$p" GC.heap_info 2>/dev/null | grep -v -e Metaspace -e 'class space' |
      sed -n 's/.*used \([0-9]*\)K.*/\1/p' | awk '{s += $1} END {print s + 0}')
    echo "server pid $p: RSS $((rss / 1024)) MiB, live heap $(( ${heap:-0} / 1024 )) MiB"
  done
}

case "$mode" in
  single)
    n=${2:-19000}
    start_server "$work/scale-server.log"
    start=$(date +%s)
    "$wsload" --host 127.0.0.1 --port "$port" --tls --idle "$n" --hold 15 --sources 4 >"$work/scale-load.out" 2>"$work/scale-load.err" &
    lp=$!
    while kill -0 $lp 2>/dev/null && ! tail -n 1 "$work/scale-load.err" | grep -q holding; do sleep 1; done
    echo "all $n connections open after $(( $(date +%s) - start )) s"
    report_servers
    wait $lp
    tail -n 1 "$work/scale-load.out"
    ;;
  reuseport)
    n=${2:-100000}; procs=${3:-6}
    for i in $(seq 1 "$procs"); do start_server "$work/scale-server-$i.log" --reuse-port; done
    per=$(( (n + procs - 1) / procs ))
    start=$(date +%s)
    lps=()
    for i in $(seq 1 "$procs"); do
      "$wsload" --host 127.0.0.1 --port "$port" --tls --idle "$per" --hold 20 --rate 2000 --sources 8 \
        >"$work/scale-load-$i.out" 2>"$work/scale-load-$i.err" &
      lps+=($!)
    done
    for i in $(seq 1 "$procs"); do
      while kill -0 "${lps[$((i-1))]}" 2>/dev/null && ! tail -n 1 "$work/scale-load-$i.err" | grep -q holding; do sleep 1; done
    done
    echo "all load processes holding after $(( $(date +%s) - start )) s"
    report_servers
    total_est=0 total_pongs=0
    for i in $(seq 1 "$procs"); do
      wait "${lps[$((i-1))]}" || true
      line=$(tail -n 1 "$work/scale-load-$i.out"); echo "$line"
      total_est=$((total_est + $(echo "$line" | sed -n 's/.*"established":\([0-9]*\).*/\1/p')))
      total_pongs=$((total_pongs + $(echo "$line" | sed -n 's/.*"pongs":\([0-9]*\).*/\1/p')))
    done
    echo "{\"servers\":$procs,\"established\":$total_est,\"pongs\":$total_pongs}"
    ;;
  *) echo "usage: bench/scale.sh single [N] | reuseport [N] [PROCS]" >&2; exit 2 ;;
esac
