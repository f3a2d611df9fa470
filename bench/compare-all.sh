#!/usr/bin/env bash
# Side-by-side comparison of Keel's WebSocket echo server with the Netty and uWebSockets peers, scenario by scenario.
#
#   bench/compare-all.sh [--only ws32,wss32,...] [--runs N] [--duration S] [--warmup S] [--server-cpu F|none]
#                        [--idle-server-cpu F|none] [--port P] [--idle-conns N] [--hold S] [--io-threads N]
#                        [--servers keel,netty,uws,keel-before,...] [--before REV] [--out DIR] [--tag NAME] [--list]
#
# --servers: families (keel, keel-before, netty, uws) or single servers (keel-openssl, netty-best, uws, ...);
# default keel,netty,uws plus keel-before with --before. --before REV (or KEEL_BEFORE_REV=REV) builds REV's echo
# jar once into bench/.work/before-SHORT/ and adds "Keel-before" next to Keel, with a Keel / Keel-before ratio.
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
#   KEEL_BEFORE_REV the revision --before defaults to (none: no Keel-before)
#   KEEL_BEFORE_ARGS more options for Keel-before, e.g. "--transport nio" with --before HEAD: the same code on the
#                   other transport, in the same run
set -u
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
work=$bench/.work
invocation=$(cd "$root" && printf '%q ' bench/compare-all.sh "$@")
[ -n "${KEEL_ECHO:-}" ] && invocation="KEEL_ECHO=$(printf '%q' "$KEEL_ECHO") $invocation"

all_scenarios="ws32 ws512 wss32 wss512 ws32d16 wss32d16 ws16k wss16k churn idle-ws idle-wss wss512t wss512z idle-wss-z idle-wss-zd"
runs=3 duration=10 warmup=5 only="" base_port=19443 out=$bench/results cpu=0.5 idle_conns=10000 hold=10
io_threads=1 tag="" list=0 idle_cpu=none servers="" before_rev=${KEEL_BEFORE_REV:-}
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
    --servers) servers=$2; shift 2 ;;
    --before) before_rev=$2; shift 2 ;;
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
  quota=$cpu tls=0 zmode=""
  case "$1" in
    ws32)   label="ws, 100 conns, 32 B text, depth 1";      short="ws 32 B";   metric=msgs
            wsargs=(--connections 100 --payload 32 --depth 1) ;;
    ws512)  label="ws, 100 conns, 512 B binary, depth 1";   short="ws 512 B";  metric=msgs
            wsargs=(--connections 100 --payload 512 --binary --depth 1) ;;
    wss32)  label="wss, 100 conns, 32 B text, depth 1";     short="wss 32 B";  metric=msgs tls=1
            wsargs=(--tls --connections 100 --payload 32 --depth 1) ;;
    wss512) label="wss, 100 conns, 512 B binary, depth 1";  short="wss 512 B"; metric=msgs tls=1
            wsargs=(--tls --connections 100 --payload 512 --binary --depth 1) ;;
    ws32d16)  label="ws, 100 conns, 32 B text, depth 16";   short="ws 32 B x16"; metric=msgs
            wsargs=(--connections 100 --payload 32 --depth 16) ;;
    wss32d16) label="wss, 100 conns, 32 B text, depth 16";  short="wss 32 B x16"; metric=msgs tls=1
            wsargs=(--tls --connections 100 --payload 32 --depth 16) ;;
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
    # permessage-deflate (RFC 7692): 512 B of wsload's text pattern, not offered (compression off on the servers) and
    # offered as browsers do (the servers' shared compressor); idle connections that negotiated it, shared and
    # dedicated. Netty's peer has no permessage-deflate, Keel-before may predate it: only Keel and uWS run these.
    wss512t) label="wss, 100 conns, 512 B text, depth 1, no deflate"; short="wss 512 B text"; metric=msgs tls=1 zmode=off
             wsargs=(--tls --connections 100 --payload 512 --depth 1) ;;
    wss512z) label="wss, 100 conns, 512 B text, depth 1, deflate (shared)"; short="wss 512 B deflate"; metric=msgs tls=1 zmode=shared
             wsargs=(--tls --connections 100 --payload 512 --depth 1 --deflate) ;;
    idle-wss-z)  label="idle wss + deflate shared, $(group "$idle_conns") conns"; short="idle wss deflate"; metric=idle tls=1 quota=$idle_cpu zmode=shared
                 wsargs=(--tls --idle "$idle_conns" --hold "$hold" --deflate) ;;
    idle-wss-zd) label="idle wss + deflate dedicated, $(group "$idle_conns") conns"; short="idle wss deflate ded."; metric=idle tls=1 quota=$idle_cpu zmode=dedicated
                 wsargs=(--tls --idle "$idle_conns" --hold "$hold" --deflate) ;;
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
. "$bench/lib/servers.sh"
. "$bench/lib/keel-before.sh"
select_servers "${servers:-keel,netty,uws${before_rev:+,keel-before}}" || exit 2
if selected_before && [ -z "$before_rev" ]; then log "--servers names Keel-before: give the revision with --before REV"; exit 2; fi
if selected_before && ! git -C "$root" rev-parse --verify -q "$before_rev^{commit}" >/dev/null; then log "--before: unknown revision '$before_rev'"; exit 2; fi

