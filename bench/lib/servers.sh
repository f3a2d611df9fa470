# Sourced by compare-all.sh and fairness-all.sh: the servers they compare, how to build and start them.
# The caller sets root, bench, work, base_port, io_threads and defines log(); it calls select_servers, then
# setup_kit and setup_keel (and build_keel_before from keel-before.sh when a Keel-before server is selected).
#
# Server names (what --servers accepts, by name or by family):
#   keel          keel-ws keel-openssl keel-jdk                      ./keel-echo (or $KEEL_ECHO)
#   keel-before   keel-before-ws keel-before-openssl keel-before-jdk the echo jar of --before REV
#   netty         netty-best netty-default                           the kit's Netty peer
#   uws           uws-ws uws-wss                                     the kit's uWebSockets servers
# Upper case works too (Keel-openssl, uWS, Netty-best).
all_servers="keel-ws keel-openssl keel-jdk keel-before-ws keel-before-openssl keel-before-jdk netty-best netty-default uws-ws uws-wss"
declare -A SEL=() PRE_ERR=()

select_servers() { # LIST (comma/space separated names or families); fills SEL, returns 1 on an unknown name
  local t n ok=0 list
  list=$(tr 'A-Z' 'a-z' <<<"$1")
  SEL=()
  for t in ${list//,/ }; do
    case "$t" in
      keel) t="keel-ws keel-openssl keel-jdk" ;;
      keel-before|before) t="keel-before-ws keel-before-openssl keel-before-jdk" ;;
      netty) t="netty-best netty-default" ;;
      uws) t="uws-ws uws-wss" ;;
    esac
    for n in $t; do
      case " $all_servers " in *" $n "*) SEL[$n]=1; ok=1 ;; *) log "unknown server '$n' (known: keel keel-before netty uws, or one of: $all_servers)"; return 1 ;; esac
    done
  done
  [ $ok = 1 ] || { log "no server selected"; return 1; }
}
selected_before() { local n; for n in keel-before-ws keel-before-openssl keel-before-jdk; do [ -n "${SEL[$n]:-}" ] && return 0; done; return 1; }
selected_uws() { [ -n "${SEL[uws-ws]:-}" ] || [ -n "${SEL[uws-wss]:-}" ]; }

display() {
  case "$1" in keel-ws) echo "Keel" ;; keel-openssl) echo "Keel-openssl" ;; keel-jdk) echo "Keel-jdk" ;;
    keel-before-ws) echo "Keel-before" ;; keel-before-openssl) echo "Keel-before-openssl" ;; keel-before-jdk) echo "Keel-before-jdk" ;;
    netty-best) echo "Netty-best" ;; netty-default) echo "Netty-default" ;; uws-ws|uws-wss) echo "uWS" ;; *) echo "$1" ;; esac
}

# apt-get install PACKAGES when running as root (quietly; apt-get update first if the plain install fails)
apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; }
}

# The kit directory is read-only and compare.sh builds wsload next to itself: work on a copy, refreshed whenever
# the kit's sources change. Builds wsload, the Netty peer and (when a uWS server is selected) the uWS servers in
# the copy, and one EC P-256 certificate + PKCS#8 key for every TLS server. Exits on what every run needs.
setup_kit() {
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
      apt_install gcc make libssl-dev
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
  netty_ver=$(sed -n 's/.*<netty.version>\(.*\)<\/netty.version>.*/\1/p' "$kit/peers/netty-echo/pom.xml")

  # uWebSockets: a failed build only turns the uWS cells into errors
  uws_bin=$kit/peers/uws/bin/uws-echo uws_ssl_bin=$kit/peers/uws/bin/uws-echo-ssl uws_error=""
  uws_ver=$(ls "$kit/peers/uws/" | sed -n 's/^uwebsockets-\(.*\)\.tar\.gz$/\1/p')
  if selected_uws && { [ ! -x "$uws_bin" ] || [ ! -x "$uws_ssl_bin" ]; }; then
    log "building the uWebSockets peer (peers/uws/build.sh, about a minute)"
    if ! "$kit/peers/uws/build.sh" >"$work/uws-build.log" 2>&1; then
      apt_install g++ make libssl-dev zlib1g-dev
      "$kit/peers/uws/build.sh" >>"$work/uws-build.log" 2>&1 ||
        uws_error="cannot build the uWebSockets peer (needs g++, make, libssl-dev, zlib1g-dev; see bench/.work/uws-build.log)"
    fi
    [ -n "$uws_error" ] && { log "$uws_error (uWS cells will show error)"; PRE_ERR[uws-ws]=$uws_error; PRE_ERR[uws-wss]=$uws_error; }
  fi

  # One EC P-256 certificate (PEM) and PKCS#8 key for every server, so their handshakes cost the same.
  tlsdir=$work/tls cert=$work/tls/cert.pem key=$work/tls/key.pem
  if [ ! -s "$cert" ] || [ ! -s "$key" ]; then
    mkdir -p "$tlsdir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj /CN=localhost \
      -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$key.tmp" -out "$cert" >/dev/null 2>&1 &&
      openssl pkcs8 -topk8 -nocrypt -in "$key.tmp" -out "$key" && rm -f "$key.tmp" ||
      { log "cannot generate the certificate with openssl"; exit 1; }
  fi
}

