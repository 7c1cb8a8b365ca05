"""The Bedrock transport: an httpx transport that wraps another one.

Per HTTP attempt (the openai SDK re-sends each retry through it, so each attempt is
authenticated afresh)::

    request  -> refuse foreign origins -> copy without the SDK's placeholder auth
             -> apply the client-wide guardrail -> authenticate (SigV4 or Bearer)
             -> inner transport
    response <- expose request id, normalise AWS error bodies <-
             (a 403 for clock skew: learn the server's clock, sign again, send once more)

The SDK's ordinary request takes a shortcut that does the same in fewer steps
(``_hotpath``); anything else takes the steps above.

Pooling, proxies, TLS and HTTP/2 stay the inner transport's job. Successful
responses, streamed or not, pass through unread.

Example::

    transport = BedrockTransport(settings, inner=httpx.HTTPTransport())
    client = httpx.Client(transport=transport)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Optional

import httpx

from . import _batchwire, _headers, _hotpath, _mantle_routes
from ._endpoints import ENDPOINTS, INVOCATIONS, canonical_path
from ._errors import ForeignOriginError
from ._fork import PerProcess
from ._responses import (
    AWS_ERROR_TYPE,
    error_type_of,
    may_be_envelope,
    normalize_error_body,
    passes,
    rebuilt,
    unknown_operation,
)
from ._settings import Settings, origin_of

# Headers that only the transport sets: the SDK's placeholder bearer token, and any
# signature headers a caller set, never reach the wire.
_AUTH_HEADERS = ("authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256")
_AUTH_KEYS = frozenset(name.encode("ascii") for name in _AUTH_HEADERS)
# guardrails.IDENTIFIER_HEADER, VERSION_HEADER and TRACE_HEADER, lowercased (spelled
# out so that the guardrails module loads only when a request names a guardrail;
# tests/test_guardrails.py checks they agree).
_GUARDRAIL_KEYS = frozenset(
    {
        b"x-amzn-bedrock-guardrailidentifier",
        b"x-amzn-bedrock-guardrailversion",
        b"x-amzn-bedrock-trace",
    }
)

# Headers that send a request down the general path (``_hotpath``): any the transport
# must remove or act on, besides the SDK's Authorization.
_SPECIAL_KEYS = (_AUTH_KEYS | _GUARDRAIL_KEYS) - {b"authorization"}


def _check_origin(settings: Settings, request: httpx.Request) -> None:
    if origin_of(request.url) != settings.origin:
        port = f":{request.url.port}" if request.url.port else ""
        target = f"{request.url.scheme}://{request.url.host}{port}"  # never the userinfo
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


# AWS's error type, and the OpenAI-style code mantle uses and runtime may (docs/wire.md s5).
_ACCESS_DENIED = ("AccessDeniedException", "access_denied")


def _guardrail_hint(
    settings: Settings, wire: httpx.Request, error_type: Optional[str]
) -> Optional[str]:
    """Access denied on a guardrail-enforcing call sent without a guardrail.

    An IAM policy can allow InvokeModel only with the condition key
    ``bedrock:GuardrailIdentifier``, denying every call without that guardrail
    (https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-permissions-id.html).
    """
    from . import guardrails

    if error_type not in _ACCESS_DENIED or guardrails.IDENTIFIER_HEADER in wire.headers:
        return None
    path = wire.url.path
    if wire.method != "POST" or not any(
        path.endswith(op) for op in ENDPOINTS[settings.endpoint].guardrails_enforced_on
    ):
        return None
    return (
        "(No guardrail was sent. If your account's IAM policies require one (condition "
        "key bedrock:GuardrailIdentifier), build the client with "
        "create_client(guardrail=openai_bedrock.Guardrail('your-guardrail-id', version=1)).)"
    )


def _wire_request(settings: Settings, request: httpx.Request) -> httpx.Request:
    """The copy of the SDK's request that is authenticated and sent.

    The SDK keeps its own request object (and shows it in errors, whose header repr
    masks only Authorization), so the signature and session token go on a copy;
    httpx points ``response.request`` back at the original. The copy has none of the
    auth headers (the SDK's placeholder bearer token, any signature headers a caller
    set): the authenticator adds its own.
    """
    _check_origin(settings, request)
    if _batchwire.is_batch_path(request.url.path):
        _batchwire.check(settings.endpoint, request)
    wire = _headers.copy_request(request, _AUTH_KEYS)
    if settings.guardrail is None and _GUARDRAIL_KEYS.isdisjoint(_headers.names(wire.headers)):
        return wire  # the common case, decided without parsing the path
    body = _apply_guardrail(settings, request, wire.headers)
    if body is not None:
        wire = httpx.Request(
            wire.method,
            wire.url,
            headers=wire.headers,
            stream=httpx.ByteStream(body),
            extensions=wire.extensions,
        )
        wire.headers["Content-Length"] = str(len(body))
    return wire


# A request rejected for clock skew is signed again with the server's time and sent
# once more (attempt 1); the SDK's own retries do not cover 403s.
_ATTEMPTS = (0, 1)


def _unsigned(wire: httpx.Request) -> httpx.Request:
    """A fresh copy of a sent (so already read) wire request, without its signature."""
    headers = [(n, v) for n, v in wire.headers.multi_items() if n.lower() not in _AUTH_HEADERS]
    return httpx.Request(
        wire.method,
        wire.url,
        headers=headers,
        stream=httpx.ByteStream(wire.content),
        extensions=wire.extensions,
    )


def _apply_guardrail(
    settings: Settings, request: httpx.Request, headers: httpx.Headers
) -> Optional[bytes]:
    """Add the client-wide guardrail to a model invocation, and refuse unenforced ones.

    A per-call guardrail (its headers already set) wins over the client's; a caller's
    own ``amazon-bedrock-guardrailConfig`` (a fresh tag suffix per request) is kept.
    Returns the new body when the guardrail adds a body field, else None.
    """
    from . import guardrails

    named = not _GUARDRAIL_KEYS.isdisjoint(_headers.names(headers))
    # The operation as a server may read the path (trailing "/", case, "%2F", "//"):
    # any spelling of an invocation carries the guardrail.
    path = canonical_path(request.url.raw_path.decode("ascii"))
    operation = next((op for op in INVOCATIONS if path.endswith(op)), None)
    if request.method != "POST" or operation is None:
        return None
    # Headers that name a guardrail are checked like a Guardrail: an empty or partial
    # set must not quietly replace the client-wide guardrail with none.
    per_call = guardrails.Guardrail.from_headers(headers) if named else None
    guardrail = per_call or settings.guardrail
    if guardrail is None:
        return None
    enforced = operation in ENDPOINTS[settings.endpoint].guardrails_enforced_on
    if not enforced and not settings.allow_unenforced_guardrail:
        raise guardrails.GuardrailNotEnforcedError(
            f"Refused to send a guardrail on {operation} to bedrock-{settings.endpoint}: "
            "Bedrock ignores guardrails there, so the call would not be guarded. Use "
            "chat.completions on endpoint='runtime', or build the client with "
            "allow_unenforced_guardrail=True to send it anyway."
        )
    if per_call is not None:
        return None  # the caller's own guardrail, headers and body as they sent them
    headers.update(guardrail.extra_headers)
    return _with_fields(request, guardrail.extra_body)


def _with_fields(request: httpx.Request, fields: dict[str, Any]) -> Optional[bytes]:
    """The JSON body with ``fields`` added where the caller has not set them."""
    if not fields:
        return None
    try:
        payload = json.loads(request.content)
    except (httpx.RequestNotRead, ValueError):
        return None  # not a JSON body we can extend; headers still apply
    if not isinstance(payload, dict) or all(key in payload for key in fields):
        return None
    for key, value in fields.items():
        payload.setdefault(key, value)
    encoded: bytes = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return encoded


def _normalized_error(
    settings: Settings,
    request: httpx.Request,
    wire: httpx.Request,
    response: httpx.Response,
    content: bytes,
    route_hint: Optional[str] = None,
    truncated: bool = False,
) -> httpx.Response:
    """The error response, secrets redacted and the body OpenAI-style, once read."""
    from . import _error_body, _redact  # only errors need them: not loaded at import

    secrets = _redact.sent_secrets(wire)
    safe = _redact.redact(content, secrets)
    error_type = error_type_of(safe, response.headers.get(AWS_ERROR_TYPE))
    hints = (
        route_hint
        or _hint(settings, request)
        or _guardrail_hint(settings, wire, error_type)
        or _remedy(settings, request, response.status_code, error_type, safe),
        _error_body.note(truncated),
    )
    hint = " ".join(h for h in hints if h) or None
    replacement = normalize_error_body(safe, response.headers.get(AWS_ERROR_TYPE), hint)
    # Headers too: a gateway may echo the Authorization or token header back.
    response = httpx.Response(
        response.status_code,
        headers=_redact.redact_headers(response.headers, secrets),
        extensions=response.extensions,
    )
    if replacement is not None:
        # Normalising decodes JSON escapes: redact the result again, to be sure.
        return rebuilt(response, _redact.redact(replacement, secrets), request)
    return rebuilt(response, safe, request, content_type=None)


def _remedy(
    settings: Settings,
    request: httpx.Request,
    status: int,
    error_type: Optional[str],
    content: bytes,
) -> Optional[str]:
    from ._mantle_routes import model_of
    from ._remedies import message_of, remedy

    return remedy(settings, status, error_type, message_of(content), model_of(request))


def _refused(route: _mantle_routes.Route, status: int, content: Optional[bytes]) -> bool:
    if content is None:
        return False
    if route.model is not None:
        return _mantle_routes.is_wrong_base(status, content)
    return status == 404


def _route_hint(
    settings: Settings,
    route: Optional[_mantle_routes.Route],
    wire: httpx.Request,
    status: int,
    content: bytes,
) -> Optional[str]:
    """What to do about mantle's wrong-base answer."""
    if settings.endpoint != "mantle" or not _mantle_routes.is_wrong_base(status, content):
        return None
    from ._remedies import wrong_base

    return wrong_base(
        settings,
        wire.url.path,
        routed=route is not None,
        retried=route is not None and not route.known,
    )


