"""The Bedrock transport: a transport (of the SDK's HTTP library) wrapping another.

Per HTTP attempt (the openai SDK re-sends each retry through it, so each attempt is
authenticated afresh)::

    request  -> refuse foreign origins and unservable batch calls
             -> mantle: route to the base that serves the model
             -> Signing.prepare (auth headers, guardrail, Bearer or SigV4)
             -> inner transport
    response <- expose request id, normalise AWS error bodies (redacted, bounded) <-
             (a 403 for clock skew: learn the server's clock, sign again, send once more;
              mantle's wrong-base answer to a guessed base: the other base, once)

The sync and async transports differ only in how they wait: both drive the same
``_signing.Signing.prepare``.

Pooling, proxies, TLS and HTTP/2 stay the inner transport's job. Successful
responses pass through unread; a stream's pieces pass as they come, watched for the
error frames Bedrock may end it with (``_stream_errors``).

Example::

    transport = BedrockTransport(settings, inner=http.HTTPTransport())
    client = http.Client(transport=transport)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Optional

from . import _batchwire
from ._endpoints import ENDPOINTS
from ._fork import PerProcess
from ._http import http
from ._responses import (
    AWS_ERROR_TYPE,
    CHECK,
    DECODE,
    PASS,
    STREAM,
    achecked,
    checked,
    decoded,
    error_type_of,
    normalize_error_body,
    rebuilt,
    triage,
)
from ._settings import Settings
from ._signing import VARIES, Signing
from ._stream_errors import watched

if TYPE_CHECKING:
    from ._mantle_routes import MantleRouter, Route


def _router(settings: Settings) -> Optional[MantleRouter]:
    """The router of a mantle client on mantle's default URL (loaded only for one)."""
    if not settings.routes_mantle:
        return None
    from ._mantle_routes import MantleRouter

    return MantleRouter()


def _hint(settings: Settings, request: http.Request) -> Optional[str]:
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


# How IAM words a denial by policy (docs/wire.md s5), a condition key's among them; other
# 403s (no model access, a bad API key) say something else and have remedies of their own.
_IAM_DENIAL = "is not authorized to perform"


def _guardrail_hint(
    settings: Settings, wire: http.Request, error_type: Optional[str], message: str
) -> Optional[str]:
    """IAM denied a guardrail-enforcing call sent without a guardrail.

    An IAM policy can allow InvokeModel only with the condition key
    ``bedrock:GuardrailIdentifier``, denying every call without that guardrail
    (https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-permissions-id.html).
    """
    from . import guardrails

    if (
        error_type not in _ACCESS_DENIED
        or _IAM_DENIAL not in message
        or guardrails.IDENTIFIER_HEADER in wire.headers
    ):
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


# A request rejected for clock skew is signed again with the server's time and sent
# once more (attempt 1); the SDK's own retries do not cover 403s.
_ATTEMPTS = (0, 1)
_RETRY = (1,)


# A request whose raw path holds b"/batches" or b"%" may be a batch call, which has
# rules of its own (``_batchwire``; a percent-encoded path is decoded to tell): the
# request methods test for both inline, as they run on every call.


def _checked(signing: Signing, request: http.Request) -> None:
    """Refuse a batch call Bedrock cannot serve, before anything is read or signed."""
    if _batchwire.is_batch_path(request.url.path):
        _batchwire.check(signing.settings.endpoint, request)


def _normalized_error(
    settings: Settings,
    request: http.Request,
    wire: http.Request,
    response: http.Response,
    content: bytes,
    route_hint: Optional[str] = None,
    truncated: bool = False,
) -> http.Response:
    """The error response, secrets redacted and the body OpenAI-style, once read."""
    from . import _error_body, _redact  # only errors need them: not loaded at import
    from ._remedies import message_of

    secrets = _redact.sent_secrets(wire)
    safe = _redact.redact(content, secrets)
    error_type = error_type_of(safe, response.headers.get(AWS_ERROR_TYPE))
    message = message_of(safe)
    hints = (
        route_hint
        or _hint(settings, request)
        or _guardrail_hint(settings, wire, error_type, message)
        or _remedy(settings, request, response.status_code, error_type, message),
        _error_body.note(truncated),
    )
    hint = " ".join(h for h in hints if h) or None
    replacement = normalize_error_body(safe, response.headers.get(AWS_ERROR_TYPE), hint)
    # Headers too: a gateway may echo the Authorization or token header back.
    response = http.Response(
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
    request: http.Request,
    status: int,
    error_type: Optional[str],
    message: str,
) -> Optional[str]:
    from ._mantle_routes import model_of
    from ._remedies import remedy

    return remedy(settings, status, error_type, message, model_of(request))


