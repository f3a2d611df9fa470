# Sourced by the bench scripts that look inside one Keel server: finds the JDK and the kit's wsload, then
# start_keel MODE PROVIDER starts ./keel-echo (one I/O thread, a free loopback port) and waits until it listens.
# Sets: wsload, tmp (removed on exit), pid (killed on exit), port, tls (wsload's --tls when MODE is wss).
JAVA_HOME=$("$root/bin/find-jdk"); export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
wsload=$root/bench/.work/kit/wsload/wsload
[ -x "$wsload" ] || { echo "$(basename "$0"): no $wsload (run bench/compare-all.sh once, or make -C bench/.work/kit/wsload)" >&2; exit 1; }
tmp=$(mktemp -d); pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

start_keel() { # MODE PROVIDER
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local args=(--mode "$1" --bind 127.0.0.1 --port "$port" --io-threads 1); tls=()
  [ "$1" = wss ] && { args+=(--tls-provider "$2"); tls=(--tls); }
  "$root/keel-echo" "${args[@]}" >"$tmp/server.log" 2>&1 & pid=$!
  for _ in $(seq 300); do grep -q listening "$tmp/server.log" && break; sleep 0.2; done
  grep -q listening "$tmp/server.log" || { cat "$tmp/server.log" >&2; exit 1; }
}