# ---------------------------------------------------------------------------------------------------- setup
mkdir -p "$work" "$out"
JAVA_HOME=$("$root/bin/find-jdk") || { log "no JDK >= 21 (bin/find-jdk failed)"; exit 1; }
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
java=$JAVA_HOME/bin/java

setup_kit
setup_keel
keel_before_error="" keel_before_rev=""
if selected_before; then
  build_keel_before "$before_rev" || log "Keel-before: $keel_before_error (Keel-before cells will show error)"
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
# the servers of a scenario, in running order: each Keel variant next to its before-revision twin
servers_for() {
  local n out=""
  if [ "$1" = 1 ]; then n="keel-openssl keel-before-openssl keel-jdk keel-before-jdk netty-best netty-default uws-wss"
  else n="keel-ws keel-before-ws netty-best netty-default uws-ws"; fi
  for n in $n; do
    [ -n "$zmode" ] && case "$n" in netty-*|keel-before-*) continue ;; esac
    [ -n "${SEL[$n]:-}" ] && out+="$n "
  done
  echo "$out"
}
idle_opts=${IDLE_JAVA_OPTS:--Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:+UseParallelGC}

jstr() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\n\r\t')"; }
jnum() { sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p" <<<"$2" | head -n 1; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }

declare -A VAL NOTE CMD SPLIT

notes=()
add_note() { notes+=("$1"); NOTE[$2]=${#notes[@]}; } # text key

run_one() { # scenario server
  local t_pair; t_pair=$(date +%s)
  local sc=$1 srv=$2 port cmd rc bound lf tmpd values="" warn="" err="" line n=0 v rss_vals="" heap_vals=""
  scenario "$sc"
  lf=$logdir/$sc.$srv.log
  err=$(server_error "$srv")
  if [ -z "$err" ] && ! port=$(free_port); then err="no free port in $base_port..$((base_port + 99))"
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
cell() { # key metric -> value with footnote marker ("–" for a server that did not run in this scenario)
  [ -n "${VAL[$1]:-}" ] || { echo "–"; return; }
  local v; v=$(fmt "${VAL[$1]}" "$2")
  [ -n "${NOTE[$1]:-}" ] && v="$v [${NOTE[$1]}]"
  echo "$v"
}

t_end=$(date +%s)
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
jdk=$("$java" -version 2>&1 | sed -n 2p)
keel_rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null)$( [ -n "$(git -C "$root" status --porcelain -- . ':!bench' 2>/dev/null)" ] && echo "+dirty")
# Columns: Keel, then each selected peer (Keel-before, Netty-best, Netty-default, uWS), then Keel / peer. A column
# is a server family member; COL_OF maps it to the server name for a row's variant (ws, openssl or jdk).
has_keel=0; for n in keel-ws keel-openssl keel-jdk; do [ -n "${SEL[$n]:-}" ] && has_keel=1; done
peers=()
selected_before && peers+=(before)
[ -n "${SEL[netty-best]:-}" ] && peers+=(netty-best)
[ -n "${SEL[netty-default]:-}" ] && peers+=(netty-default)
selected_uws && peers+=(uws)
col_server() { # column variant(ws|openssl|jdk|none) tls -> server name
  case "$1" in keel) echo "keel-$2" ;; before) echo "keel-before-$2" ;; uws) [ "$3" = 1 ] && echo uws-wss || echo uws-ws ;; *) echo "$1" ;; esac
}
col_title() { case "$1" in before) echo "Keel-before (${keel_before_rev:-$before_rev}${KEEL_BEFORE_ARGS:+ $KEEL_BEFORE_ARGS})" ;; uws) echo "uWS" ;; *) display "$1" ;; esac; }
ratio_title() { case "$1" in before) echo "Keel / Keel-before" ;; *) echo "Keel / $(col_title "$1")" ;; esac; }
title_peers=()
{ [ -n "${SEL[netty-best]:-}" ] || [ -n "${SEL[netty-default]:-}" ]; } && title_peers+=(Netty)
selected_uws && title_peers+=(uWebSockets)
selected_before && title_peers+=("Keel $keel_before_rev")
title="Keel vs $(printf '%s, ' "${title_peers[@]}" | sed 's/, $//; s/\(.*\), /\1 and /')"
[ ${#title_peers[@]} = 0 ] && title="Keel"
{
  echo "# $title — WebSocket echo, $day"
  echo
  [ -n "${KEEL_ECHO:-}" ] && { echo "> **The Keel column was produced by \`$KEEL_ECHO\`, not by ./keel-echo.**"; echo; }
  cols=(); [ $has_keel = 1 ] && cols+=(keel); cols+=("${peers[@]}")
  header="| Scenario | Keel server | Unit |" rule="|---|---|---|"
  for c in "${cols[@]}"; do
    if [ "$c" = keel ]; then header+=" Keel |"; else header+=" $(col_title "$c") |"; fi; rule+="--:|"
  done
  if [ $has_keel = 1 ]; then for c in "${peers[@]}"; do header+=" $(ratio_title "$c") |"; rule+="--:|"; done; fi
  echo "$header"; echo "$rule"
  for sc in "${selected[@]}"; do
    scenario "$sc"
    if [ "$tls" = 1 ]; then variants="openssl jdk"; else variants=ws; fi
    rows=""
    for v in $variants; do [ -n "${SEL[keel-$v]:-}" ] || [ -n "${SEL[keel-before-$v]:-}" ] && rows+="$v "; done
    [ -n "$rows" ] || rows="none"
    for v in $rows; do
      if [ "$v" = none ]; then line="| $label | – | $(unit_of "$metric") |"; else line="| $label | $(display "keel-$v") | $(unit_of "$metric") |"; fi
      for c in "${cols[@]}"; do line+=" $(cell "$sc.$(col_server "$c" "$v" "$tls")" "$metric") |"; done
      if [ $has_keel = 1 ]; then
        for c in "${peers[@]}"; do
          line+=" $(ratio "${VAL[$sc.keel-$v]:-error}" "${VAL[$sc.$(col_server "$c" "$v" "$tls")]:-error}") |"
        done
      fi
      echo "$line"
    done
  done
  echo
  echo "Values are medians of $runs run(s). msgs/s and conns/s: higher is better, ratio > 1 means Keel is faster."
  echo "KiB/conn (idle memory: RSS growth + live-heap growth after a full GC, per established connection): lower is"
  echo "better, ratio < 1 means Keel uses less memory. Netty-best = epoll + OpenSSL, Netty-default = NIO + JDK TLS."
  selected_uws && echo "uWS = uWebSockets $uws_ver (C++, one event loop, OpenSSL; its idle memory is RSS only, there is no heap)."
  selected_before && echo "Keel-before = Keel at $keel_before_rev$( [ "$before_rev" != "$keel_before_rev" ] && echo " ($before_rev)"), same options as Keel in each row (its TLS provider for wss rows). – = not run."
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
  echo "- Keel: $root at ${keel_rev:-unknown}$(selected_before && echo "; Keel-before: $keel_before_rev, jar built in bench/.work/before-$keel_before_rev"); Netty peer: Netty $netty_ver$(selected_uws && echo "; uWS peer: uWebSockets $uws_ver"); kit: $kit_src (fingerprint $fingerprint)"
  echo "- Servers: $(for n in $all_servers; do [ -n "${SEL[$n]:-}" ] && printf '%s ' "$n"; done)(--io-threads $io_threads for Keel; the peers run one event loop)"
  echo "- Each pair: compare.sh --runs $runs, server pinned to CPU 0, wsload to CPU 1; ${cgroup_note}; churn always gets a full core, idle runs get --idle-server-cpu $idle_cpu"
  echo "- Throughput: --duration $duration --warmup $warmup. Idle: $idle_conns connections held ${hold} s, the Java servers with \`$idle_opts\`"
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
      c=$(sed -E 's/--port [0-9]+/--port PORT/; s/(uws-echo(-ssl)?'"'"'?) [0-9]+/\1 PORT/' <<<"$c"); [ -n "${seen[$c]:-}" ] && continue; seen[$c]=1
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
if "$java" -Djava.awt.headless=true "$bench/tools/BarChart.java" "$tsv" "$png" "$title — WebSocket echo" "$subtitle" 2>"$logdir/plot.err"; then
  log "wrote $md, $png, $raw"
else
  log "plot failed: $(tail -n 3 "$logdir/plot.err")"; log "wrote $md, $raw"
fi
cat "$md" | sed -n '/^| Scenario/,/^$/p' >&2
