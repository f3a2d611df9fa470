#!/usr/bin/env bash
# Side-by-side comparison of Keel's WebSocket echo server with the Netty peer, scenario by scenario.
#
#   bench/compare-all.sh [--only ws32,wss32,...] [--runs N] [--duration S] [--warmup S] [--server-cpu F|none]
#                        [--idle-server-cpu F|none] [--port P] [--idle-conns N] [--hold S] [--io-threads N]
#                        [--out DIR] [--tag NAME] [--list]
#
# Every (scenario, server) pair goes through the shared kit's compare.sh (server pinned to CPU 0, wsload to CPU 1),
# which starts and stops the server itself. Writes OUT/DATE[-TAG].md (table + machine info), OUT/DATE[-TAG].png
# (grouped bar chart) and OUT/DATE[-TAG].raw.jsonl (every wsload JSON line plus one result line per pair).
# A failing pair shows "error" in the table; the other pairs still run. See bench/README.md.
#
# Environment:
#   KEEL_ECHO       command used instead of ./keel-echo (takes the same options), e.g. bench/netty-as-keel.sh
#   KEEL_JAVA_OPTS  Keel's JVM flags for the throughput/churn scenarios (default -XX:+UseParallelGC)
#   NETTY_JAVA_OPTS the Netty peer's JVM flags for those scenarios (default -XX:+UseParallelGC)
#   IDLE_JAVA_OPTS  both servers' JVM flags for the idle-memory scenarios
#                   (default -Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:+UseParallelGC)
#   BENCH_KIT       the benchmark kit to copy (default /work/shared/bench)
set -u
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
work=$bench/.work
invocation=$(cd "$root" && printf '%q ' bench/compare-all.sh "$@")
[ -n "${KEEL_ECHO:-}" ] && invocation="KEEL_ECHO=$(printf '%q' "$KEEL_ECHO") $invocation"

all_scenarios="ws32 ws512 wss32 wss512 ws16k wss16k churn idle-ws idle-wss"
runs=3 duration=10 warmup=5 only="" base_port=19443 out=$bench/results cpu=0.5 idle_conns=10000 hold=10
io_threads=1 tag="" list=0 idle_cpu=none
usage() { sed -n '2,/^set -u/{/^set -u/d;p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --server-cpu) cpu=$2; shift 2 ;;
    --idle-server-cpu) idle_cpu=$2; shift 2 ;;
    --port) base_port=$2; shift 2 ;;
    --idle-conns) idle_conns=$2; shift 2 ;;
    --hold) hold=$2; shift 2 ;;
    --io-threads) io_threads=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --list) list=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare-all: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

