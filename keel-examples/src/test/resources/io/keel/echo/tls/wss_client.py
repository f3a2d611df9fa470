"""Python websockets client for the wss interop test: python3 wss_client.py URI CA_FILE.

Connects with the server certificate as the only trusted CA (host name checked), sends text, multi-byte text,
binary and a 1 MiB message, checks every echo, closes with 1000, and prints one line per step; exit 0 = all good.
"""
import asyncio
import os
import ssl
import sys

import websockets


async def main(uri, ca):
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca)
    async with websockets.connect(uri, ssl=ctx, max_size=None, open_timeout=20, close_timeout=20) as ws:
        tls = ws.transport.get_extra_info("ssl_object")
        print("connected", tls.version(), tls.cipher()[0], flush=True)
        big = os.urandom(1 << 20)
        for i, msg in enumerate(["hello from python", "héllo wörld ✓ 𝄞", bytes(range(256)), big, "z" * (1 << 20)]):
            await ws.send(msg)
            echo = await asyncio.wait_for(ws.recv(), 20)
            if echo != msg:
                print("message", i, "came back different:", type(echo).__name__, len(echo), flush=True)
                return 1
            print("echo", i, type(echo).__name__, len(echo), flush=True)
        await ws.close(1000, "done")
        print("closed", ws.close_code, flush=True)
        return 0 if ws.close_code == 1000 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
