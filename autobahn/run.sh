#!/usr/bin/env bash
# Run the Autobahn|Testsuite fuzzingclient (cases 1.x-10.x by default) against a running
# WebSocket echo server and grade the result strictly. No Docker, no Python 2: the testsuite
# runs under Jython 2.7.2 on the JVM; both jars come from Maven Central via autobahn/pom.xml.
#
# Usage: autobahn/run.sh HOST PORT [--cases "1.*,2.*"] [--exclude "9.*"] [--out DIR]
#                        [--agent NAME] [--path /ws] [--tls] [--timeout SECS] [--wait SECS]
#                        [--grade-only] [--verbose] [--no-accel]
#
# stdout: zero or more "FAIL <case> behavior=<B> behaviorClose=<BC> remoteCloseCode=<C>" lines,
#         then always, as the last line: "autobahn: N passed, M failed".
# stderr: progress/diagnostics, prefixed "[autobahn]".
# Exit:   0 all selected cases passed; 1 some case failed or did not run; 2 no case ran
#         (server unreachable, timeout before any report, ...); 3 usage/setup error.
# A case passes only when BOTH behavior and behaviorClose are OK or INFORMATIONAL.
# 12.x/13.x (permessage-deflate) are always excluded.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JYTHON_VERSION=2.7.2
PLUGIN_VERSION=0.1.5

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
log() { echo "[autobahn] $*" >&2; }
die() { echo "[autobahn] error: $1" >&2; echo "autobahn: 0 passed, 0 failed"; exit "${2:-3}"; }

CASES="1.*,2.*,3.*,4.*,5.*,6.*,7.*,8.*,9.*,10.*"
EXCLUDE=""
OUT=""
AGENT="keel"
URLPATH=""
TLS=0
TIMEOUT=1200
WAIT=30
GRADE_ONLY=0
VERBOSE=0
ACCEL=()
POS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cases) CASES="$2"; shift 2 ;;
    --exclude) EXCLUDE="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --agent) AGENT="$2"; shift 2 ;;
    --path) URLPATH="$2"; shift 2 ;;
    --tls) TLS=1; shift ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --wait) WAIT="$2"; shift 2 ;;
    --grade-only) GRADE_ONLY=1; shift ;;
    --verbose|-v) VERBOSE=1; shift ;;
    --no-accel) ACCEL=(--no-accel); shift ;;
    -h|--help) usage; exit 0 ;;
    --*) echo "[autobahn] unknown option $1" >&2; usage >&2; exit 3 ;;
    *) POS+=("$1"); shift ;;
  esac