# ---------------------------------------------------------------------------------------------------- scenarios
# scenario ID sets: label (table), short (plot), tls (0/1), metric (msgs|conns|idle), quota (the --server-cpu
# value compare.sh gets, or none), wsargs (wsload arguments).
group() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }  # 10000 -> 10,000
scenario() {
  quota=$cpu tls=0
  case "$1" in
    ws32)   label="ws, 100 conns, 32 B text, depth 1";      short="ws 32 B";   metric=msgs
            wsargs=(--connections 100 --payload 32 --depth 1) ;;
    ws512)  label="ws, 100 conns, 512 B binary, depth 1";   short="ws 512 B";  metric=msgs
            wsargs=(--connections 100 --payload 512 --binary --depth 1) ;;
    wss32)  label="wss, 100 conns, 32 B text, depth 1";     short="wss 32 B";  metric=msgs tls=1
            wsargs=(--tls --connections 100 --payload 32 --depth 1) ;;
    wss512) label="wss, 100 conns, 512 B binary, depth 1";  short="wss 512 B"; metric=msgs tls=1
            wsargs=(--tls --connections 100 --payload 512 --binary --depth 1) ;;
    ws16k)  label="ws, 1,000 conns, 16 KiB binary, depth 1";  short="ws 16 KiB x1k";  metric=msgs
            wsargs=(--connections 1000 --payload 16384 --binary --depth 1) ;;
    wss16k) label="wss, 1,000 conns, 16 KiB binary, depth 1"; short="wss 16 KiB x1k"; metric=msgs tls=1
            wsargs=(--tls --connections 1000 --payload 16384 --binary --depth 1) ;;
    churn)  label="wss churn, 50 slots, full core";         short="wss churn"; metric=conns tls=1 quota=none
            wsargs=(--tls --churn --connections 50) ;;
    # Memory does not depend on the CPU quota, and on half a core JDK-TLS servers take so long to complete 10k
    # handshakes that some hit their handshake timeouts: idle runs default to a full core (--idle-server-cpu).
    idle-ws)  label="idle ws, $(group "$idle_conns") conns, hold ${hold} s";  short="idle ws";  metric=idle quota=$idle_cpu
              wsargs=(--idle "$idle_conns" --hold "$hold") ;;
    idle-wss) label="idle wss, $(group "$idle_conns") conns, hold ${hold} s"; short="idle wss"; metric=idle tls=1 quota=$idle_cpu
              wsargs=(--tls --idle "$idle_conns" --hold "$hold") ;;
    *) return 1 ;;
  esac
  [ "$metric" = idle ] || wsargs+=(--duration "$duration" --warmup "$warmup")
  return 0
}
unit_of() { case "$1" in msgs) echo "msgs/s" ;; conns) echo "conns/s" ;; idle) echo "KiB/conn" ;; esac; }

if [ $list = 1 ]; then
  for s in $all_scenarios; do scenario "$s"; printf '%-9s %-45s %s\n' "$s" "$label" "${wsargs[*]}"; done; exit 0
fi
selected=()
IFS=', ' read -r -a req <<<"${only:-$all_scenarios}"
for s in "${req[@]}"; do
  [ -z "$s" ] && continue
  scenario "$s" || { echo "compare-all: unknown scenario '$s' (known: $all_scenarios)" >&2; exit 2; }
  selected+=("$s")