# ./keel-echo builds on first use; do it now so that a server start is not spent in Maven. Sets keel_echo and
# keel_build_error. Keel is built from the working tree of $root: uncommitted edits there are measured too.
setup_keel() {
  keel_echo=${KEEL_ECHO:-$root/keel-echo}
  case "$keel_echo" in /*) ;; *) keel_echo=$(cd "$root" && cd "$(dirname "$keel_echo")" && pwd)/$(basename "$keel_echo") ;; esac
  keel_build_error=""
  [ -n "${SEL[keel-ws]:-}${SEL[keel-openssl]:-}${SEL[keel-jdk]:-}" ] || return 0
  if [ -z "${KEEL_ECHO:-}" ]; then
    log "building Keel if needed (./keel-echo --help)"
    timeout 1200 "$keel_echo" --help >"$work/keel-build.log" 2>&1 || keel_build_error="keel-echo --help failed: $(tail -n 1 "$work/keel-build.log")"
    [ -n "$keel_build_error" ] && log "$keel_build_error (Keel cells will show error)"
  fi
}

# Why SERVER cannot run at all (build failure, failed preflight), or nothing
server_error() {
  case "$1" in
    keel-before-*) [ -n "${keel_before_error:-}" ] && { echo "Keel-before: $keel_before_error"; return; } ;;
    keel-*) [ -n "${keel_build_error:-}" ] && { echo "$keel_build_error"; return; } ;;
  esac
  echo "${PRE_ERR[$1]:-}"
}

q() { printf '%q' "$1"; }
server_cmd() { # name tls metric port
  local n=$1 tls=$2 metric=$3 port=$4 kopts=${KEEL_JAVA_OPTS:--XX:+UseParallelGC} nopts=${NETTY_JAVA_OPTS:--XX:+UseParallelGC} c
  [ "$metric" = idle ] && kopts=$idle_opts nopts=$idle_opts
  case "$n" in
    keel-before-*)  # what ./keel-echo does at that revision: java $KEEL_JAVA_OPTS -jar keel-echo.jar ARGS
      c="$(q "$java") $kopts -jar $(q "$keel_before_jar") --bind 127.0.0.1 --port $port --io-threads $io_threads"
      case "$n" in
        keel-before-ws) c+=" --mode ws" ;;
        *) c+=" --mode wss --tls-provider ${n#keel-before-} --cert $(q "$cert") --key $(q "$key")" ;;
      esac
      [ -n "${KEEL_BEFORE_ARGS:-}" ] && c+=" $KEEL_BEFORE_ARGS" ;;
    keel-*)
      c="env KEEL_JAVA_OPTS=$(q "$kopts") $(q "$keel_echo") --bind 127.0.0.1 --port $port --io-threads $io_threads"
      case "$n" in
        keel-ws) c+=" --mode ws" ;;
        *) c+=" --mode wss --tls-provider ${n#keel-} --cert $(q "$cert") --key $(q "$key")" ;;
      esac
      [ -n "${zmode:-}" ] && c+=" --compression $zmode" ;;
    netty-*)
      c="$(q "$java") $nopts -jar $(q "$netty_jar") --port $port"
      [ "$tls" = 1 ] && c+=" --tls --cert $(q "$cert") --key $(q "$key")"
      case "$n" in
        netty-best) c+=" --transport epoll --ssl-provider openssl" ;;
        netty-default) c+=" --transport nio --ssl-provider jdk" ;;
      esac ;;
    uws-ws) c="$(q "$uws_bin") $port 127.0.0.1" ;;
    uws-wss) c="$(q "$uws_ssl_bin") $port $(q "$cert") $(q "$key") 127.0.0.1" ;;
  esac
  case "$n" in uws-*) [ -n "${zmode:-}" ] && c="env UWS_COMPRESSION=$zmode $c" ;; esac
  echo "$c"
}

listening() { [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]; }
free_port() {
  local p
  for p in $(seq "$base_port" $((base_port + 99))); do listening "$p" || { echo "$p"; return 0; }; done
  return 1
}
# The kit's scripts stop their server on exit; if a timeout or crash left it listening, stop it (the port was
# free before we started it, so the listener is ours).
reap_port() {
  local p=$1 i pids
  for i in $(seq 1 20); do listening "$p" || return 0; sleep 0.25; done
  pids=$(ss -Htlnp "sport = :$p" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
  [ -n "$pids" ] || return 0
  log "server still listening on $p after the kit's script exited; stopping pid(s) $pids"
  for i in $pids; do kill -TERM "$i" 2>/dev/null; done; sleep 2
  for i in $pids; do kill -KILL "$i" 2>/dev/null; done
}

# The kit's scripts wait two minutes for a server that never listens, even one that exited at once: start each
# server once up front and keep those that fail out of the runs (their cells show error with the reason).
preflight() { # server tls
  local srv=$1 port cmd pid i pl=$logdir/preflight.$1.log
  [ -n "$(server_error "$srv")" ] && return
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
