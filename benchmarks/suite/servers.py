"""Local servers, each in its own process (so the server does not share our event loop
or GIL): "fast" answers every request at once with a chat completion (keep-alive);
"stream" sends the response head and one SSE chunk, then waits for the client to go.
``run.py --serve MODE`` runs one; ``LocalServer`` starts it and reads its port."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from .fixtures import CHUNK, COMPLETION, RUN

# The stream server stamps the moment it sends the chunk in place of this id.
_CHUNK_ID = b'"chatcmpl-1"'
assert _CHUNK_ID in CHUNK

# time.perf_counter reads one system-wide clock on every platform Python 3.10+ runs on
# (CLOCK_MONOTONIC on Linux, mach_absolute_time on macOS, QueryPerformanceCounter on
# Windows), so a time taken in the server's process can be subtracted from one taken in
# ours. (time.monotonic would do on Linux and macOS, but before Python 3.13 it ticks
# every 15.6 ms on Windows.)
_CLOCK = time.perf_counter_ns


async def _serve(mode: str) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                if mode == "fast":
                    writer.write(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                        b"x-amzn-requestid: 00000000-0000-0000-0000-000000000000\r\n"
                        b"content-length: "
                        + str(len(COMPLETION)).encode()
                        + b"\r\n\r\n"
                        + COMPLETION
                    )
                    continue
                # The chunk carries the moment it is sent, on a clock that every
                # process on the machine shares (see _CLOCK).
                chunk = CHUNK.replace(_CHUNK_ID, b'"chatcmpl-%d"' % _CLOCK())
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\n\r\n"
                    + f"{len(chunk):x}\r\n".encode()
                    + chunk
                    + b"\r\n"
                )
                await writer.drain()
                await reader.read()  # until the client closes the connection
                break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


class LocalServer:
    def __init__(self, mode: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(RUN), "--serve", mode], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}/openai/v1"

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
