"""Independent interop client: Python's `websockets` against a Keel ws echo server.

Usage: python3 ws_echo_client.py ws://127.0.0.1:PORT/
Connects, sends text and binary messages (small, 100 KiB, fragmented), checks every echo, answers a ping,
closes normally, prints OK and exits 0; any mismatch raises (exit 1). The library offers permessage-deflate
(RFC 7692, with context takeover) by default: the answered extension is printed on the OK line after "ext=".
"""
import asyncio
import os
import sys

import websockets


async def expect_echo(ws, message):
    await ws.send(message)
    echo = await asyncio.wait_for(ws.recv(), 10)
    assert type(echo) is type(message), f"sent {type(message).__name__}, got {type(echo).__name__}"
    assert echo == message, f"echo differs for a {len(message)}-long {type(message).__name__}"


async def main(uri):
    async with websockets.connect(uri, max_size=4 * 1024 * 1024, open_timeout=10, close_timeout=10) as ws:
        for text in ["hello", "ünïcödé € ✓ 中文", "x" * (100 * 1024)]:
            await expect_echo(ws, text)
        for data in [b"\x00\x01\xfe\xff", os.urandom(100 * 1024)]:
            await expect_echo(ws, data)
        # a fragmented message (one frame per element) comes back whole
        await ws.send(["frag", "men", "ted"])
        assert await asyncio.wait_for(ws.recv(), 10) == "fragmented"
        await ws.send([b"\x01\x02", b"\x03"])
        assert await asyncio.wait_for(ws.recv(), 10) == b"\x01\x02\x03"
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 10)
    assert ws.close_code == 1000, f"close code {ws.close_code}"
    ext = ws.response_headers.get("Sec-WebSocket-Extensions", "")
    print("OK websockets", websockets.__version__, "ext=" + ext)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
