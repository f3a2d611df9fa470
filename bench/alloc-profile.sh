#!/usr/bin/env bash
# What the running echo server allocates per message under load, from a JFR recording.
#
#   bench/alloc-profile.sh [--mode ws|wss] [--tls-provider jdk|openssl] [--payload BYTES] [--seconds S]
#
# Starts ./keel-echo (one I/O thread), drives it with the kit's wsload (100 connections, depth 1), records S
# seconds (default 20) of JFR with the "profile" settings in the middle of the load, and prints the bytes the
# I/O thread allocated in that window, bytes per echoed message, the GC count, and the sampled allocation sites
# by the Keel frame that called into the allocating code. Needs wsload built by bench/compare-all.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=ws provider=jdk payload=32 seconds=20
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) mode=$2; shift 2 ;;
    --tls-provider) provider=$2; shift 2 ;;
    --payload) payload=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "alloc-profile: unknown option $1" >&2; exit 2 ;;
  esac
done
. "$root/bench/lib/start-keel.sh"
start_keel "$mode" "$provider"
"$wsload" --host 127.0.0.1 --port "$port" "${tls[@]}" --connections 100 --payload "$payload" --depth 1 \
  --duration $((seconds + 10)) --warmup 2 >"$tmp/load.out" &
load=$!
sleep 5
jcmd "$pid" JFR.start name=alloc settings=profile duration="${seconds}s" filename="$tmp/rec.jfr" >/dev/null
wait "$load"; sleep 2
msgs_per_s=$(tail -1 "$tmp/load.out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["msgs_per_s"])')
jfr print --json --events jdk.ThreadAllocationStatistics "$tmp/rec.jfr" >"$tmp/threads.json"
jfr print --json --events jdk.ObjectAllocationSample --stack-depth 64 "$tmp/rec.jfr" >"$tmp/samples.json"
gcs=$(jfr summary "$tmp/rec.jfr" | awk '$1 == "jdk.GarbageCollection" {print $2}')
label="--mode $mode"; [ "$mode" = wss ] && label+=" --tls-provider $provider"
echo "keel-echo $label, ${payload} B, 100 connections: $msgs_per_s msgs/s; ${gcs:-0} GCs in the ${seconds} s window"
python3 - "$tmp/threads.json" "$tmp/samples.json" "$msgs_per_s" "$seconds" <<'PY'
import collections, json, sys
threads, samples, rate, secs = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
by = collections.defaultdict(list)
for e in json.load(open(threads))['recording']['events']:
    t = e['values']['thread'] or {}
    by[t.get('javaName') or t.get('osName')].append((e['values']['startTime'], e['values']['allocated']))
for name, points in sorted(by.items(), key=lambda kv: str(kv[0])):
    points.sort()
    delta = points[-1][1] - points[0][1]
    if name and name.startswith('keel-io'):
        print(f"  {name}: {delta:,} B allocated in the window = {delta / max(1, rate * secs):.1f} B per echoed message")
sites, total = collections.Counter(), 0
for e in json.load(open(samples))['recording']['events']:
    v = e['values']; total += v['weight']
    frames = (v.get('stackTrace') or {}).get('frames') or []
    names = [f['method']['type']['name'].replace('/', '.') for f in frames]
    i = next((k for k, n in enumerate(names) if n.startswith('io.keel')), None)
    if i is None:
        sites['(no Keel frame)'] += v['weight']; continue
    callee = 'itself' if i == 0 else names[i - 1].split('.')[-1] + '.' + frames[i - 1]['method']['name']
    sites[f"{names[i].split('.')[-1]}.{frames[i]['method']['name']} -> {callee}"] += v['weight']
for site, w in sites.most_common(8):
    print(f"  {100 * w / total:5.1f}% of sampled allocation: {site}")
if not total:
    print("  no allocation samples in the window")
PY
