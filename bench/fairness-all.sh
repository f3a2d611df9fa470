#!/usr/bin/env bash
# How long a new client waits on a busy server: the kit's fairness.sh for Keel (OpenSSL and JDK TLS), Netty-best
# and uWebSockets, N rounds each, alternating servers.
#
#   bench/fairness-all.sh [--rounds N] [--io-threads N] [--servers LIST] [--before REV] [--port P] [--out DIR]
#                         [--tag NAME]
#
# Each round runs every server once through the kit's fairness.sh (a copy in bench/.work/kit): the server on CPU 0
# (a full core), 200 wss connections pipelining 16 x 512 B from one wsload on CPU 1, and a second wsload opening a
# new client every 100 ms (connect, TLS + WebSocket handshakes, one echo, close). About 25 s per server and round.
# Writes OUT/DATE[-TAG]-fairness.md (medians over the rounds of the new client's time to first echo p50/p90/p99/max
# and of the loaded throughput) and OUT/DATE[-TAG]-fairness.raw.jsonl (every fairness.sh line plus a result line).
#
#   --rounds N      rounds (default 3)
#   --io-threads N  Keel's --io-threads (default 1, like the single-threaded peers)
#   --servers LIST  wss servers (see bench/lib/servers.sh; default keel-openssl,keel-jdk,netty-best,uws, plus
#                   keel-before-openssl with --before)
#   --before REV    also measure Keel at REV (its echo jar, built once into bench/.work/before-SHORT/);
#                   KEEL_BEFORE_REV=REV does the same
#   --port P        first port to try (default 19443; the first free one of the next 100 is used)
#   --out DIR       default bench/results;  --tag NAME writes DATE-NAME-fairness.*
#
# Environment: KEEL_ECHO, KEEL_JAVA_OPTS, NETTY_JAVA_OPTS, BENCH_KIT as for compare-all.sh.
set -u
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$bench")
work=$bench/.work
invocation=$(cd "$root" && printf '%q ' bench/fairness-all.sh "$@")
rounds=3 io_threads=1 servers="" before_rev=${KEEL_BEFORE_REV:-} base_port=19443 out=$bench/results tag=""
usage() { sed -n '2,/^set -u/{/^set -u/d;p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --io-threads) io_threads=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --before) before_rev=$2; shift 2 ;;
    --port) base_port=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fairness-all: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$rounds" "$io_threads"; do
  case "$v" in ''|*[!0-9]*|0) echo "fairness-all: --rounds and --io-threads take positive whole numbers" >&2; exit 2 ;; esac