def _refused(route: Route, status: int, content: Optional[bytes]) -> bool:
    from ._mantle_routes import is_wrong_base

    if content is None:
        return False
    if route.model is not None:
        return is_wrong_base(status, content)
    return status == 404


def _route_hint(
    settings: Settings,
    route: Optional[Route],
    wire: http.Request,
    status: int,
    content: bytes,
) -> Optional[str]:
    """What to do about mantle's wrong-base answer."""
    if settings.endpoint != "mantle":
        return None
    from ._mantle_routes import is_wrong_base

    if not is_wrong_base(status, content):
        return None
    from ._remedies import wrong_base

    return wrong_base(
        settings,
        wire.url.path,
        routed=route is not None,
        retried=route is not None and not route.known,
    )


class BedrockTransport(http.BaseTransport):
    """Authenticates each request for Bedrock and hands it to ``inner``.

    Closing this transport closes ``inner``. ``rebuild`` makes a new inner transport
    for a child process after ``os.fork()`` (see ``_fork``).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        inner: http.BaseTransport,
        rebuild: Optional[Callable[[], http.BaseTransport]] = None,
    ) -> None:
        self.settings = settings
        self.signing = Signing(settings)
        self._inner = PerProcess(inner, rebuild)
        self._router = _router(settings)

    @property
    def inner(self) -> http.BaseTransport:
        return self._inner.get()

    def handle_request(self, request: http.Request) -> http.Response:
        signing = self.signing
        url = request.url
        # The origin first: nothing is read or signed for another host.
        if (url.scheme, url.host, url.port) != signing.origin:
            signing.refuse(url)
        path = url.raw_path
        if self._router is not None or b"/batches" in path or b"%" in path:
            return self._routed(request)
        # The common case, kept to few steps: it runs on every call.
        if signing.reads_body:
            request.read()
        credential = signing.fixed
        if credential is VARIES:
            credential = signing.credential()
        wire = signing.prepare(request, credential, path)
        response = self._inner.get().handle_request(wire)
        verdict = triage(response)
        if verdict == PASS:
            return response
        if verdict == STREAM:
            return watched(request, wire, response)
        if verdict == CHECK:
            return checked(request, response, signing.endpoint)
        if verdict == DECODE:
            return decoded(request, response, response.read(), signing.endpoint)
        return self._failed(request, wire, response)

    def _routed(self, request: http.Request) -> http.Response:
        """A batch call, or a mantle request routed by model."""
        _checked(self.signing, request)
        route = self._router.route(request) if self._router is not None else None
        if route is not None:
            from ._mantle_routes import other as other_base
        wire, response, content, truncated = self._send(request)
        if route is not None:
            retry = route.retry_url(request.url, response.status_code, content or b"")
            base = route.base
            if retry is not None:  # a guess refused as the wrong base: the other one, once
                request.url = retry
                wire, response, content, truncated = self._send(request)
                base = other_base(base)
                route.settled(base, not _refused(route, response.status_code, content))
            if content is None:
                return route.watch(response, base)
        if content is None:
            return response
        hint = _route_hint(self.settings, route, wire, response.status_code, content)
        return _normalized_error(self.settings, request, wire, response, content, hint, truncated)

    def _failed(
        self, request: http.Request, wire: http.Request, response: http.Response
    ) -> http.Response:
        """An error answer to the common case's one attempt."""
        from ._error_body import read  # errors only: not loaded at import

        content, truncated = read(response)
        if self.signing.auth.corrected_clock(response, content):
            wire, response, later, truncated = self._send(request, _RETRY)
            if later is None:
                return response
            content = later
        hint = _route_hint(self.settings, None, wire, response.status_code, content)
        return _normalized_error(self.settings, request, wire, response, content, hint, truncated)

    def _send(
        self, request: http.Request, attempts: tuple[int, ...] = _ATTEMPTS
    ) -> tuple[http.Request, http.Response, Optional[bytes], bool]:
        """Sign and send; the error body read (None for a response that passes as it
        is) and whether it was cut short."""
        signing = self.signing
        for attempt in attempts:
            if signing.reads_body:
                request.read()
            wire = signing.prepare(request, signing.credential())
            response = self._inner.get().handle_request(wire)
            verdict = triage(response)
            if verdict == CHECK:
                return wire, checked(request, response, signing.endpoint), None, False
            if verdict == DECODE:
                content = response.read()
                return wire, decoded(request, response, content, signing.endpoint), None, False
            if verdict == PASS:
                return wire, response, None, False
            if verdict == STREAM:
                return wire, watched(request, wire, response), None, False
            from ._error_body import read  # errors only: not loaded at import

            content, truncated = read(response)
            if attempt or not signing.auth.corrected_clock(response, content):
                break
        return wire, response, content, truncated

    def close(self) -> None:
        self._inner.value.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(settings={self.settings!r})"


