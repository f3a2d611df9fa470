#!/usr/bin/env bash
# Stand-in for ./keel-echo that runs the Netty peer instead, for validating compare-all.sh before Keel's ws/wss
# modes exist:  KEEL_ECHO=bench/netty-as-keel.sh bench/compare-all.sh ...
# Accepts the keel-echo options compare-all.sh passes (--mode ws|wss, --bind, --port, --io-threads,
# --tls-provider jdk|openssl, --cert, --key) and honours KEEL_JAVA_OPTS like the real launcher.
# NETTY_AS_KEEL_TRANSPORT=epoll|nio (default epoll) picks the Netty transport.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jar=${NETTY_ECHO_JAR:-$here/.work/kit/peers/netty-echo/target/netty-echo.jar}
java=java
[ -n "${JAVA_HOME:-}" ] && java=$JAVA_HOME/bin/java
args=(--transport "${NETTY_AS_KEEL_TRANSPORT:-epoll}")
mode=wss provider=jdk
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) mode=$2; shift 2 ;;
    --bind) shift 2 ;;                      # the Netty peer always binds 127.0.0.1
    --port) args+=(--port "$2"); shift 2 ;;
    --io-threads) args+=(--threads "$2"); shift 2 ;;
    --tls-provider) provider=$2; shift 2 ;;
    --cert|--key) args+=("$1" "$2"); shift 2 ;;
    *) echo "netty-as-keel: unsupported option $1" >&2; exit 2 ;;
  esac
done
[ "$mode" = wss ] && args+=(--tls --ssl-provider "$provider")
# shellcheck disable=SC2086
exec "$java" ${KEEL_JAVA_OPTS:--XX:+UseParallelGC} -jar "$jar" "${args[@]}"
