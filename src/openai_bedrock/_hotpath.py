"""The request the SDK sends nearly every time, prepared in a few C-level steps.

Every request can take the general path (``_transport._wire_request``, then the
authenticator), which handles anything. Most requests are alike, though: same origin,
no query, the SDK's placeholder Authorization and no other auth or guardrail header,
a body already in memory. For those, a client's ``prepare`` function, built once
here, does the same work with list and tuple operations that run in C: it finds the
placeholder by equality, swaps it for the credential, and signs from the cached
template, calling no Python code but the signer and the copy (``benchmarks/run.py``
measures the saving; most of it is cache misses, which grow with the code a request
runs).
``tests/test_hotpath.py`` checks the results are identical to the general path's.

``prepare`` returns None for anything else, and the general path takes it: another
origin, a query or fragment, hand-set auth or guardrail headers, a client-wide
guardrail, a token provider, a Batch API path (checked there), a streamed body, or
(async) credentials due a refresh, which must happen off the event loop.

Reads httpx internals (``URL._uri_reference``, a ``(scheme, userinfo, host, port,
path, query, fragment)`` tuple in httpx 0.27 and 0.28, and ``Headers._list``; see
``_headers``); should either change, ``AVAILABLE`` is False and only the general path
is used.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, Optional

import httpx

from . import _headers, _sigv4
from ._auth import BearerAuth, SigV4Auth
from ._settings import Settings

# The api_key the factories give the SDK. It is never sent: the transport swaps the
# Authorization header it makes for the real credential.
SDK_PLACEHOLDER_KEY = "openai-bedrock-placeholder-not-sent"
_PLACEHOLDER_VALUE = b"Bearer " + SDK_PLACEHOLDER_KEY.encode("ascii")

Prepare = Callable[[httpx.Request], Optional[httpx.Request]]


def _url_parts_available() -> bool:
    url: Any = httpx.URL("https://probe.invalid:8443/p?q#f")
    return tuple(getattr(url, "_uri_reference", ())) == (
        "https",
        "",
        "probe.invalid",
        8443,
        "/p",
        "q",
        "f",
    )


AVAILABLE = _headers.FAST and _url_parts_available()
_SECOND = operator.itemgetter(1)


def _general(request: httpx.Request) -> None:
    return None


def for_settings(settings: Settings, others: frozenset[bytes], *, is_async: bool) -> Prepare:
    """The ``prepare`` function for a client with these settings.

    ``others`` holds the lowercased names of every header that sends a request down
    the general path when present (auth headers besides Authorization, guardrail
    headers).
    """
    base: Any = settings.base_url
    auth = settings.auth
    if not AVAILABLE or settings.guardrail is not None:
        return _general
    ref = base._uri_reference
    text = str(base)
    if ref[1] or ref[5] is not None or ref[6] is not None or not text.endswith(ref[4]):
        return _general  # a base URL with userinfo, query or fragment (never accepted)
    origin = tuple(ref[:4])
    # What str(url) starts with, for a URL on this origin (the signing template's key).
    prefix = text[: len(text) - len(ref[4])]
    if isinstance(auth, BearerAuth) and auth.provider is None and auth.key is not None:
        return _prepare(origin, prefix, others, auth.header, None, is_async=is_async)
    if isinstance(auth, SigV4Auth):
        return _prepare(origin, prefix, others, None, auth, is_async=is_async)
    return _general


def _prepare(
    origin: tuple[Any, ...],
    prefix: str,
    others: frozenset[bytes],
    credential: Optional[tuple[bytes, bytes, bytes]],
    auth: Optional[SigV4Auth],
    *,
    is_async: bool,
) -> Prepare:
    """``prepare`` for a fixed Bedrock API key (``credential``, the raw Authorization
    header) or for SigV4 (``auth``). One function, with every check written out in
    it: on a process busy with other work, each extra call costs several times what
    it costs in a tight loop."""
    request_with = _headers.request_with
    if auth is not None:
        sign = _sigv4.Signer(auth.service, auth.region).raw_headers
        frozen_credentials = auth.frozen_credentials
        # Fixed keys need no reading per request.
        static = isinstance(auth.credentials, _sigv4.StaticCredentials)
        fixed = frozen_credentials() if static else None
        clock = auth.clock
        # Async requests whose credentials are due a refresh (I/O) go the general
        # way, which refreshes in a worker thread.
        refresh_needed = getattr(auth.credentials, "refresh_needed", None) if is_async else None
        if not callable(refresh_needed):  # as SigV4Auth.needs_refresh reads it
            refresh_needed = None

    def prepare(request: httpx.Request) -> Optional[httpx.Request]:
        wire: Any = request  # read through httpx internals (see the module docstring)
        ref = wire.url._uri_reference
        if ref[:4] != origin or ref[5] is not None or ref[6] is not None:
            return None
        if "/batches" in ref[4]:  # checked by the general path (``_batchwire.check``)
            return None
        items: list[Any] = wire.headers._list
        # The SDK's placeholder must be the only Authorization, with no header that
        # the general path acts on.
        names = list(map(_SECOND, items))
        try:
            index = names.index(b"authorization")
        except ValueError:
            return None
        if (
            items[index][2] != _PLACEHOLDER_VALUE
            or names.count(b"authorization") != 1
            or not others.isdisjoint(names)
        ):
            return None
        items = items.copy()
        del items[index]
        if auth is None:
            items.append(credential)  # last, as the general path adds it
            return request_with(request, items)
        try:
            body: bytes = wire._content
        except AttributeError:  # a streamed body, not read yet
            return None
        if refresh_needed is not None and refresh_needed():
            return None
        added = sign(
            request.method,
            prefix + ref[4],
            items,
            body,
            fixed or frozen_credentials(),
            _sigv4.timestamp() + clock.offset,
        )
        if added is None:
            return None
        items += added
        return request_with(request, items)

    return prepare
