#!/usr/bin/env bash
# Live heap per idle connection, class by class: what each open connection costs the server's heap.
#
#   bench/heap-per-connection.sh [--mode ws|wss] [--tls-provider jdk|openssl] [--connections N]
#
# Starts ./keel-echo (one I/O thread), takes a live-object class histogram (jmap -histo:live, which runs a full
# GC first), opens N idle connections (default 10,000) with the kit's wsload, takes a second histogram while
# they are held, and prints the difference per connection: total bytes, then the largest classes. Needs wsload
# built by bench/compare-all.sh. compare.sh --idle measures the same total from outside (RSS + heap growth).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=ws provider=jdk conns=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) mode=$2; shift 2 ;;
    --tls-provider) provider=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    *) echo "heap-per-connection: unknown option $1" >&2; exit 2 ;;
  esac
done
. "$root/bench/lib/start-keel.sh"
start_keel "$mode" "$provider"
jmap -histo:live "$pid" >"$tmp/before.txt"
"$wsload" --host 127.0.0.1 --port "$port" "${tls[@]}" --idle "$conns" --hold 600 --sources 4 >"$tmp/load.out" 2>&1 &
load=$!
# held once the server counts every WebSocket open (its /metrics on the same port), at most 5 minutes
for _ in $(seq 600); do
  open=$(curl -sk "$( [ "$mode" = wss ] && echo https || echo http )://127.0.0.1:$port/metrics" |
    awk '/^keel_websockets_open /{print $2}')
  [ "${open%.*}" -ge "$conns" ] 2>/dev/null && break; sleep 0.5
done
jmap -histo:live "$pid" >"$tmp/during.txt"
kill "$load" 2>/dev/null || true
echo "keel-echo --mode $mode$([ "$mode" = wss ] && echo " --tls-provider $provider"): ${open:-?} WebSockets open"
python3 - "$tmp/before.txt" "$tmp/during.txt" "$conns" <<'PY'
import sys
def histogram(path):
    h = {}
    for line in open(path):
        f = line.split()
        if len(f) >= 4 and f[0].endswith(':'):
            h[f[3]] = (int(f[1]), int(f[2]))
    return h
before, during, n = histogram(sys.argv[1]), histogram(sys.argv[2]), int(sys.argv[3])
rows = sorted(((b - before.get(k, (0, 0))[1], c - before.get(k, (0, 0))[0], k) for k, (c, b) in during.items()), reverse=True)
print(f"live heap per connection: {sum(r[0] for r in rows) / n:.0f} B")
for size, count, name in rows[:20]:
    print(f"  {size / n:7.1f} B  {count / n:5.2f} objects  {name}")
PY
