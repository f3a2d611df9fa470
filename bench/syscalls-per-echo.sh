#!/usr/bin/env bash
# System calls per echoed message, per server: the ws:// echo (100 connections, 32 B, depth 1, the server pinned to
# CPU 0 and wsload to CPU 1, as compare.sh does but without the CPU quota) while `perf stat` counts the server's
# system calls (every thread) over the middle of the run.
#
#   bench/syscalls-per-echo.sh [--seconds S]     servers: keel (io_uring), keel (nio), uWS
#
# Prints one line per server: messages echoed in the window, system calls in total and per echo, and the calls
# that make them up. Needs perf (linux-perf) with tracepoints; run on a quiet machine.
set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=4
[ "${1:-}" = --seconds ] && seconds=$2
kit=$root/bench/.work/kit
wsload=$kit/wsload/wsload
uws=$kit/peers/uws/bin/uws-echo
jar=$root/keel-examples/target/keel-echo.jar
JAVA_HOME=${JAVA_HOME:-$("$root/bin/find-jdk")}
for f in "$wsload" "$jar"; do [ -x "$f" ] || [ -f "$f" ] || { echo "missing $f: run bench/compare-all.sh once (kit) and ./keel-echo --help (jar)" >&2; exit 1; }; done
events=raw_syscalls:sys_enter
calls="io_uring_enter epoll_wait epoll_pwait read write readv writev recvfrom sendto sendmsg recvmsg futex"
for c in $calls; do events+=",syscalls:sys_enter_$c"; done
port=19701
run() { # name command...
  local name=$1; shift
  taskset -c 0 "$@" >/tmp/syscalls-server.log 2>&1 &
  local pid=$! i
  for i in $(seq 1 100); do ss -Htln "sport = :$port" | grep -q . && break; sleep 0.1; done
  taskset -c 1 "$wsload" --port $port --connections 100 --payload 32 --depth 1 --warmup 1 --duration $((seconds + 3)) >/tmp/syscalls-load.out 2>&1 &
  local lp=$!
  sleep 2.5
  perf stat -x, -e "$events" -p "$pid" -- sleep "$seconds" 2>/tmp/syscalls-perf.csv
  wait $lp
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  local rate total echoes
  rate=$(sed -n 's/.*"msgs_per_s":\([0-9]*\).*/\1/p' /tmp/syscalls-load.out | tail -n 1)
  echoes=$((rate * seconds))
  total=$(awk -F, '$3=="raw_syscalls:sys_enter"{print $1}' /tmp/syscalls-perf.csv)
  parts=$(awk -F, -v n="$echoes" '$3 ~ /^syscalls:sys_enter_/ && $1+0 > 0 {sub("syscalls:sys_enter_","",$3); printf "%s %.2f, ", $3, $1/n}' /tmp/syscalls-perf.csv)
  awk -v name="$name" -v t="$total" -v n="$echoes" -v p="$parts" 'BEGIN{printf "%-14s %9d echoes  %9d syscalls  %.2f per echo  (%s)\n", name, n, t, t/n, p}'
}
cd "$root"
run "keel io_uring" "$JAVA_HOME/bin/java" -XX:+UseParallelGC -jar "$jar" --mode ws --bind 127.0.0.1 --port $port --io-threads 1 --drain-delay 0 --transport io_uring
run "keel nio" "$JAVA_HOME/bin/java" -XX:+UseParallelGC -jar "$jar" --mode ws --bind 127.0.0.1 --port $port --io-threads 1 --drain-delay 0 --transport nio
[ -x "$uws" ] && run "uWS" "$uws" $port 127.0.0.1