done
log() { echo "fairness-all: $*" >&2; }
. "$bench/lib/servers.sh"
. "$bench/lib/keel-before.sh"
select_servers "${servers:-keel-openssl,keel-jdk,netty-best,uws${before_rev:+,keel-before-openssl}}" || exit 2
if selected_before && [ -z "$before_rev" ]; then log "--servers names Keel-before: give the revision with --before REV"; exit 2; fi
if selected_before && ! git -C "$root" rev-parse --verify -q "$before_rev^{commit}" >/dev/null; then log "--before: unknown revision '$before_rev'"; exit 2; fi
# fairness.sh measures wss only: the ws members of a family are dropped
order=()
for n in keel-openssl keel-before-openssl keel-jdk keel-before-jdk netty-best netty-default uws-wss; do [ -n "${SEL[$n]:-}" ] && order+=("$n"); done
unset 'SEL[keel-ws]' 'SEL[keel-before-ws]' 'SEL[uws-ws]'
[ ${#order[@]} -gt 0 ] || { log "no wss server selected"; exit 2; }

mkdir -p "$work" "$out"
JAVA_HOME=$("$root/bin/find-jdk") || { log "no JDK >= 21 (bin/find-jdk failed)"; exit 1; }
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
java=$JAVA_HOME/bin/java
idle_opts=""
setup_kit
[ -x "$kit/fairness.sh" ] || { log "the kit at $kit_src has no fairness.sh"; exit 1; }
setup_keel
keel_before_error="" keel_before_rev=""
if selected_before; then
  build_keel_before "$before_rev" || log "Keel-before: $keel_before_error (its rows will show error)"
fi
isolate=0   # fairness.sh writes fixed /tmp/fairness-* paths: a private /tmp per run when possible
[ "$(id -u)" = 0 ] && unshare --mount --propagation private true 2>/dev/null && isolate=1

day=$(date +%F)
name=$day${tag:+-$tag}-fairness
md=$out/$name.md raw=$out/$name.raw.jsonl
logdir=$work/logs/$name
rm -rf "$logdir" && mkdir -p "$logdir"
: >"$raw"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
t_start=$(date +%s)

jstr() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\n\r\t')"; }
jnum() { sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p" <<<"$2" | head -n 1; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }
fields="probe_p50_ms probe_p90_ms probe_p99_ms probe_max_ms loaded_msgs_per_s probe_n probe_failures"
declare -A V=() ERRS=() WARNS=() CMD=()

run_round() { # round server
  local r=$1 srv=$2 port cmd lf tmpd rc line err="" warn="" f v t0 load
  t0=$(date +%s)
  lf=$logdir/$srv.round$r.log
  err=$(server_error "$srv")
  if [ -z "$err" ] && ! port=$(free_port); then err="no free port in $base_port..$((base_port + 99))"; fi
  if [ -z "$err" ]; then
    cmd=$(server_cmd "$srv" 1 msgs "$port")
    CMD[$srv]=$cmd
    log "round $r / $(display "$srv") on port $port (log $lf)"
    echo "# server: $cmd" >"$lf"
    tmpd=$logdir/tmp.$srv.round$r; mkdir -p "$tmpd"
    if [ $isolate = 1 ]; then
      timeout -k 15 240 unshare --mount --propagation private -- bash -c 'mount --bind "$1" /tmp && shift && exec "$@"' _ \
        "$tmpd" "$kit/fairness.sh" --port "$port" --server "$cmd" >>"$lf" 2>&1 &
    else
      timeout -k 15 240 "$kit/fairness.sh" --port "$port" --server "$cmd" >>"$lf" 2>&1 &
    fi
    tpid=$!; wait "$tpid"; rc=$?; tpid=""
    reap_port "$port"
    line=$(grep '^{"loaded_msgs_per_s"' "$lf" | tail -n 1)
    [ -n "$line" ] && printf '{"date":"%s","round":%d,"server":"%s","fairness":%s}\n' "$day" "$r" "$srv" "$line" >>"$raw"
    for f in $fields; do
      v=$(jnum "$f" "$line")
      [ -n "$v" ] || { err="fairness.sh gave no $f (exit $rc)"; break; }
    done
    [ $rc = 124 ] || [ $rc = 137 ] && err="timed out after 240 s${err:+; $err}"
    if [ -n "$err" ] && [ $isolate = 1 ] && [ -s "$tmpd/fairness-server.log" ]; then
      err="$err; server log: $(grep -v -e '^WARNING' -e '^$' "$tmpd/fairness-server.log" | tail -n 1 | cut -c1-160)"
    fi
    # the load generator's own line (in the private /tmp): echo mismatches or errors make the round suspect
    load=$( [ $isolate = 1 ] && tail -n 1 "$tmpd/fairness-load.out" 2>/dev/null)
    if [ -n "$load" ]; then
      [ "$(jnum mismatches "$load")" = 0 ] || err="echo mismatches reported by the loading wsload${err:+; $err}"
      [ "$(jnum errors "$load")" = 0 ] && [ "$(jnum connect_failures "$load")" = 0 ] || warn="the loading wsload reported errors or connect failures"
    fi
    [ -z "$err" ] && [ "$(jnum probe_failures "$line")" != 0 ] && warn="${warn:+$warn; }new clients failed"
  fi
  printf '{"date":"%s","round":%d,"server":"%s","seconds":%d,"result":%s,"note":%s,"command":%s}\n' "$day" "$r" "$srv" \
    $(( $(date +%s) - t0 )) "$( [ -z "$err" ] && echo '"ok"' || echo '"error"')" "$(jstr "${err:-$warn}")" "$(jstr "${CMD[$srv]:-}")" >>"$raw"
  if [ -n "$err" ]; then
    ERRS[$srv]+="round $r: $err. "; log "  -> error: $err"
  else
    for f in $fields; do V[$srv.$f]+="$(jnum "$f" "$line")"$'\n'; done
    [ -n "$warn" ] && WARNS[$srv]+="round $r: $warn. "
    log "  -> p50/p90/p99/max $(jnum probe_p50_ms "$line")/$(jnum probe_p90_ms "$line")/$(jnum probe_p99_ms "$line")/$(jnum probe_max_ms "$line") ms, loaded $(jnum loaded_msgs_per_s "$line") msgs/s${warn:+ ($warn)}"
  fi
}

tpid=""
trap '[ -n "$tpid" ] && kill -TERM "$tpid" 2>/dev/null; sleep 1; log "interrupted"; exit 130' INT TERM
for srv in "${order[@]}"; do preflight "$srv" 1; done
for r in $(seq 1 "$rounds"); do
  for srv in "${order[@]}"; do run_round "$r" "$srv"; done
done

# ---------------------------------------------------------------------------------------------------- report
med() { local m; m=$(printf '%s' "${V[$1.$2]:-}" | median); [ -n "$m" ] && printf "$3" "$m" || echo "–"; }
t_end=$(date +%s)
keel_rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null)$( [ -n "$(git -C "$root" status --porcelain -- . ':!bench' 2>/dev/null)" ] && echo "+dirty")
notes=()
{
  echo "# Fairness: a new client's wait on a busy wss server, $day"
  echo
  [ -n "${KEEL_ECHO:-}" ] && { echo "> **The Keel rows were produced by \`$KEEL_ECHO\`, not by ./keel-echo.**"; echo; }
  echo "| Server | Rounds ok | New client p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | Loaded msgs/s | p99 per round (ms) |"
  echo "|---|--:|--:|--:|--:|--:|--:|---|"
  for srv in "${order[@]}"; do
    ok=$(printf '%s' "${V[$srv.probe_p99_ms]:-}" | grep -c .)
    label=$(display "$srv"); [ "${srv#keel-before}" != "$srv" ] && label="$label (${keel_before_rev:-$before_rev})"
    [ "$srv" = uws-wss ] && label="uWS (ssl)"
    mark=""
    if [ -n "${ERRS[$srv]:-}${WARNS[$srv]:-}" ]; then notes+=("$label: ${ERRS[$srv]:-}${WARNS[$srv]:-}"); mark=" [${#notes[@]}]"; fi
    per=$(printf '%s' "${V[$srv.probe_p99_ms]:-}" | paste -sd/ - | sed 's|/| / |g')
    echo "| $label$mark | $ok / $rounds | $(med "$srv" probe_p50_ms %.1f) | $(med "$srv" probe_p90_ms %.1f) | $(med "$srv" probe_p99_ms %.1f) | $(med "$srv" probe_max_ms %.1f) | $(med "$srv" loaded_msgs_per_s %.0f | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') | ${per:-–} |"
  done
  echo
  echo "Each column is the median over the rounds that worked (the lower middle value for an even count). The new"
  echo "client connects, completes the TLS and WebSocket handshakes, waits for one 32 B echo and closes, every 100 ms"
  echo "for 12 s, while 200 wss connections pipeline 16 x 512 B each; its time to first echo: lower is better."
  echo "Loaded msgs/s is the 200-connection load's throughput over 17 s: higher is better."
  if [ ${#notes[@]} -gt 0 ]; then
    echo; echo "Notes:"; echo
    for i in "${!notes[@]}"; do echo "$((i + 1)). ${notes[$i]}"; done
  fi
  echo
  echo "## Setup"
  echo
  echo "- Date: $(date -u -d "@$t_start" '+%F %T UTC'), took $(( (t_end - t_start) / 60 )) min $(( (t_end - t_start) % 60 )) s; $rounds round(s), servers alternating within each round"
  echo "- Machine: nproc $(nproc), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), kernel $(uname -sr)"
  echo "- Load average at start / end: $load_start / $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- JDK: $("$java" -version 2>&1 | sed -n 2p) ($JAVA_HOME)"
  echo "- Keel: $root at ${keel_rev:-unknown}, --io-threads $io_threads$(selected_before && echo "; Keel-before: $keel_before_rev"); Netty $netty_ver$( [ -n "${SEL[uws-wss]:-}" ] && echo "; uWebSockets $uws_ver"); kit: $kit_src (fingerprint $fingerprint)"
  echo "- Each run: the kit's fairness.sh (server on CPU 0, a full core; both wsloads on CPU 1); one EC P-256 certificate for every server"
  echo "- Command: \`$invocation\`"
  echo "- Raw JSON: \`$name.raw.jsonl\`; logs: \`bench/.work/logs/$name/\`"
  echo
  echo "Server commands (PORT varies):"
  echo
  echo '```'
  for srv in "${order[@]}"; do [ -n "${CMD[$srv]:-}" ] && echo "$(display "$srv"): $(sed -E 's/--port [0-9]+/--port PORT/; s/(uws-echo-ssl'"'"'?) [0-9]+/\1 PORT/' <<<"${CMD[$srv]}")"; done
  echo '```'
} >"$md"
log "wrote $md, $raw"
sed -n '/^| Server/,/^$/p' "$md" >&2
