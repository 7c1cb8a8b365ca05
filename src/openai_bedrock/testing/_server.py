"""The emulator's HTTP/1.1 server: stdlib ``http.server`` in a background thread.

Hand-written on the standard library so the testing kit adds no dependency. One thread
per connection, keep-alive, each response written with a single ``sendall`` (Nagle's
algorithm off), SSE frames sent as HTTP chunks one ``sendall`` each so a client sees
every frame when it is written.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
import time
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._emulator import BedrockEmulator, Reply

_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


def _head(reply: Reply, extra: list[tuple[str, str]]) -> bytes:
    try:
        phrase = HTTPStatus(reply.status).phrase
    except ValueError:
        phrase = ""
    lines = [f"HTTP/1.1 {reply.status} {phrase}"]
    lines += [f"{name}: {value}" for name, value in [*reply.headers, *extra]]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
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

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the emulator records requests itself; stderr noise helps nobody

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        body = self._read_body()
        reply = self.server.emulator.handle(self.command, self.path, self.headers.items(), body)
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        connection = [("Connection", "close")] if self.close_connection else []
        if reply.frames is None:
            if reply.delay:
                time.sleep(reply.delay)
            length = [("Content-Length", str(len(reply.body)))]
            self.wfile.write(_head(reply, length + connection) + reply.body)
            return
        self.wfile.write(_head(reply, [("Transfer-Encoding", "chunked"), *connection]))
        for frame in reply.frames:
            if reply.delay:
                time.sleep(reply.delay)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
        self.wfile.write(b"0\r\n\r\n")

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except _GONE:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, emulator: BedrockEmulator) -> None:
        self.emulator = emulator
        self.connections: set[socket.socket] = set()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client going away mid-request is normal in fault tests


class EmulatorServer:
    """Runs ``_Server`` in a daemon thread until ``stop()``."""

    def __init__(self, emulator: BedrockEmulator) -> None:
        self._server = _Server(emulator)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
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
