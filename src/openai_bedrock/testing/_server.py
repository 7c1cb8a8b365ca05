"""The emulator's HTTP/1.1 server: stdlib ``socketserver`` in a background thread.

Hand-written on the standard library so the testing kit adds no dependency. One thread
per connection, keep-alive, each response written with a single ``sendall`` (Nagle's
algorithm off), SSE frames sent as HTTP chunks one ``sendall`` each so a client sees
every frame when it is written.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, Protocol

from ._exchange import Reply


class Handler(Protocol):
    """What the server serves: ``BedrockEmulator.handle`` (a protocol, so this module
    does not import the emulator that imports it)."""

    def handle(
        self, method: str, target: str, headers: Sequence[tuple[str, str]], body: bytes
    ) -> Reply: ...


_MAX_LINE = 65536
_MAX_HEADERS = 200
_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


def _head(reply: Reply, extra: list[tuple[str, str]]) -> bytes:
    try:
        phrase = HTTPStatus(reply.status).phrase
    except ValueError:
        phrase = ""
    lines = [f"HTTP/1.1 {reply.status} {phrase}"]
    lines += [f"{name}: {value}" for name, value in [*reply.headers, *extra]]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _Handler(socketserver.StreamRequestHandler):
    """Serves one connection: requests in a loop until the client closes or says so.

    Hand-written rather than ``http.server.BaseHTTPRequestHandler``, whose header
    parsing (``email.parser``) costs more than everything else the emulator does per
    request, and which writes its own ``Date`` and ``Server`` headers.
    """

    disable_nagle_algorithm = True
    timeout = 120  # seconds an idle keep-alive connection is kept
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        with contextlib.suppress(*_GONE, OSError):
            super().finish()

    def handle(self) -> None:
        with contextlib.suppress(*_GONE, OSError):
            while self._handle_one():
                pass

    def _handle_one(self) -> bool:
        """Serve one request; return whether to keep the connection open."""
        line = self.rfile.readline(_MAX_LINE + 1)
        if not line:
            return False
        parts = line.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or len(line) > _MAX_LINE:
            self._write_bare(400, "Bad Request")
            return False
        method, target, version = parts
        headers: list[tuple[str, str]] = []
        while True:
            raw = self.rfile.readline(_MAX_LINE + 1)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, colon, value = raw.decode("latin-1").partition(":")
            if not colon or len(headers) >= _MAX_HEADERS or len(raw) > _MAX_LINE:
                self._write_bare(400, "Bad Request")
                return False
            headers.append((name.strip(), value.strip()))
        lowered = {name.lower(): value for name, value in headers}
        tokens = {t.strip().lower() for t in lowered.get("connection", "").split(",")}
        keep_alive = "keep-alive" in tokens if version == "HTTP/1.0" else "close" not in tokens
        if lowered.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = self._read_body(lowered)
        reply = self.server.emulator.handle(method, target, headers, body)
        if reply.drop:
            self.connection.shutdown(socket.SHUT_RDWR)
            return False
        connection = [] if keep_alive else [("Connection", "close")]
        if reply.frames is None:
            if reply.delay:
                time.sleep(reply.delay)
            length = [("Content-Length", str(len(reply.body)))]
            self.wfile.write(_head(reply, length + connection) + reply.body)
            return keep_alive
        self.wfile.write(_head(reply, [("Transfer-Encoding", "chunked"), *connection]))
        for frame in reply.frames:
            if reply.delay:
                time.sleep(reply.delay)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
        self.wfile.write(b"0\r\n\r\n")
        return keep_alive

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline(_MAX_LINE).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(_MAX_LINE)
        return self.rfile.read(int(headers.get("content-length") or 0))

    def _write_bare(self, status: int, phrase: str) -> None:
        self.wfile.write(
            f"HTTP/1.1 {status} {phrase}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = False  # an ephemeral port; never share one
    # socketserver's default listen backlog is 5: a client opening many connections at
    # once (an async client with 100+ requests in flight) would see the surplus reset.
    request_queue_size = 2048

    def __init__(self, emulator: Handler) -> None:
        self.emulator = emulator
        self.connections: set[socket.socket] = set()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client going away mid-request is normal in fault tests


class EmulatorServer:
    """Runs ``_Server`` in a daemon thread until ``stop()``."""

    def __init__(self, emulator: Handler) -> None:
        self._server = _Server(emulator)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # How long stop() may wait for the loop to notice; test suites start and stop
            # hundreds of emulators, and an idle wake-up every 10 ms costs nothing.
            kwargs={"poll_interval": 0.01},
            name=f"BedrockEmulator:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        for connection in list(self._server.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._thread.join()
