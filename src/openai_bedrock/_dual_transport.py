"""One transport for both kinds of HTTP client: sync and async requests alike.

Some libraries build a ``Client`` and an ``AsyncClient`` (of the SDK's HTTP library,
``_http``) from one set of keyword arguments (Haystack's ``http_client_kwargs``), so
the one ``transport=`` they are given must serve ``handle_request`` and
``handle_async_request``. This class composes a ``BedrockTransport`` and an
``AsyncBedrockTransport`` on the same settings, each built on first use (a client
of one kind never opens the other's pool), and delegates to them; signing, guardrail
and origin rules are theirs, unchanged.

Example::

    transport = DualBedrockTransport(settings, sync_half=..., async_half=...)
    http.Client(transport=transport), http.AsyncClient(transport=transport)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Optional

from ._http import http
from ._settings import Settings
from ._transport import AsyncBedrockTransport, BedrockTransport


class DualBedrockTransport(http.BaseTransport, http.AsyncBaseTransport):
    """Signs each request for Bedrock, whether a ``Client`` or an
    ``AsyncClient`` of the SDK's HTTP library sends it.

    ``sync_half`` and ``async_half`` build the two Bedrock transports; each is called
    at most once, on the first request of its kind (or by ``sync`` / ``async_``).
    ``close()`` closes the sync half and ``aclose()`` the async one, as the two kinds
    of client call them: closing one client leaves the other's connections open.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sync_half: Callable[[], BedrockTransport],
        async_half: Callable[[], AsyncBedrockTransport],
    ) -> None:
        self.settings = settings
        self._build_sync = sync_half
        self._build_async = async_half
        self._sync: Optional[BedrockTransport] = None
        self._async: Optional[AsyncBedrockTransport] = None
        # Two threads' first requests must build one pool, not one each (one would leak).
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """Bedrock's OpenAI-compatible base URL for these settings."""
        return str(self.settings.base_url)

    @property
    def sync(self) -> BedrockTransport:
        """The sync half, built now if it was not yet."""
        half = self._sync
        if half is None:
            with self._lock:
                if self._sync is None:
                    self._sync = self._build_sync()
                half = self._sync
        return half

    @property
    def async_(self) -> AsyncBedrockTransport:
        """The async half, built now if it was not yet (no I/O: safe in an event loop)."""
        half = self._async
        if half is None:
            with self._lock:
                if self._async is None:
                    self._async = self._build_async()
                half = self._async
        return half

    def handle_request(self, request: http.Request) -> http.Response:
        return self.sync.handle_request(request)

    async def handle_async_request(self, request: http.Request) -> http.Response:
        return await self.async_.handle_async_request(request)

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(settings={self.settings!r})"
