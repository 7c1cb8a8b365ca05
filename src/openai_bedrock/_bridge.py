"""Our transport for clients of another HTTP library than the SDK's (``library=``).

On openai 3.x the package is built on ``httpx2`` (``_http``), but some libraries build
plain ``httpx`` clients from a ``transport=`` setting (Haystack's
``http_client_kwargs``). httpx only accepts its own requests, responses and streams,
so this bridge turns each ``httpx`` request into one of ours, sends it through the
Bedrock transport (signing, guardrail, origin and routing rules unchanged), and hands
the answer back as an ``httpx`` response whose body streams through unread.

Written by hand: the two libraries share an API but no classes, and no library
converts between them.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any

from ._dual_transport import DualBedrockTransport
from ._errors import ConfigurationError
from ._http import NAME, http

LIBRARIES = ("httpx", "httpx2")
# A body our transport read is handed on decoded, so these no longer describe it.
_DECODED = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})


def library(name: str | None) -> ModuleType:
    """The HTTP library called ``name`` (None: the SDK's)."""
    if name is None or name == NAME:
        return http
    if name not in LIBRARIES:
        raise ConfigurationError(
            f"library must be one of {', '.join(LIBRARIES)} (or None for {NAME}, the HTTP "
            f"library this openai version uses), not {name!r}."
        )
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ConfigurationError(
            f"library={name!r} is not installed: pip install {name}, or leave library "
            f"unset to use {NAME}."
        ) from exc


def bridged(transport: DualBedrockTransport, lib: ModuleType) -> Any:
    """``transport`` as a transport of ``lib`` (``transport`` itself for the SDK's)."""
    if lib is http:
        return transport
    return _bridge_class(lib)(transport)


@functools.cache
def _bridge_class(lib: Any) -> type:
    class Body(lib.SyncByteStream, lib.AsyncByteStream):  # type: ignore[misc]
        """Our response's raw body, read by the other library's client."""

        def __init__(self, response: Any) -> None:
            self.response = response

        def __iter__(self) -> Iterator[bytes]:
            yield from self.response.stream

        def close(self) -> None:
            self.response.close()

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for chunk in self.response.stream:
                yield chunk

        async def aclose(self) -> None:
            await self.response.aclose()

    def answer(response: Any) -> Any:
        if response.is_stream_consumed:  # read by our transport (an error, a checked 200)
            headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _DECODED]
            return lib.Response(
                response.status_code,
                headers=headers,
                content=response.content,
                extensions=response.extensions,
            )
        return lib.Response(
            response.status_code,
            headers=response.headers.raw,
            stream=Body(response),
            extensions=response.extensions,
        )

    def ours(request: Any, content: bytes) -> Any:
        return http.Request(
            request.method,
            str(request.url),
            headers=request.headers.raw,
            content=content,
            extensions=request.extensions,
        )

    class Bridge(lib.BaseTransport, lib.AsyncBaseTransport):  # type: ignore[misc]
        """A ``DualBedrockTransport`` for clients of another HTTP library."""

        def __init__(self, bedrock: DualBedrockTransport) -> None:
            self.bedrock = bedrock
            self.settings = bedrock.settings

        @property
        def base_url(self) -> str:
            return self.bedrock.base_url

        def handle_request(self, request: Any) -> Any:
            return answer(self.bedrock.handle_request(ours(request, request.read())))

        async def handle_async_request(self, request: Any) -> Any:
            content = await request.aread()
            return answer(await self.bedrock.handle_async_request(ours(request, content)))

        def close(self) -> None:
            self.bedrock.close()

        async def aclose(self) -> None:
            await self.bedrock.aclose()

        def __repr__(self) -> str:
            return f"{type(self).__name__}(settings={self.settings!r}, library={lib.__name__!r})"

    return Bridge
