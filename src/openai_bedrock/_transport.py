"""The Bedrock transport: an httpx transport that wraps another one.

Per HTTP attempt (the openai SDK re-sends each retry through it, so each attempt is
authenticated afresh)::

    request  -> refuse foreign origins -> drop the SDK's placeholder auth
             -> authenticate (SigV4 or Bearer) -> inner transport
    response <- expose request id, normalise AWS error bodies <-

Pooling, proxies, TLS and HTTP/2 stay the inner transport's job. Successful
responses, streamed or not, pass through unread.

Example::

    transport = BedrockTransport(settings, inner=httpx.HTTPTransport())
    client = httpx.Client(transport=transport)
"""

from __future__ import annotations

from typing import Optional

import httpx

from ._endpoints import ENDPOINTS
from ._errors import ForeignOriginError
from ._responses import expose_request_id, needs_error_body, normalize_error_body, rebuilt
from ._settings import Settings, origin_of

# Headers that only the transport sets: the SDK's placeholder bearer token, and any
# signature headers a caller set, never reach the wire.
_AUTH_HEADERS = ("authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256")


def _check_origin(settings: Settings, request: httpx.Request) -> None:
    if origin_of(request.url) != settings.origin:
        target = f"{request.url.scheme}://{request.url.netloc.decode('ascii', 'replace')}"
        raise ForeignOriginError(
            f"Refused to send a request to {target}: this client only talks to "
            f"{settings.base_url.scheme}://{settings.base_url.netloc.decode('ascii')} and never "
            "sends its credentials elsewhere. For another Bedrock endpoint, build a client "
            "with openai_bedrock.create_client(base_url=...)."
        )


def _hint(settings: Settings, request: httpx.Request) -> Optional[str]:
    """What to do instead, for a request Bedrock documents it does not serve."""
    models_path = settings.base_url.path.rstrip("/") + "/models"
    if (
        request.method == "GET"
        and request.url.path == models_path
        and not ENDPOINTS[settings.endpoint].offers_models_list
    ):
        return (
            f"(bedrock-{settings.endpoint} does not implement the OpenAI `GET /models` "
            "operation. List models with endpoint='mantle', or with boto3's "
            "bedrock.list_foundation_models().)"
        )
    return None


def _wire_request(settings: Settings, request: httpx.Request) -> httpx.Request:
    """The copy of the SDK's request that is authenticated and sent.

    The SDK keeps its own request object (and shows it in errors, whose header repr
    masks only Authorization), so the signature and session token go on a copy;
    httpx points ``response.request`` back at the original.
    """
    _check_origin(settings, request)
    headers = [
        (name, value)
        for name, value in request.headers.multi_items()
        if name.lower() not in _AUTH_HEADERS
    ]
    # stream= reuses the body as is and adds no headers of its own.
    return httpx.Request(
        request.method,
        request.url,
        headers=headers,
        stream=request.stream,
        extensions=request.extensions,
    )


def _normalized_error(
    settings: Settings, request: httpx.Request, response: httpx.Response, content: bytes
) -> httpx.Response:
    """The error response with an OpenAI-style body, once its body has been read."""
    replacement = normalize_error_body(
        content, response.headers.get("x-amzn-errortype"), _hint(settings, request)
    )
    return rebuilt(response, replacement, request) if replacement is not None else response


class BedrockTransport(httpx.BaseTransport):
    """Authenticates each request for Bedrock and hands it to ``inner``.

    Closing this transport closes ``inner``.
    """

    def __init__(self, settings: Settings, *, inner: httpx.BaseTransport) -> None:
        self.settings = settings
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        wire = _wire_request(self.settings, request)
        self.settings.auth.authenticate(wire)
        response = self.inner.handle_request(wire)
        expose_request_id(response)
        if not needs_error_body(response):
            return response
        content = response.read()
        response.close()
        return _normalized_error(self.settings, request, response, content)

    def close(self) -> None:
        self.inner.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(settings={self.settings!r})"


class AsyncBedrockTransport(httpx.AsyncBaseTransport):
    """The async twin of ``BedrockTransport``; never blocks the event loop on I/O."""

    def __init__(self, settings: Settings, *, inner: httpx.AsyncBaseTransport) -> None:
        self.settings = settings
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        wire = _wire_request(self.settings, request)
        await self.settings.auth.aauthenticate(wire)
        response = await self.inner.handle_async_request(wire)
        expose_request_id(response)
        if not needs_error_body(response):
            return response
        content = await response.aread()
        await response.aclose()
        return _normalized_error(self.settings, request, response, content)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(settings={self.settings!r})"