class BedrockTransport(httpx.BaseTransport):
    """Authenticates each request for Bedrock and hands it to ``inner``.

    Closing this transport closes ``inner``. ``rebuild`` makes a new inner transport
    for a process forked from this one (see ``_fork``); without it, use after a fork
    raises ``ForkedClientError``.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        inner: httpx.BaseTransport,
        rebuild: Optional[Callable[[], httpx.BaseTransport]] = None,
    ) -> None:
        self.settings = settings
        self._inner = PerProcess(inner, rebuild)
        self._prepare = _hotpath.for_settings(settings, _SPECIAL_KEYS, is_async=False)
        self._router = _mantle_routes.MantleRouter() if settings.routes_mantle else None

    @property
    def inner(self) -> httpx.BaseTransport:
        return self._inner.get()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        auth = self.settings.auth
        route = self._router.route(request) if self._router is not None else None
        wire = self._prepare(request)
        if wire is None:
            wire = _wire_request(self.settings, request)
            auth.authenticate(wire)
        wire, response, content, truncated = self._send(wire)
        if route is not None:
            retry = route.retry_url(wire.url, response.status_code, content or b"")
            base = route.base
            if retry is not None:  # a guess refused as the wrong base: the other one, once
                wire = _unsigned(wire)
                wire.url = retry
                auth.authenticate(wire)
                wire, response, content, truncated = self._send(wire)
                base = _mantle_routes.other(base)
                route.settled(base, not _refused(route, response.status_code, content))
            if content is None:
                return route.watch(response, base)
        if content is None:
            return response
        hint = _route_hint(self.settings, route, wire, response.status_code, content)
        return _normalized_error(self.settings, request, wire, response, content, hint, truncated)

    def _send(
        self, wire: httpx.Request
    ) -> tuple[httpx.Request, httpx.Response, Optional[bytes], bool]:
        """Send; the error body read (None for a response that passes as it is) and
        whether it was cut short."""
        auth = self.settings.auth
        for attempt in _ATTEMPTS:
            if attempt:
                wire = _unsigned(wire)
                auth.authenticate(wire)
            response = self._inner.get().handle_request(wire)
            if passes(response):
                if may_be_envelope(response):
                    content = response.read()
                    error = unknown_operation(wire, response, content, self.settings.endpoint)
                    return wire, error or response, None, False
                return wire, response, None, False
            from ._error_body import read  # errors only: not loaded at import

            content, truncated = read(response)
            if attempt or not auth.corrected_clock(response, content):
                break
        return wire, response, content, truncated

    def close(self) -> None:
        self._inner.value.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(settings={self.settings!r})"


class AsyncBedrockTransport(httpx.AsyncBaseTransport):
    """The async twin of ``BedrockTransport``; never blocks the event loop on I/O."""

    def __init__(
        self,
        settings: Settings,
        *,
        inner: httpx.AsyncBaseTransport,
        rebuild: Optional[Callable[[], httpx.AsyncBaseTransport]] = None,
    ) -> None:
        self.settings = settings
        self._inner = PerProcess(inner, rebuild)
        self._prepare = _hotpath.for_settings(settings, _SPECIAL_KEYS, is_async=True)
        self._router = _mantle_routes.MantleRouter() if settings.routes_mantle else None

    @property
    def inner(self) -> httpx.AsyncBaseTransport:
        return self._inner.get()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        auth = self.settings.auth
        route = self._router.route(request) if self._router is not None else None
        wire = self._prepare(request)
        if wire is None:
            wire = _wire_request(self.settings, request)
            await auth.aauthenticate(wire)
        wire, response, content, truncated = await self._send(wire)
        if route is not None:
            retry = route.retry_url(wire.url, response.status_code, content or b"")
            base = route.base
            if retry is not None:  # a guess refused as the wrong base: the other one, once
                wire = _unsigned(wire)
                wire.url = retry
                await auth.aauthenticate(wire)
                wire, response, content, truncated = await self._send(wire)
                base = _mantle_routes.other(base)
                route.settled(base, not _refused(route, response.status_code, content))
            if content is None:
                return route.watch(response, base)
        if content is None:
            return response
        hint = _route_hint(self.settings, route, wire, response.status_code, content)
        return _normalized_error(self.settings, request, wire, response, content, hint, truncated)

    async def _send(
        self, wire: httpx.Request
    ) -> tuple[httpx.Request, httpx.Response, Optional[bytes], bool]:
        """Send; the error body read (None for a response that passes as it is) and
        whether it was cut short."""
        auth = self.settings.auth
        for attempt in _ATTEMPTS:
            if attempt:
                wire = _unsigned(wire)
                await auth.aauthenticate(wire)
            response = await self._inner.get().handle_async_request(wire)
            if passes(response):
                if may_be_envelope(response):
                    content = await response.aread()
                    error = unknown_operation(wire, response, content, self.settings.endpoint)
                    return wire, error or response, None, False
                return wire, response, None, False
            from ._error_body import aread  # errors only: not loaded at import

            content, truncated = await aread(response)
            if attempt or not auth.corrected_clock(response, content):
                break
        return wire, response, content, truncated

    async def aclose(self) -> None:
        await self._inner.value.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(settings={self.settings!r})"