done
[[ ${#POS[@]} -eq 2 ]] || { usage >&2; exit 3; }
HOST="${POS[0]}"; PORT="${POS[1]}"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "PORT must be a number, got '$PORT'"
[[ -z "$URLPATH" || "$URLPATH" == /* ]] || URLPATH="/$URLPATH"
EXCLUDE="${EXCLUDE:+$EXCLUDE,}12.*,13.*"
OUT="${OUT:-$SCRIPT_DIR/target/reports}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
LOG="$OUT/fuzzingclient.log"

# ---- Java: prefer the newest JDK >= 21 (Jython 2.7.2 is verified on 17 and 25) -------------
java_major() { # prints the major version of java binary $1, or nothing
  local v
  v="$("$1" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -1)" || true
  [[ -n "$v" ]] || return 0
  if [[ "$v" == 1.* ]]; then v="${v#1.}"; fi
  echo "${v%%[.+-]*}"
}
pick_java() {
  if [[ -n "${AUTOBAHN_JAVA:-}" ]]; then echo "$AUTOBAHN_JAVA"; return; fi
  local best="" bestv=0 c v
  for c in "${JAVA_HOME:+$JAVA_HOME/bin/java}" /usr/lib/jvm/*/bin/java "$(command -v java || true)"; do
    [[ -n "$c" && -x "$c" ]] || continue
    v="$(java_major "$c")"; [[ "$v" =~ ^[0-9]+$ ]] || continue
    if (( v > bestv )); then best="$c"; bestv=$v; fi
  done
  echo "$best"
}
JAVA="$(pick_java)"
[[ -n "$JAVA" ]] || die "no java found (set AUTOBAHN_JAVA or JAVA_HOME)"
JV="$(java_major "$JAVA")"
(( JV >= 11 )) || die "$JAVA is Java $JV; need 11+ (21+ preferred)"
(( JV >= 21 )) || log "warning: using Java $JV ($JAVA); no JDK >= 21 found"
JAVA_HOME_PICKED="$(cd "$(dirname "$JAVA")/.." && pwd)"

# ---- jars (fetched once via Maven) -----------------------------------------------------------
LIB="${AUTOBAHN_LIB_DIR:-$SCRIPT_DIR/target/lib}"
JY="$LIB/jython-standalone-$JYTHON_VERSION.jar"
AB="$LIB/autobahntestsuite-maven-plugin-$PLUGIN_VERSION.jar"
if [[ ! -s "$JY" || ! -s "$AB" ]]; then
  command -v mvn >/dev/null || die "mvn not found: needed once to fetch the Autobahn/Jython jars"
  log "fetching jython-standalone $JYTHON_VERSION + autobahntestsuite $PLUGIN_VERSION into $LIB"
  mkdir -p "$LIB"
  if ! JAVA_HOME="$JAVA_HOME_PICKED" timeout 600 mvn -q -B -Dstyle.color=never -f "$SCRIPT_DIR/pom.xml" generate-resources \
        -Dautobahn.lib="$LIB" ${AUTOBAHN_MVN_ARGS:-} > "$LIB/maven-fetch.log" 2>&1; then
    tail -n 30 "$LIB/maven-fetch.log" >&2
    die "maven fetch failed (log: $LIB/maven-fetch.log)"
  fi
fi

JVM_OPTS=(-Xss2m -Dpython.cachedir.skip=true -Dpython.console.encoding=UTF-8 -Dfile.encoding=UTF-8)
(( JV >= 22 )) && JVM_OPTS+=(--enable-native-access=ALL-UNNAMED)
(( JV >= 24 )) && JVM_OPTS+=(--sun-misc-unsafe-memory-access=allow)
JYTHON=("$JAVA" "${JVM_OPTS[@]}" -cp "$JY:$AB" org.python.util.jython "$SCRIPT_DIR/fuzz.py"
        --pylib "$LIB/pylib-$PLUGIN_VERSION" --jar "$AB")

if (( GRADE_ONLY )); then
  exec "${JYTHON[@]}" --grade-only --out "$OUT" --agent "$AGENT" --cases "$CASES" --exclude "$EXCLUDE" 2>>"$LOG"
fi

# ---- wait for the server -----------------------------------------------------------------------
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
port_listening() { # is a local TCP port in LISTEN state (no connection made)
  local hex; hex=$(printf '%04X' "$1")
  grep -qE "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:0000 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
deadline=$(( SECONDS + WAIT ))
until port_open "$HOST" "$PORT"; do
  (( SECONDS < deadline )) || die "nothing listening on $HOST:$PORT after ${WAIT}s" 2
  sleep 0.5
done

# ---- optional TLS bridge: ws://127.0.0.1:LOCAL -> (socat) -> wss://HOST:PORT ---------------------
# The fuzzingclient cannot speak wss:// under Jython (twisted.internet.ssl needs pyOpenSSL).
BRIDGE_PID=""
cleanup() {
  if [[ -n "$BRIDGE_PID" ]]; then
    # socat's forked per-connection children first (by parent pid), then the listener itself
    pkill -P "$BRIDGE_PID" 2>/dev/null || true
    kill "$BRIDGE_PID" 2>/dev/null || true
    wait "$BRIDGE_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
TARGET_HOST="$HOST"; TARGET_PORT="$PORT"
if (( TLS )); then
  if ! command -v socat >/dev/null; then
    log "socat missing: installing it with apt-get"
    { [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; } || die "--tls needs socat (apt-get install socat)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq socat) >&2 || die "apt-get install socat failed"
  fi
  for _ in $(seq 1 50); do
    LP=$(( 20000 + RANDOM % 30000 ))
    port_listening "$LP" || break
  done
  # -t: half-close grace, -T: idle timeout per connection; verify=0 accepts self-signed certs.
  # Readiness is checked in /proc/net (a probe connection would itself be bridged).
  socat -t 2 -T 120 "TCP-LISTEN:$LP,bind=127.0.0.1,reuseaddr,fork" \
        "OPENSSL:$HOST:$PORT,verify=0,connect-timeout=10" 2>>"$OUT/socat.log" &
  BRIDGE_PID=$!
  deadline=$(( SECONDS + 10 ))
  until port_listening "$LP"; do
    kill -0 "$BRIDGE_PID" 2>/dev/null || die "socat TLS bridge failed to start (see $OUT/socat.log)"
    (( SECONDS < deadline )) || die "socat TLS bridge not listening on 127.0.0.1:$LP"
    sleep 0.2
  done
  log "TLS bridge: ws://127.0.0.1:$LP -> wss://$HOST:$PORT (socat pid $BRIDGE_PID)"
  TARGET_HOST=127.0.0.1; TARGET_PORT=$LP
fi
URL="ws://$TARGET_HOST:$TARGET_PORT$URLPATH"

# ---- run + grade ---------------------------------------------------------------------------------
# remove stale reports of this agent so an aborted run can never be graded as a pass
rm -f "$OUT/index.json" "$OUT/index.html" "$OUT/grade.txt" "$OUT/$AGENT"_case_* 2>/dev/null || true
: > "$LOG"
log "java $JV: $JAVA"
VIA=""; (( TLS )) && VIA=" (bridged to wss://$HOST:$PORT)"
log "running cases [$CASES] minus [$EXCLUDE] against $URL$VIA as agent '$AGENT'; timeout ${TIMEOUT}s"
log "log: $LOG  reports: $OUT/index.html"
if (( VERBOSE )); then
  # tail exits by itself with this script (--pid); grep then sees EOF
  tail --pid=$$ -n +1 -F "$LOG" 2>/dev/null | grep --line-buffered 'Running test case\|Error\|Traceback\|failed' >&2 &
fi
start=$SECONDS
set +e
timeout --kill-after=10 "$TIMEOUT" "${JYTHON[@]}" --url "$URL" --agent "$AGENT" --out "$OUT" \
  --cases "$CASES" --exclude "$EXCLUDE" --log "$LOG" ${ACCEL[@]+"${ACCEL[@]}"} 2>>"$LOG"
rc=$?
set -e
log "fuzzingclient + grading took $(( SECONDS - start ))s (exit $rc)"
if (( rc == 124 || rc == 137 )); then
  if (( rc == 124 )); then log "timed out after ${TIMEOUT}s"; else log "the fuzzingclient was killed (SIGKILL)"; fi
  log "the fuzzingclient writes its reports only at the end; grading what exists"
  set +e
  "${JYTHON[@]}" --grade-only --out "$OUT" --agent "$AGENT" --cases "$CASES" --exclude "$EXCLUDE" 2>>"$LOG"
  rc=$?
  set -e
  (( rc == 0 )) && rc=1
fi
exit "$rc"
