#!/usr/bin/env bash
# Where a new client waits on a busy wss server, step by step: the fairness load of the kit's fairness.sh (server on
# CPU 0, 200 wss connections pipelining 16 x 512 B from one wsload on CPU 1, a second wsload opening a new client
# every 100 ms), with the new clients' packets captured (tcpdump) and cut into handshake steps by
# bench/tools/handshake_steps.py: how long the server took to answer each client flight, and how long the client
# took to send the next one.
#
#   bench/fairness-steps.sh [--servers LIST] [--port P] [--out DIR] [--tag NAME]
#
# The servers listen on 0.0.0.0 here (fairness.sh binds 127.0.0.1): the new clients connect to 127.0.0.2, so that
# the capture holds their packets and not the load's. One run per server, about 30 s each.
#   --servers LIST  wss servers (names as for compare-all.sh; default keel-openssl,keel-jdk,uws)
#   --port P        first port to try (default 19443)
#   --out DIR       default bench/results; writes DATE[-TAG]-fairness-steps.md
# Needs root for tcpdump (installed with apt when missing). Environment: as for fairness-all.sh.
set -u
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
work=$bench/.work
servers="" base_port=19443 out=$bench/results tag="" io_threads=1 before_rev=""
invocation=$(cd "$root" && printf '%q ' bench/fairness-steps.sh "$@")
usage() { sed -n '2,/^set -u/{/^set -u/d;p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --servers) servers=$2; shift 2 ;;
    --port) base_port=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fairness-steps: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
log() { echo "fairness-steps: $*" >&2; }
. "$bench/lib/servers.sh"
select_servers "${servers:-keel-openssl,keel-jdk,uws}" || exit 2
if selected_before; then log "Keel-before is not supported here: measure the revision's own checkout"; exit 2; fi
unset 'SEL[keel-ws]' 'SEL[uws-ws]'
command -v tcpdump >/dev/null || apt_install tcpdump
command -v tcpdump >/dev/null || { log "needs tcpdump"; exit 1; }
mkdir -p "$work" "$out"
JAVA_HOME=$("$root/bin/find-jdk") || { log "no JDK >= 21 (bin/find-jdk failed)"; exit 1; }
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
java=$JAVA_HOME/bin/java
idle_opts=""
setup_kit
setup_keel
W=$kit/wsload/wsload
name=$(date +%F)${tag:+-$tag}-fairness-steps
md=$out/$name.md logdir=$work/logs/$name
rm -rf "$logdir" && mkdir -p "$logdir"
{
  echo "# Where a new client waits on a busy wss server, $(date +%F)"
  echo
  echo "Per server: the new clients' handshake steps in ms (p50 / p90 / max over about 110 clients). A server step is"
  echo "the server's answer time to a client flight; a client step the client's time to its next flight. Steps: 1"
  echo "ClientHello -> the server's first flight; 2 Finished and upgrade request -> 101; 3 message -> echo."
  echo
  echo "Command: \`$invocation\`; Keel at $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- . ':!bench' || echo +dirty)."
} >"$md"
for srv in keel-openssl keel-jdk netty-best netty-default uws-wss; do
  [ -n "${SEL[$srv]:-}" ] || continue
  err=$(server_error "$srv")
  [ -z "$err" ] || { log "$srv: $err"; continue; }
  port=$(free_port) || { log "no free port"; exit 1; }
  cmd=$(server_cmd "$srv" 1 msgs "$port" | sed 's/127\.0\.0\.1/0.0.0.0/g')
  log "$(display "$srv") on port $port"
  setsid taskset -c 0 bash -c "exec $cmd" >"$logdir/$srv.server.log" 2>&1 &
  spid=$!
  for _ in $(seq 1 600); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.2; done
  taskset -c 1 "$W" --port "$port" --tls --connections 200 --payload 512 --depth 16 --duration 17 --warmup 3 \
    >"$logdir/$srv.load.out" 2>/dev/null &
  lpid=$!
  sleep 4
  taskset -c 1 tcpdump -i lo -nn -s 96 --time-stamp-precision=nano -w "$logdir/$srv.pcap" \
    "host 127.0.0.2 and tcp port $port" 2>/dev/null &
  cpid=$!
  sleep 0.3
  probe=$(taskset -c 1 "$W" --host 127.0.0.2 --port "$port" --tls --connections 1 --payload 32 --depth 1 --duration 12 \
    --warmup 1 --probe-every 100 2>/dev/null | tail -n 1)
  kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
  wait "$lpid"
  kill -TERM -- -"$spid" 2>/dev/null; sleep 0.5; kill -KILL -- -"$spid" 2>/dev/null; wait "$spid" 2>/dev/null
  reap_port "$port"
  f() { sed -n "s/.*\"$2\":\([0-9.-]*\).*/\1/p" <<<"$1"; }
  {
    echo
    echo "## $(display "$srv")"
    echo
    echo "New client's time to first echo p50 / p90 / p99: $(f "$probe" probe_p50_ms) / $(f "$probe" probe_p90_ms) /" \
      "$(f "$probe" probe_p99_ms) ms; loaded $(f "$(tail -n 1 "$logdir/$srv.load.out")" msgs_per_s) msgs/s."
    echo
    echo '```'
    python3 "$bench/tools/handshake_steps.py" "$logdir/$srv.pcap" "$port"
    echo '```'
  } >>"$md"
done
log "wrote $md"