done
[ ${#selected[@]} -gt 0 ] || { echo "compare-all: no scenario selected" >&2; exit 2; }
for v in "$runs" "$io_threads" "$idle_conns"; do
  case "$v" in ''|*[!0-9]*) echo "compare-all: --runs, --io-threads and --idle-conns take whole numbers" >&2; exit 2 ;; esac
done

log() { echo "compare-all: $*" >&2; }

# ---------------------------------------------------------------------------------------------------- setup
mkdir -p "$work" "$out"
JAVA_HOME=$("$root/bin/find-jdk") || { log "no JDK >= 21 (bin/find-jdk failed)"; exit 1; }
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
java=$JAVA_HOME/bin/java

# The kit directory is read-only and compare.sh builds wsload next to itself: work on a copy, refreshed whenever
# the kit's sources change.
kit_src=${BENCH_KIT:-/work/shared/bench}
kit=$work/kit
[ -f "$kit_src/compare.sh" ] || { log "no benchmark kit at $kit_src (set BENCH_KIT)"; exit 1; }
fingerprint=$(cd "$kit_src" && find . -type f -not -path '*/target/*' -not -path './wsload/wsload' -print0 |
  sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
if [ "$(cat "$work/kit.fingerprint" 2>/dev/null)" != "$fingerprint" ] || [ ! -f "$kit/compare.sh" ]; then
  log "copying the benchmark kit from $kit_src"
  rm -rf "$kit" && cp -r "$kit_src" "$kit" && chmod -R u+w "$kit" && echo "$fingerprint" >"$work/kit.fingerprint" ||
    { log "cannot copy $kit_src"; exit 1; }
fi
if [ ! -x "$kit/wsload/wsload" ]; then
  log "building wsload"
  if ! make -s -C "$kit/wsload" >&2; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      log "installing gcc make libssl-dev"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc make libssl-dev >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc make libssl-dev >/dev/null 2>&1; }
    fi
    make -s -C "$kit/wsload" >&2 || { log "cannot build wsload (needs gcc and libssl-dev)"; exit 1; }
  fi
fi
netty_jar=$kit/peers/netty-echo/target/netty-echo.jar
if [ ! -f "$netty_jar" ]; then
  log "building the Netty peer (mvn package)"
  (cd "$kit/peers/netty-echo" && mvn -q -B package -DskipTests) >"$work/netty-build.log" 2>&1 ||
    { grep -v Unsafe "$work/netty-build.log" | tail -n 20 >&2; log "cannot build the Netty peer"; exit 1; }
fi
export NETTY_ECHO_JAR=$netty_jar    # for bench/netty-as-keel.sh

# One EC P-256 certificate (PEM) and PKCS#8 key for both servers, so their handshakes cost the same.
tlsdir=$work/tls cert=$work/tls/cert.pem key=$work/tls/key.pem
if [ ! -s "$cert" ] || [ ! -s "$key" ]; then
  mkdir -p "$tlsdir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$key.tmp" -out "$cert" >/dev/null 2>&1 &&
    openssl pkcs8 -topk8 -nocrypt -in "$key.tmp" -out "$key" && rm -f "$key.tmp" ||
    { log "cannot generate the certificate with openssl"; exit 1; }
fi

keel_echo=${KEEL_ECHO:-$root/keel-echo}
case "$keel_echo" in /*) ;; *) keel_echo=$(cd "$root" && cd "$(dirname "$keel_echo")" && pwd)/$(basename "$keel_echo") ;; esac
keel_build_error=""
if [ -z "${KEEL_ECHO:-}" ]; then
  # keel-echo builds on first use; do it now so that compare.sh's 2-minute wait for the port is not spent in Maven
  log "building Keel if needed (./keel-echo --help)"
  timeout 1200 "$keel_echo" --help >"$work/keel-build.log" 2>&1 || keel_build_error="keel-echo --help failed: $(tail -n 1 "$work/keel-build.log")"
  [ -n "$keel_build_error" ] && log "$keel_build_error (Keel cells will show error)"
fi

# compare.sh writes fixed /tmp/compare-*.{log,out,err} paths; give each run a private /tmp (a mount namespace)
# when possible so that concurrent benchmarks on the machine cannot mix their files.
isolate=0
[ "$(id -u)" = 0 ] && unshare --mount --propagation private true 2>/dev/null && isolate=1

cgroup_note="cgroup-v1 cpu controller available: --server-cpu $cpu is enforced"
if [ ! -d /sys/fs/cgroup/cpu ]; then cgroup_note="no /sys/fs/cgroup/cpu (no cgroup-v1 cpu controller): --server-cpu is ignored, servers get a full core"
elif ! mkdir /sys/fs/cgroup/cpu/keel-bench-probe-$$ 2>/dev/null; then cgroup_note="/sys/fs/cgroup/cpu not writable: --server-cpu is ignored, servers get a full core"
else rmdir /sys/fs/cgroup/cpu/keel-bench-probe-$$; fi
[ "$cpu" = none ] && cgroup_note="--server-cpu none: servers get a full core"

day=$(date +%F)
name=$day${tag:+-$tag}
md=$out/$name.md png=$out/$name.png raw=$out/$name.raw.jsonl
logdir=$work/logs/$name
rm -rf "$logdir" && mkdir -p "$logdir"
: >"$raw"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
t_start=$(date +%s)

# ---------------------------------------------------------------------------------------------------- servers
q() { printf '%q' "$1"; }
servers_for() { if [ "$1" = 1 ]; then echo "keel-openssl keel-jdk netty-best netty-default"; else echo "keel-ws netty-best netty-default"; fi; }
display() {
  case "$1" in keel-ws) echo "Keel" ;; keel-openssl) echo "Keel-openssl" ;; keel-jdk) echo "Keel-jdk" ;;
    netty-best) echo "Netty-best" ;; netty-default) echo "Netty-default" ;; esac
}
idle_opts=${IDLE_JAVA_OPTS:--Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:+UseParallelGC}
server_cmd() { # name tls metric port
  local n=$1 tls=$2 metric=$3 port=$4 kopts=${KEEL_JAVA_OPTS:--XX:+UseParallelGC} nopts=${NETTY_JAVA_OPTS:--XX:+UseParallelGC}
  [ "$metric" = idle ] && kopts=$idle_opts nopts=$idle_opts
  case "$n" in
    keel-*)
      local c="env KEEL_JAVA_OPTS=$(q "$kopts") $(q "$keel_echo") --bind 127.0.0.1 --port $port --io-threads $io_threads"
      case "$n" in
        keel-ws) c+=" --mode ws" ;;
        keel-openssl|keel-jdk) c+=" --mode wss --tls-provider ${n#keel-} --cert $(q "$cert") --key $(q "$key")" ;;
      esac
      echo "$c" ;;
    netty-*)
      local c="$(q "$java") $nopts -jar $(q "$netty_jar") --port $port"
      [ "$tls" = 1 ] && c+=" --tls --cert $(q "$cert") --key $(q "$key")"
      case "$n" in
        netty-best) c+=" --transport epoll --ssl-provider openssl" ;;
        netty-default) c+=" --transport nio --ssl-provider jdk" ;;
      esac
      echo "$c" ;;
  esac
}

listening() { [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]; }
free_port() {
  local p
  for p in $(seq "$base_port" $((base_port + 99))); do listening "$p" || { echo "$p"; return 0; }; done
  return 1
}
# compare.sh stops its server on exit; if a timeout or crash left it listening, stop it (the port was free
# before we started it, so the listener is ours).
reap_port() {
  local p=$1 i pids
  for i in $(seq 1 20); do listening "$p" || return 0; sleep 0.25; done
  pids=$(ss -Htlnp "sport = :$p" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
  [ -n "$pids" ] || return 0
  log "server still listening on $p after compare.sh exited; stopping pid(s) $pids"
  for i in $pids; do kill -TERM "$i" 2>/dev/null; done; sleep 2
  for i in $pids; do kill -KILL "$i" 2>/dev/null; done
}

jstr() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\n\r\t')"; }
jnum() { sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p" <<<"$2" | head -n 1; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }

declare -A VAL NOTE CMD SPLIT PRE_ERR

# compare.sh waits two minutes for a server that never listens, even one that exited at once: start each server
# variant once up front and keep those that fail out of the scenarios (their cells show error with the reason).
preflight() { # server tls
  local srv=$1 port cmd pid i pl=$logdir/preflight.$1.log
  port=$(free_port) || { PRE_ERR[$srv]="no free port"; return; }
  cmd=$(server_cmd "$srv" "$2" msgs "$port")
  setsid bash -c "exec $cmd" >"$pl" 2>&1 &
  pid=$!
  for i in $(seq 1 300); do
    listening "$port" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if ! listening "$port"; then
    if kill -0 "$pid" 2>/dev/null; then PRE_ERR[$srv]="did not listen within 60 s at start"
    else PRE_ERR[$srv]="exited at start: $(grep -v -e '^WARNING' -e '^$' "$pl" | tail -n 1 | cut -c1-160)"; fi
  fi
  kill -TERM -- -"$pid" 2>/dev/null; sleep 0.5; kill -KILL -- -"$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  reap_port "$port"
  [ -n "${PRE_ERR[$srv]:-}" ] && log "$(display "$srv") does not start: ${PRE_ERR[$srv]}"
}
notes=()
add_note() { notes+=("$1"); NOTE[$2]=${#notes[@]}; } # text key

run_one() { # scenario server
  local t_pair; t_pair=$(date +%s)
  local sc=$1 srv=$2 port cmd rc bound lf tmpd values="" warn="" err="" line n=0 v rss_vals="" heap_vals=""
  scenario "$sc"
  lf=$logdir/$sc.$srv.log
  if [ "${srv%%-*}" = keel ] && [ -n "$keel_build_error" ]; then err=$keel_build_error
  elif [ -n "${PRE_ERR[$srv]:-}" ]; then err=${PRE_ERR[$srv]}
  elif ! port=$(free_port); then err="no free port in $base_port..$((base_port + 99))"
  fi
  if [ -z "$err" ]; then
    cmd=$(server_cmd "$srv" "$tls" "$metric" "$port")
    CMD[$sc.$srv]=$cmd
    local cargs=(--port "$port" --runs "$runs")
    [ "$quota" != none ] && cargs+=(--server-cpu "$quota")
    if [ "$metric" = idle ]; then bound=$((180 + runs * (700 + ${hold%.*}))); else bound=$((180 + runs * (150 + ${warmup%.*} + ${duration%.*}))); fi
    log "$sc / $(display "$srv") on port $port (at most ${bound}s; log $lf)"
    {
      echo "# server: $cmd"
      echo "# compare.sh ${cargs[*]} -- ${wsargs[*]}"
    } >"$lf"
    if [ $isolate = 1 ]; then
      tmpd=$logdir/tmp.$sc.$srv; mkdir -p "$tmpd"
      timeout -k 15 "$bound" unshare --mount --propagation private -- bash -c 'mount --bind "$1" /tmp && shift && exec "$@"' _ \
        "$tmpd" "$kit/compare.sh" "${cargs[@]}" --server "$cmd" -- "${wsargs[@]}" >>"$lf" 2>&1 &
    else
      timeout -k 15 "$bound" "$kit/compare.sh" "${cargs[@]}" --server "$cmd" -- "${wsargs[@]}" >>"$lf" 2>&1 &
    fi
    tpid=$!
    local cpid="" i
    for i in $(seq 1 50); do cpid=$(pgrep -P "$tpid" | head -n 1); [ -n "$cpid" ] && break; kill -0 "$tpid" 2>/dev/null || break; sleep 0.1; done
    wait "$tpid"; rc=$?
    tpid=""
    reap_port "$port"
    # compare.sh removes its cgroup only if the server is gone 0.5 s after the kill (a JVM with 10k connections
    # and a pre-touched heap often is not): remove the one this pair left behind once it is empty
    if [ -n "$cpid" ] && [ -d "/sys/fs/cgroup/cpu/keel-bench-$cpid" ]; then
      for i in $(seq 1 40); do
        [ -s "/sys/fs/cgroup/cpu/keel-bench-$cpid/cgroup.procs" ] || { rmdir "/sys/fs/cgroup/cpu/keel-bench-$cpid" 2>/dev/null; break; }
        sleep 0.25
      done
    fi
    [ $rc = 124 ] || [ $rc = 137 ] && warn="timed out after ${bound}s"
    # every JSON line goes to the raw file; an idle run is its wsload line plus compare.sh's memory line
    local idle_line=""
    while IFS= read -r line; do
      case "$line" in
        '{"mode":'*)
          n=$((n + 1))
          printf '{"date":"%s","scenario":"%s","server":"%s","run":%d,"wsload":%s}\n' "$day" "$sc" "$srv" "$n" "$line" >>"$raw"
          case "$metric" in
            msgs|conns)
              local key=msgs_per_s; [ "$metric" = conns ] && key=connections_per_s
              v=$(jnum "$key" "$line")
              if [ "$(jnum mismatches "$line")" != 0 ]; then warn="echo mismatches reported by wsload (run discarded)"
              elif [ -n "$v" ]; then
                values+="$v"$'\n'
                [ "$(jnum errors "$line")" = 0 ] && [ "$(jnum connect_failures "$line")" = 0 ] ||
                  warn="wsload reported errors or connect failures in some runs"
              fi ;;
            idle)
              idle_line=$line
              [ "$(jnum established "$line")" = "$(jnum requested "$line")" ] && [ "$(jnum pongs "$line")" = "$(jnum established "$line")" ] ||
                warn="not every idle connection was established or answered the final ping" ;;
          esac ;;
        '{"rss_growth":'*)
          printf '{"date":"%s","scenario":"%s","server":"%s","run":%d,"memory":%s}\n' "$day" "$sc" "$srv" "$n" "$line" >>"$raw"
          v=$(jnum bytes_per_connection "$line")
          if [ -n "$v" ] && [ -n "$idle_line" ]; then
            values+="$(awk -v b="$v" 'BEGIN{printf "%.2f", b / 1024}')"$'\n'
            rss_vals+="$(jnum rss_bytes_per_connection "$line")"$'\n'; heap_vals+="$(jnum heap_bytes_per_connection "$line")"$'\n'
          fi
          idle_line="" ;;
        '{"summary":'*'_s":'[0-9]*)
          printf '{"date":"%s","scenario":"%s","server":"%s","compare_summary":%s}\n' "$day" "$sc" "$srv" "$line" >>"$raw" ;;
      esac
    done < <(grep '^{' "$lf")
    if [ -z "$values" ]; then
      err=$(grep -m1 -e 'compare.sh:' -e 'keel-echo:' -e 'Exception' -e 'rror' "$lf" | cut -c1-160)
      [ $isolate = 1 ] && [ -s "$tmpd/compare-server.log" ] &&
        err="${err:+$err; }server log: $(grep -v -e '^WARNING' -e '^$' "$tmpd/compare-server.log" | tail -n 1 | cut -c1-160)"
      [ -n "$warn" ] && err="$warn${err:+; $err}"
      [ -n "$err" ] || err="no result (compare.sh exit $rc)"
    fi
    grep -q 'no cgroup cpu controller' "$lf" && cgroup_note="compare.sh reported no cgroup cpu controller: --server-cpu was ignored"
  fi
  local med="" nvals=0
  if [ -z "$err" ] && [ "$metric" != idle ] && awk -v m="$(printf '%s' "$values" | median)" 'BEGIN{exit !(m <= 0)}'; then
    warn="${warn:+$warn; }nothing completed in the measured window (server overloaded or still warming up?)"
  fi
  if [ -z "$err" ]; then med=$(printf '%s' "$values" | median); nvals=$(printf '%s' "$values" | grep -c .); fi
  if [ -z "$err" ] && [ "$metric" = idle ]; then
    SPLIT[$sc.$srv]="RSS $(printf '%s' "$rss_vals" | median | awk '{printf "%.1f", $1 / 1024}') + heap $(printf '%s' "$heap_vals" | median | awk '{printf "%.1f", $1 / 1024}') KiB/conn"
    awk -v m="$med" 'BEGIN{exit !(m <= 0)}' &&
      warn="${warn:+$warn; }memory growth <= 0: measurement noise dominates (too few connections?)"
  fi
  local runs_json
  runs_json=$(printf '%s' "$values" | paste -sd, -)
  printf '{"date":"%s","scenario":"%s","server":"%s","metric":"%s","seconds":%d,"result":%s,"median":%s,"runs":[%s],"note":%s,"command":%s}\n' \
    "$day" "$sc" "$srv" "$(unit_of "$metric")" $(( $(date +%s) - t_pair )) "$( [ -z "$err" ] && echo '"ok"' || echo '"error"')" "${med:-null}" \
    "$runs_json" "$(jstr "${err:-$warn}")" "$(jstr "${CMD[$sc.$srv]:-}")" >>"$raw"
  if [ -n "$err" ]; then
    VAL[$sc.$srv]=error; add_note "$(display "$srv"), $sc: $err" "$sc.$srv"
    log "  -> error: $err"
  else
    VAL[$sc.$srv]=$med
    [ -n "$warn" ] && add_note "$(display "$srv"), $sc: $warn" "$sc.$srv"
    [ "$nvals" -lt "$runs" ] && [ -z "$warn" ] && add_note "$(display "$srv"), $sc: median of $nvals run(s), not $runs" "$sc.$srv"
    log "  -> $med $(unit_of "$metric")${warn:+ ($warn)} in $(( $(date +%s) - t_pair ))s"
  fi
}

# Ctrl-C / kill: stop the running pair (timeout passes the signal on to compare.sh, which stops its server)
tpid=""
trap '[ -n "$tpid" ] && kill -TERM "$tpid" 2>/dev/null; sleep 1; log "interrupted"; exit 130' INT TERM
declare -A checked=()
for sc in "${selected[@]}"; do
  scenario "$sc"
  for srv in $(servers_for "$tls"); do
    [ -n "${checked[$srv]:-}" ] && continue; checked[$srv]=1
    [ "${srv%%-*}" = keel ] && [ -n "$keel_build_error" ] && continue
    preflight "$srv" "$tls"
  done
done
for sc in "${selected[@]}"; do
  scenario "$sc"
  for srv in $(servers_for "$tls"); do run_one "$sc" "$srv"; done
done

# ---------------------------------------------------------------------------------------------------- report
fmt() { # value metric
  case "$1" in error|'') echo "error" ;;
    *) if [ "$2" = idle ]; then printf '%.1f' "$1"; else printf '%.0f' "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; fi ;;
  esac
}
ratio() { case "$1$2" in *error*|'') echo "–" ;; *) awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "–" }' ;; esac; }
cell() { # key metric -> value with footnote marker
  local v; v=$(fmt "${VAL[$1]:-error}" "$2")
  [ -n "${NOTE[$1]:-}" ] && v="$v [${NOTE[$1]}]"
  echo "$v"
}

t_end=$(date +%s)
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
jdk=$("$java" -version 2>&1 | sed -n 2p)
keel_rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null)$( [ -n "$(git -C "$root" status --porcelain -- . ':!bench' 2>/dev/null)" ] && echo "+dirty")
netty_ver=$(sed -n 's/.*<netty.version>\(.*\)<\/netty.version>.*/\1/p' "$kit/peers/netty-echo/pom.xml")
{
  echo "# Keel vs Netty — WebSocket echo, $day"
  echo
  [ -n "${KEEL_ECHO:-}" ] && { echo "> **The Keel column was produced by \`$KEEL_ECHO\`, not by ./keel-echo.**"; echo; }
  echo "| Scenario | Keel server | Unit | Keel | Netty-best | Netty-default | Keel / Netty-best | Keel / Netty-default |"
  echo "|---|---|---|--:|--:|--:|--:|--:|"
  for sc in "${selected[@]}"; do
    scenario "$sc"
    for srv in $(servers_for "$tls"); do
      case "$srv" in netty-*) continue ;; esac
      echo "| $label | $(display "$srv") | $(unit_of "$metric") | $(cell "$sc.$srv" "$metric") | $(cell "$sc.netty-best" "$metric") | $(cell "$sc.netty-default" "$metric") | $(ratio "${VAL[$sc.$srv]:-error}" "${VAL[$sc.netty-best]:-error}") | $(ratio "${VAL[$sc.$srv]:-error}" "${VAL[$sc.netty-default]:-error}") |"
    done
  done
  echo
  echo "Values are medians of $runs run(s). msgs/s and conns/s: higher is better, ratio > 1 means Keel is faster."
  echo "KiB/conn (idle memory: RSS growth + live-heap growth after a full GC, per established connection): lower is"
  echo "better, ratio < 1 means Keel uses less memory. Netty-best = epoll + OpenSSL, Netty-default = NIO + JDK TLS."
  split_lines=()
  for sc in "${selected[@]}"; do
    scenario "$sc"; [ "$metric" = idle ] || continue
    for srv in $(servers_for "$tls"); do
      [ -n "${SPLIT[$sc.$srv]:-}" ] && split_lines+=("- $sc, $(display "$srv"): ${SPLIT[$sc.$srv]} (medians of each part)")
    done
  done
  if [ ${#split_lines[@]} -gt 0 ]; then echo; echo "Idle memory, RSS and live-heap parts:"; echo; printf '%s\n' "${split_lines[@]}"; fi
  if [ ${#notes[@]} -gt 0 ]; then
    echo; echo "Notes:"; echo
    for i in "${!notes[@]}"; do echo "$((i + 1)). ${notes[$i]}"; done
  fi
  echo
  echo "![msgs/s per scenario]($name.png)"
  echo
  echo "## Setup"
  echo
  echo "- Date: $(date -u -d "@$t_start" '+%F %T UTC'), took $(( (t_end - t_start) / 60 )) min $(( (t_end - t_start) % 60 )) s"
  echo "- Machine: nproc $(nproc), $cpu_model, kernel $(uname -sr)"
  echo "- Load average at start / end: $load_start / $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- JDK: $jdk ($JAVA_HOME)"
  echo "- Keel: $root at ${keel_rev:-unknown}; Netty peer: Netty $netty_ver; kit: $kit_src (fingerprint $fingerprint)"
  echo "- Each pair: compare.sh --runs $runs, server pinned to CPU 0, wsload to CPU 1; ${cgroup_note}; churn always gets a full core, idle runs get --idle-server-cpu $idle_cpu"
  echo "- Throughput: --duration $duration --warmup $warmup. Idle: $idle_conns connections held ${hold} s, both servers with \`$idle_opts\`"
  echo "- TLS: one EC P-256 certificate and PKCS#8 key (\`bench/.work/tls\`) passed to every server"
  echo "- Command: \`$invocation\`"
  echo "- Raw wsload/compare.sh JSON: \`$name.raw.jsonl\`; per-run logs: \`bench/.work/logs/$name/\`"
  echo
  echo "Server commands (PORT varies):"
  echo
  echo '```'
  declare -A seen=()
  for sc in "${selected[@]}"; do
    scenario "$sc"
    for srv in $(servers_for "$tls"); do
      c=${CMD[$sc.$srv]:-}; [ -n "$c" ] || continue
      c=$(sed -E 's/--port [0-9]+/--port PORT/' <<<"$c"); [ -n "${seen[$c]:-}" ] && continue; seen[$c]=1
      echo "$(display "$srv") ($sc...): $c"
    done
  done
  echo '```'
} >"$md"

# ---------------------------------------------------------------------------------------------------- plot
tsv=$logdir/plot.tsv
: >"$tsv"
for sc in "${selected[@]}"; do
  scenario "$sc"
  case "$metric" in
    msgs) panel="Echo throughput, msgs/s (higher is better)" ;;
    conns) panel="TLS connection churn, connections/s (higher is better)" ;;
    idle) panel="Idle memory, KiB per connection (lower is better)" ;;
  esac
  for srv in $(servers_for "$tls"); do
    printf '%s\t%s\t%s\t%s\n' "$panel" "$short" "$(display "$srv")" "${VAL[$sc.$srv]:-error}" >>"$tsv"
  done
done
subtitle="median of $runs run(s), server on ${cpu/none/full} core (churn: full core, idle: ${idle_cpu/none/full} core), $(nproc) x $cpu_model, $day"
[ -n "${KEEL_ECHO:-}" ] && subtitle="KEEL COLUMN = $(basename "$KEEL_ECHO") — $subtitle"
if "$java" -Djava.awt.headless=true "$bench/tools/BarChart.java" "$tsv" "$png" "Keel vs Netty — WebSocket echo" "$subtitle" 2>"$logdir/plot.err"; then
  log "wrote $md, $png, $raw"
else
  log "plot failed: $(tail -n 3 "$logdir/plot.err")"; log "wrote $md, $raw"
fi
cat "$md" | sed -n '/^| Scenario/,/^$/p' >&2
