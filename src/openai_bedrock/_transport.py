"""The Bedrock transport: a transport (of the SDK's HTTP library) wrapping another.

Per HTTP attempt (the openai SDK re-sends each retry through it, so each attempt is
authenticated afresh)::

    request  -> Signing.prepare (origin, auth headers, guardrail, Bearer or SigV4)
             -> inner transport
    response <- expose request id, normalise AWS error bodies <-
             (a 403 for clock skew: learn the server's clock, sign again, send once more)

The sync and async transports differ only in how they wait: both drive the same
``_signing.Signing.prepare``.

Pooling, proxies, TLS and HTTP/2 stay the inner transport's job. Successful
responses, streamed or not, pass through unread.

Example::

    transport = BedrockTransport(settings, inner=http.HTTPTransport())
    client = http.Client(transport=transport)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Optional

from ._endpoints import ENDPOINTS
from ._fork import PerProcess
from ._http import http
from ._responses import (
    AWS_ERROR_TYPE,
    error_type_of,
    normalize_error_body,
    passes,
    rebuilt,
    redact,
)
from ._settings import Settings
from ._signing import Signing


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


# AWS's error type, and the OpenAI-style code mantle uses and runtime may (BEDROCK_WIRE.md s5).
_ACCESS_DENIED = ("AccessDeniedException", "access_denied")


def _guardrail_hint(
    settings: Settings, wire: http.Request, error_type: Optional[str]
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


# A request rejected for clock skew is signed again with the server's time and sent
# once more (attempt 1); the SDK's own retries do not cover 403s.
_ATTEMPTS = (0, 1)


def _normalized_error(
    settings: Settings,
    request: http.Request,
    wire: http.Request,
    response: http.Response,
    content: bytes,
) -> http.Response:
    """The error response, secrets redacted and the body OpenAI-style, once read."""
    authorization = wire.headers.get("Authorization", "")
    secrets = (
        wire.headers.get("X-Amz-Security-Token"),
        authorization.partition("Bearer ")[2],
        authorization.partition("Signature=")[2],  # should a server quote it back
    )
    safe = redact(content, secrets)
    error_type = error_type_of(safe, response.headers.get(AWS_ERROR_TYPE))
    hint = _hint(settings, request) or _guardrail_hint(settings, wire, error_type)
    replacement = normalize_error_body(safe, response.headers.get(AWS_ERROR_TYPE), hint)
    if replacement is not None:
        return rebuilt(response, replacement, request)
    if safe != content:
        return rebuilt(response, safe, request, content_type=None)
    return response


class BedrockTransport(http.BaseTransport):
    """Authenticates each request for Bedrock and hands it to ``inner``.

    Closing this transport closes ``inner``. ``rebuild`` makes a new inner transport
    for a process forked from this one (see ``_fork``); without it, use after a fork
    raises ``ForkedClientError``.
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

    @property
    def inner(self) -> http.BaseTransport:
        return self._inner.get()

    def handle_request(self, request: http.Request) -> http.Response:
        signing = self.signing
        signing.check_origin(request)
        for attempt in _ATTEMPTS:
            if signing.reads_body:
                request.read()
            wire = signing.prepare(request, signing.credential())
            response = self._inner.get().handle_request(wire)
            if passes(response):
                return response
            content = response.read()
            response.close()
            if attempt or not signing.auth.corrected_clock(response, content):
                break
        return _normalized_error(self.settings, request, wire, response, content)

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

    @property
    def inner(self) -> http.AsyncBaseTransport:
        return self._inner.get()

    async def handle_async_request(self, request: http.Request) -> http.Response:
        signing = self.signing
        signing.check_origin(request)
        for attempt in _ATTEMPTS:
            if signing.reads_body:
                await request.aread()
            wire = signing.prepare(request, await signing.acredential())
            response = await self._inner.get().handle_async_request(wire)
            if passes(response):
                return response
            content = await response.aread()
            await response.aclose()
            if attempt or not signing.auth.corrected_clock(response, content):
                break
        return _normalized_error(self.settings, request, wire, response, content)

    async def aclose(self) -> None:
        await self._inner.value.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(settings={self.settings!r})"
