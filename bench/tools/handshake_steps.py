#!/usr/bin/env python3
"""Where a new client's time to first echo goes, from a packet capture (tcpdump -w) of its connections.

    handshake_steps.py CAPTURE SERVER_PORT

Each connection that starts with a SYN in the capture is cut into flights: runs of data segments in one direction.
A server step is the time from the end of the client's flight to the start of the server's answer (the server's
wait: accept, loop, handshake work); a client step is the time from the end of the server's flight to the start of
the client's next one (the client's wait). For a TLS 1.3 WebSocket probe the steps are: 1 ClientHello -> the
server's first flight, 2 the client's Finished and upgrade request -> the 101 (and tickets), 3 the message -> its
echo. The connection that lives through the whole capture (the probe's own steady echo) is left out.

Prints one line per step, p50 / p90 / max in milliseconds, then the SYN-to-last-data time. Reads the capture with
tcpdump -r, so tcpdump must be installed.
"""
import re
import subprocess
import sys

LINE = re.compile(r'^(\d+\.\d+) IP (\S+)\.(\d+) > (\S+)\.(\d+): Flags \[([^\]]*)\].*length (\d+)')


def connections(capture, port):
    text = subprocess.run(["tcpdump", "-r", capture, "-nn", "-tt", "--time-stamp-precision=nano"],
                          capture_output=True, text=True, check=True).stdout
    conns = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        t, _, sport, _, dport, flags, length = m.groups()
        if dport == port:
            key, side = sport, "C"
        elif sport == port:
            key, side = dport, "S"
        else:
            continue
        conns.setdefault(key, []).append((float(t), side, flags, int(length)))
    return conns


def steps(packets):
    """(server steps, client steps, SYN to last data) of one connection, or None without a SYN in the capture."""
    syn = [p for p in packets if "S" in p[2] and p[1] == "C"]
    synack = [p for p in packets if "S" in p[2] and p[1] == "S"]
    if not syn or not synack:
        return None
    flights = []
    for t, side, _, length in packets:
        if length == 0:
            continue
        if flights and flights[-1][0] == side:
            flights[-1][2] = t
        else:
            flights.append([side, t, t])
    server, client = [], []
    previous_end = synack[0][0]
    for side, start, end in flights:
        (client if side == "C" else server).append(start - previous_end)
        previous_end = end
    return server, client, (flights[-1][2] - syn[0][0]) if flights else 0.0


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = [s for s in (steps(p) for p in connections(sys.argv[1], sys.argv[2]).values()) if s]
    long_lived = max(rows, key=lambda r: len(r[0]), default=None)
    rows = [r for r in rows if r is not long_lived and len(r[0]) <= 4]
    print(f"{len(rows)} new connections")

    def show(name, values):
        if values:
            ms = [v * 1000 for v in values]
            print(f"{name}: p50 {percentile(ms, 0.5):.2f} p90 {percentile(ms, 0.9):.2f} max {max(ms):.2f} ms")
    for i in range(3):
        show(f"client step {i + 1}", [r[1][i] for r in rows if len(r[1]) > i])
        show(f"server step {i + 1}", [r[0][i] for r in rows if len(r[0]) > i])
    show("SYN to last data", [r[2] for r in rows])


if __name__ == "__main__":
    main()
