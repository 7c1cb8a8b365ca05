"""Cheap copies and edits of httpx requests' headers, for the per-request path.

Hand-written because httpx's public API is costly here: ``http.Request(...)`` parses
the URL and normalises every header again, and each ``Headers`` set re-encodes the
name and rescans every header (about 1 us each, several times per request). httpx
0.27 and 0.28 keep headers as a list of ``(raw name, lowercased name, value)`` byte
tuples in ``Headers._list`` and send exactly that list; these helpers copy and extend
such lists directly. Should a future httpx store requests or headers differently,
``FAST`` is False and every helper falls back to the public API
(``tests/test_headers.py`` checks that both paths give the same requests).
"""

from __future__ import annotations

import operator
from collections.abc import Collection, Iterable
from typing import Any

from ._http import http

# What httpx 0.27 / 0.28 set on a request built with a body, in the order they set it.
_REQUEST_ATTRIBUTES = ["method", "url", "headers", "extensions", "stream", "_content"]


def _has_raw_list() -> bool:
    probe: Any = http.Headers({"X-Probe": "1"})
    request = http.Request("POST", "https://probe.invalid/", content=b"{}")
    return (
        list(vars(probe)) == ["_list", "_encoding"]
        and probe._list == [(b"X-Probe", b"x-probe", b"1")]
        and list(vars(request)) == _REQUEST_ATTRIBUTES
    )


FAST = _has_raw_list()
_SECOND = operator.itemgetter(1)


def copy_request(request: http.Request, dropped: Collection[bytes]) -> http.Request:
    """A new request sharing ``request``'s method, URL, body stream (and its content,
    once read), with its own extensions dict and its own headers, less the lowercased
    names in ``dropped``. Nothing set on the copy reaches ``request``."""
    if not FAST:
        return http.Request(
            request.method,
            request.url,
            headers=[(k, v) for k, v in request.headers.raw if k.lower() not in dropped],
            stream=request.stream,
            extensions=dict(request.extensions),
        )
    return request_with(request, [item for item in _raw(request.headers) if item[1] not in dropped])


def request_with(request: http.Request, items: list[tuple[bytes, bytes, bytes]]) -> http.Request:
    """A shallow copy of ``request`` (``FAST`` only) whose headers are ``items``, a
    list of raw ``(name, lowercased name, value)`` tuples it now owns."""
    # Attributes are set one by one in the order httpx's __init__ sets them, never
    # through __dict__ (which makes CPython 3.11+ keep an object's attributes in a
    # slower form that every later read of them pays for).
    headers: Any = object.__new__(http.Headers)
    headers._list = items
    headers._encoding = getattr(request.headers, "_encoding")  # noqa: B009
    wire: Any = object.__new__(http.Request)
    wire.method = request.method
    wire.url = request.url
    wire.headers = headers
    wire.extensions = dict(request.extensions)
    wire.stream = request.stream
    # Not contextlib.suppress: that is a Python-level context manager on every request.
    try:  # noqa: SIM105
        wire._content = getattr(request, "_content")  # noqa: B009
    except AttributeError:  # absent until a streamed body is read
        pass
    copy: http.Request = wire
    return copy


def names(headers: http.Headers) -> list[bytes]:
    """The lowercased names, in order."""
    if FAST:
        return list(map(_SECOND, headers._list))
    return [key.lower() for key, _ in headers.raw]


def value_encoding(headers: http.Headers) -> str:
    """The encoding httpx would encode a value set on these headers with."""
    if FAST:
        encoding: str = getattr(headers, "_encoding", None) or "utf-8"
        return encoding
    return headers.encoding


def extend_raw(headers: http.Headers, items: Iterable[tuple[bytes, bytes, bytes]]) -> None:
    """Add prepared ``(name, lowercased name, value)`` tuples whose names the caller
    knows are absent (so nothing is scanned or replaced)."""
    if not FAST:
        for raw, _, value in items:
            headers[raw.decode("ascii")] = value.decode(headers.encoding)
        return
    _raw(headers).extend(items)


def raw_items(headers: http.Headers) -> list[tuple[bytes, bytes, bytes]]:
    """``(name, lowercased name, value)`` for every header, in order (do not modify)."""
    if FAST:
        return _raw(headers)
    return [(key, key.lower(), value) for key, value in headers.raw]


def _raw(headers: http.Headers) -> list[tuple[bytes, bytes, bytes]]:
    items: list[tuple[bytes, bytes, bytes]] = getattr(headers, "_list")  # noqa: B009
    return items
