"""A local OpenAI-compatible endpoint that signs and forwards every request to Bedrock.

For tools that only take ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` (the ``openai`` CLI,
curl, libraries in other languages): they call ``http://127.0.0.1:PORT/v1`` with a local
bearer token, and each request goes on to Bedrock through ``AsyncBedrockTransport``, so it
is signed (SigV4 or a Bedrock API key), guarded and routed exactly as the SDK client's are.
Streams are passed through as they arrive; Bedrock's errors are passed through with their
status, body and request id.

Needs the ``proxy`` extra (``pip install 'openai-bedrock[proxy]'``): starlette and uvicorn,
imported here only, so ``import openai_bedrock`` never loads them. The HTTP server is
uvicorn's; this module only maps requests and headers. See ``docs/proxy.md``.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Optional, cast

from openai import APIStatusError

from ._errors import ConfigurationError
from ._http import http
from ._settings import resolve_settings

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

__all__ = ["TOKEN_ENV", "create_app", "is_loopback", "new_token", "serve"]

TOKEN_ENV = "OPENAI_BEDROCK_PROXY_TOKEN"
DEFAULT_PORT = 8321
HEALTH_PATH = "/healthz"
PREFIX = "/v1"

logger = logging.getLogger("openai_bedrock.proxy")

# Never forwarded upstream: hop-by-hop headers (RFC 9110 section 7.6.1), the caller's
# credentials for this proxy, signing headers a caller could inject, and OpenAI account
# headers that mean nothing to Bedrock (the client drops them too). httpx sets host and
# content-length itself.
_DROPPED_REQUEST = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "cookie",
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "proxy-connection",
        "openai-organization",
        "openai-project",
    }
)
# Response headers the server sets for its own connection.
_DROPPED_RESPONSE = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        "upgrade",
        "trailer",
        "proxy-authenticate",
        "date",
        "server",
    }
)
_REQUEST_ID_HEADERS = ("x-amzn-requestid", "x-amzn-request-id", "x-request-id")


def new_token() -> str:
    """A fresh local bearer token (256 bits from ``secrets``)."""
    return secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address) only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _forwarded_headers(headers: Any) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, value in headers.items()
        if name.lower() not in _DROPPED_REQUEST and not name.lower().startswith("x-amz-")
    ]


def _request_id(headers: http.Headers) -> str:
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value)
    return "-"


async def _raw(response: http.Response) -> bytes:
    return b"".join([chunk async for chunk in response.aiter_raw()])


def _error(status: int, message: str, kind: str, code: Optional[str] = None) -> Response:
    from starlette.responses import JSONResponse

    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return JSONResponse(body, status_code=status)


def require_extra(*names: str) -> None:
    """Raise ``ConfigurationError`` saying how to install the proxy extra, if ``names``
    (default: starlette and uvicorn) are not installed."""
    import importlib

    for name in names or ("starlette", "uvicorn"):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ConfigurationError(
                f"The proxy needs starlette and uvicorn ({exc}): "
                "pip install 'openai-bedrock[proxy]'."
            ) from exc


def create_app(
    *,
    token: str,
    transport: Optional[http.AsyncBaseTransport] = None,
    timeout: Any = None,
    **settings: Any,
) -> Starlette:
    """The proxy as an ASGI app (run it with uvicorn, or ``serve()``).

    Args:
        token: The bearer token callers must send (``Authorization: Bearer TOKEN``, what
            the SDKs send for ``OPENAI_API_KEY``).
        transport: The inner async transport (of ``http_library()``) (default honours the proxy
            environment variables), as for ``create_async_client``.
        timeout: The upstream HTTP timeout (default 3600 s read, 10 s connect).
        **settings: What ``create_async_client`` takes: ``region``, ``endpoint``,
            ``base_url``, ``profile``, ``api_key``, ``guardrail``, ... . Resolved here, so
            bad settings or missing credentials raise before anything is served.
    """
    require_extra("starlette")  # any ASGI server may run the app
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    from ._http_clients import async_http_client

    if not token:
        raise ConfigurationError("The proxy needs a non-empty token= for its callers.")
    resolved = resolve_settings(**settings)
    client = async_http_client(resolved, transport=transport, timeout=timeout)
    base = str(resolved.base_url).rstrip("/")
    expected = f"Bearer {token}".encode()

    def authorized(request: Request) -> bool:
        given = request.headers.get("authorization", "").encode("latin-1", "replace")
        return hmac.compare_digest(given, expected)  # constant time

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def forward(request: Request) -> Response:
        started = time.perf_counter()
        method, path = request.method, request.url.path
        status, request_id = 0, "-"

        def log() -> None:
            elapsed = (time.perf_counter() - started) * 1000
            logger.info("%s %s %d %.1fms %s", method, path, status, elapsed, request_id)

        if not authorized(request):
            status = 401
            log()
            return _error(
                401,
                "Missing or wrong bearer token for this openai-bedrock proxy: send "
                "Authorization: Bearer TOKEN (OPENAI_API_KEY=TOKEN), with the token it "
                "printed at start or was given.",
                "invalid_request_error",
                "invalid_api_key",
            )
        # The path as sent (still percent-encoded), so model ids reach Bedrock unchanged.
        raw = request.scope.get("raw_path") or path.encode()
        rest = raw.decode("latin-1").split("?", 1)[0][len(PREFIX) :]
        url = http.URL(base + rest)
        query = request.scope.get("query_string") or b""
        if query:
            url = url.copy_with(query=query)
        upstream = client.build_request(
            method,
            url,
            headers=_forwarded_headers(request.headers),
            content=await request.body(),  # SigV4 signs the whole body anyway
        )
        try:
            response = await client.send(upstream, stream=True)
        except APIStatusError as exc:  # the transport's own status error: its response
            response = cast(Any, exc.response)  # the SDK's library, typed as httpx
        except http.TimeoutException as exc:
            status = 504
            log()
            return _error(504, f"Bedrock did not answer in time: {exc}", "timeout")
        except http.TransportError as exc:
            status = 502
            log()
            return _error(502, f"Could not reach Bedrock: {exc}", "api_connection_error")
        except ValueError as exc:  # our refusals before sending (e.g. unenforced guardrail)
            status = 400
            log()
            return _error(400, str(exc), "invalid_request_error")
        except Exception as exc:  # credentials could not be loaded or refreshed, ...
            status = 502
            log()
            return _error(502, f"{type(exc).__name__}: {exc}", "api_error")
        status, request_id = response.status_code, _request_id(response.headers)
        # An error the transport already read (to check it, or to normalise it) is sent
        # as read, i.e. decoded; anything else as its raw bytes.
        consumed = response.is_stream_consumed
        dropped = _DROPPED_RESPONSE | {"content-encoding"} if consumed else _DROPPED_RESPONSE
        headers = {
            name: value for name, value in response.headers.items() if name.lower() not in dropped
        }

        if consumed or "event-stream" not in response.headers.get("content-type", ""):
            # A whole answer goes out as one body with its Content-Length (fewer writes
            # and no chunked framing); see _listening_socket for the delayed-ACK stall.
            try:
                content = response.content if consumed else await _raw(response)
            finally:
                await response.aclose()
                log()
            return Response(content, status_code=status, headers=headers)

        async def body() -> AsyncIterator[bytes]:
            # Each chunk as it arrives: nothing is buffered or decoded here.
            try:
                async for chunk in response.aiter_raw():
                    yield chunk
            finally:
                await response.aclose()
                log()

        return StreamingResponse(body(), status_code=status, headers=headers)

    async def not_found(request: Request) -> Response:
        return _error(
            404,
            f"The openai-bedrock proxy serves the OpenAI API under {PREFIX}/ (use base URL "
            f"http://HOST:PORT{PREFIX}) and {HEALTH_PATH}; not {request.url.path}.",
            "invalid_request_error",
            "not_found",
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await client.aclose()

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(
        routes=[
            Route(HEALTH_PATH, health, methods=["GET"]),
            Route(PREFIX + "/{rest:path}", forward, methods=methods),
            Route("/{rest:path}", not_found, methods=methods),
        ],
        lifespan=lifespan,
    )


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    token: Optional[str] = None,
    allow_remote: bool = False,
    **options: Any,
) -> None:
    """Run the proxy until SIGINT or SIGTERM (uvicorn handles both; in-flight streams are
    closed after a 5 s grace).

    ``token`` defaults to ``OPENAI_BEDROCK_PROXY_TOKEN``, else a generated one, printed
    once to stderr. ``host`` must be a loopback address unless ``allow_remote``.
    ``options`` go to ``create_app``.
    """
    import sys

    require_extra()
    import uvicorn

    app = _checked_app(host, token, allow_remote, options)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,  # ours logs one line per request, without the query or headers
        server_header=False,
        timeout_graceful_shutdown=5,
        log_level="info",
    )
    _log_to_stderr()
    print(f"openai-bedrock proxy on http://{host}:{port}{PREFIX}", file=sys.stderr, flush=True)
    uvicorn.Server(config).run(sockets=[_listening_socket(host, port)])


def _listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket whose connections send without Nagle's delay.

    uvicorn binds with protocol 0, so asyncio does not set TCP_NODELAY on the accepted
    connections; then the response headers and body leave as two segments and, on a
    kept-alive connection, the body waits for the caller's delayed ACK (~40 ms a call).
    Accepted sockets inherit TCP_NODELAY from the listening one.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(address)
    return sock


def _checked_app(
    host: str, token: Optional[str], allow_remote: bool, options: dict[str, Any]
) -> Starlette:
    import sys

    if not allow_remote and not is_loopback(host):
        raise ConfigurationError(
            f"Refused to listen on {host}: the proxy signs requests with your AWS "
            "credentials for anyone who can reach it, so it binds loopback only. Use "
            "127.0.0.1, or pass allow_remote=True (--allow-remote) if you mean it."
        )
    token = token or os.environ.get(TOKEN_ENV) or None
    if token is None:
        token = new_token()
        print(
            f"proxy token (use as OPENAI_API_KEY): {token}",
            file=sys.stderr,
            flush=True,
        )
    return create_app(token=token, **options)


def _log_to_stderr() -> None:
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
