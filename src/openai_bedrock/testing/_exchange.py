"""What the emulator's parts pass each other: a request as received
(``EmulatedRequest``), the answer the server writes (``Reply``), and ``Rejected``,
raised by a route to answer with an error shape.

Its own module so the server, the batch engine and the emulator each import it, and
none of them the other.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Optional, Union

from .._http import http
from . import _shapes as shapes
from ._vcr import PLACEHOLDER, _scrub_text

Endpoint = Literal["runtime", "mantle"]
ReplyFunction = Callable[[dict[str, Any]], Union[str, Mapping[str, Any]]]

_SECRET_HEADERS = frozenset({"authorization", "x-amz-security-token"})


class _Headers(http.Headers):
    """Case-insensitive request headers whose repr hides credentials."""

    def __repr__(self) -> str:
        shown = [
            (name, PLACEHOLDER if name.lower() in _SECRET_HEADERS else _scrub_text(value))
            for name, value in self.multi_items()
        ]
        return f"Headers({shown!r})"


class EmulatedRequest:
    """One request as the emulator received it, and what it answered.

    ``method``, ``path``, ``query`` (the raw query string), ``headers`` (case-insensitive,
    as received), ``body`` (bytes). ``auth`` is ``"sigv4"``, ``"bearer"`` or None (no
    credentials); ``verdict`` is ``"ok"``, the AWS error type it answered
    (``"InvalidSignatureException"``, ``"ThrottlingException"``, ...) or ``"dropped"``
    (connection closed, ``status`` 0); ``reason`` says in words why authentication
    failed; ``request_id`` is the ``x-amzn-RequestId`` answered. ``repr()`` never shows
    credentials.
    """

    def __init__(
        self, method: str, path: str, query: str, headers: Sequence[tuple[str, str]], body: bytes
    ) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.auth: Optional[str] = None
        self.verdict = "ok"
        self.status = 0
        self.reason = ""
        self.request_id = ""
        self._raw_headers = headers
        self._headers: Optional[http.Headers] = None

    @property
    def headers(self) -> http.Headers:
        # Built on first use: most recorded requests are never inspected.
        if self._headers is None:
            self._headers = _Headers(list(self._raw_headers))
        return self._headers

    def header(self, name: str) -> Optional[str]:
        """The first value of header ``name`` (any case), or None; without building
        ``headers``."""
        lname = name.lower()
        return next((v for n, v in self._raw_headers if n.lower() == lname), None)

    def json(self) -> Any:
        return json.loads(self.body)

    def __repr__(self) -> str:
        target = f"{self.path}?{self.query}" if self.query else self.path
        reason = f", reason={self.reason!r}" if self.reason else ""
        return (
            f"<EmulatedRequest {self.method} {target} auth={self.auth} "
            f"verdict={self.verdict} status={self.status}{reason}>"
        )


@dataclass
class Reply:
    """What the server writes: a whole body, SSE frames flushed one by one, or nothing."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    frames: Optional[list[bytes]] = None
    delay: float = 0.0
    drop: bool = False


class Rejected(Exception):
    """Raised by a route: answer with ``error`` instead."""

    def __init__(self, error: shapes.ErrorReply) -> None:
        self.error = error