class AsyncBedrockTransport(http.AsyncBaseTransport):
    """The async twin of ``BedrockTransport``; never blocks the event loop on I/O."""

    def __init__(
        self,
        settings: Settings,
        *,
        inner: http.AsyncBaseTransport,
        rebuild: Optional[Callable[[], http.AsyncBaseTransport]] = None,
    ) -> None:
        self.settings = settings
        self.signing = Signing(settings)
        self._inner = PerProcess(inner, rebuild)
        self._router = _router(settings)

    @property
    def inner(self) -> http.AsyncBaseTransport:
        return self._inner.get()

    async def handle_async_request(self, request: http.Request) -> http.Response:
        signing = self.signing
        url = request.url
        # The origin first: nothing is read or signed for another host.
        if (url.scheme, url.host, url.port) != signing.origin:
            signing.refuse(url)
        path = url.raw_path
        if self._router is not None or b"/batches" in path or b"%" in path:
            return await self._routed(request)
        # The common case, kept to few steps: it runs on every call.
        if signing.reads_body:
            await request.aread()
        credential = signing.fixed
        if credential is VARIES:
            credential = await signing.acredential()
        wire = signing.prepare(request, credential, path)
        response = await self._inner.get().handle_async_request(wire)
        verdict = triage(response)
        if verdict == PASS:
            return response
        if verdict == STREAM:
            return watched(request, wire, response)
        if verdict == CHECK:
            return await achecked(request, response, signing.endpoint)
        if verdict == DECODE:
            return decoded(request, response, await response.aread(), signing.endpoint)
        return await self._failed(request, wire, response)

    async def _routed(self, request: http.Request) -> http.Response:
        """A batch call, or a mantle request routed by model."""
        _checked(self.signing, request)
        route = self._router.route(request) if self._router is not None else None
        if route is not None:
            from ._mantle_routes import other as other_base
        wire, response, content, truncated = await self._send(request)
        if route is not None:
            retry = route.retry_url(request.url, response.status_code, content or b"")
            base = route.base
            if retry is not None:  # a guess refused as the wrong base: the other one, once
                request.url = retry
                wire, response, content, truncated = await self._send(request)
                base = other_base(base)
                route.settled(base, not _refused(route, response.status_code, content))
            if content is None:
                return route.watch(response, base)
        if content is None:
            return response
        hint = _route_hint(self.settings, route, wire, response.status_code, content)
        return _normalized_error(self.settings, request, wire, response, content, hint, truncated)

    async def _failed(
        self, request: http.Request, wire: http.Request, response: http.Response
    ) -> http.Response:
        """An error answer to the common case's one attempt."""
        from ._error_body import aread  # errors only: not loaded at import

        content, truncated = await aread(response)
        if self.signing.auth.corrected_clock(response, content):
            wire, response, later, truncated = await self._send(request, _RETRY)
            if later is None:
                return response
            content = later
        hint = _route_hint(self.settings, None, wire, response.status_code, content)
        return _normalized_error(self.settings, request, wire, response, content, hint, truncated)

    async def _send(
        self, request: http.Request, attempts: tuple[int, ...] = _ATTEMPTS
    ) -> tuple[http.Request, http.Response, Optional[bytes], bool]:
        """Sign and send; the error body read (None for a response that passes as it
        is) and whether it was cut short."""
        signing = self.signing
        for attempt in attempts:
            if signing.reads_body:
                await request.aread()
            wire = signing.prepare(request, await signing.acredential())
            response = await self._inner.get().handle_async_request(wire)
            verdict = triage(response)
            if verdict == CHECK:
                return wire, await achecked(request, response, signing.endpoint), None, False
            if verdict == DECODE:
                content = await response.aread()
                return wire, decoded(request, response, content, signing.endpoint), None, False
            if verdict == PASS:
                return wire, response, None, False
            if verdict == STREAM:
                return wire, watched(request, wire, response), None, False
            from ._error_body import aread  # errors only: not loaded at import

            content, truncated = await aread(response)
            if attempt or not signing.auth.corrected_clock(response, content):
                break
        return wire, response, content, truncated

    async def aclose(self) -> None:
        await self._inner.value.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(settings={self.settings!r})"
