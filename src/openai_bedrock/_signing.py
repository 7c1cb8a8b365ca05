"""Signing: the one place where a request the SDK built becomes the request sent.

Sync and async clients drive the same function, ``Signing.prepare``; only getting a
credential differs (``credential()`` / ``acredential()``: an async client refreshes
AWS credentials and runs a plain token provider in a worker thread). Per attempt::

    refuse foreign origins -> drop auth headers a caller set (and the SDK's own
    Authorization) -> apply the client-wide guardrail -> add Bearer or SigV4 headers

Only public APIs of the HTTP library are used. What keeps it cheap:

* A fixed Bedrock API key is the SDK's own ``api_key``, so the SDK writes the
  ``Authorization`` header itself, as a plain ``OpenAI()`` does; a request with
  nothing else to do is sent as it is, once its origin is checked (so the key never
  leaves for another host).
* With SigV4 (and a token provider) the SDK's placeholder ``Authorization`` is left
  out of the signed copy, and a signature's per-second parts (date, scope, signing
  key) and per-request-shape templates are cached in ``_sigv4_signer.Signer``.

The SDK's request is never changed: the signed copy is sent, so the SDK's request
(shown in errors) holds no signature or session token.
"""

from __future__ import annotations

import inspect
import json
import operator
from collections.abc import Callable, Sequence
from typing import Any, Optional

from . import _sigv4, _sigv4_canonical
from ._auth import BearerAuth, SigV4Auth, check_secret
from ._endpoints import ENDPOINTS, INVOCATIONS, canonical_path
from ._errors import ConfigurationError, CredentialsError, ForeignOriginError
from ._http import http
from ._settings import Settings
from ._sigv4 import StaticCredentials, sign_raw
from ._sigv4_canonical import RawPairs, pair_picker
from ._sigv4_signer import Signer

# The SDK's api_key when it is not a fixed Bedrock API key (it insists on one): the
# Authorization the SDK makes of it is dropped from what is sent.
SDK_PLACEHOLDER_KEY = "openai-bedrock-placeholder-not-sent"

# Headers only signing sets: any a caller set never reach the wire.
AUTH_HEADERS = ("authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256")
_AUTH_KEYS = frozenset(name.encode("ascii") for name in AUTH_HEADERS)
# guardrails.IDENTIFIER_HEADER, VERSION_HEADER and TRACE_HEADER, lowercased (spelled
# out so that the guardrails module loads only when a request names a guardrail;
# tests/unit/test_guardrails.py checks they agree).
GUARDRAIL_KEYS = frozenset(
    {
        b"x-amzn-bedrock-guardrailidentifier",
        b"x-amzn-bedrock-guardrailversion",
        b"x-amzn-bedrock-trace",
    }
)
_SIGNATURE_KEYS = _AUTH_KEYS - {b"authorization"}
_NAME = operator.itemgetter(0)
# ``Signing.fixed`` when the credential is fetched for each request.
VARIES: Any = object()


# What a request's header names say (``_shape``): the index of its Authorization when
# that is its only authentication header and no header names a guardrail, else -1 (the
# request needs more than authenticating); and the getter of its SigV4-signed headers.
_Shape = tuple[int, Callable[[Sequence[Any]], RawPairs]]


def _shape(names: tuple[bytes, ...]) -> _Shape:
    lowered = [name.lower() for name in names]
    simple = (
        lowered.count(b"authorization") == 1
        and _SIGNATURE_KEYS.isdisjoint(lowered)
        and GUARDRAIL_KEYS.isdisjoint(lowered)
    )
    return (lowered.index(b"authorization") if simple else -1), pair_picker(names)


def _remember(
    cache: dict[tuple[bytes, ...], _Shape], key: tuple[bytes, ...], value: _Shape
) -> _Shape:
    """Store, keeping the cache small: requests of a client have few header shapes,
    and a caller that varies header names without end must not grow it forever."""
    if len(cache) >= 256:
        cache.clear()
    cache[key] = value
    return value


class Signing:
    """Prepares each request of one client for the wire (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.auth = auth = settings.auth
        self.origin = settings.origin
        self.endpoint = settings.endpoint
        # The SDK's own Authorization, for a fixed API key (it is the SDK's api_key).
        self.sdk_api_key: Optional[str] = None
        self._sdk_authorization: Optional[bytes] = None
        self._signer: Optional[Signer] = None
        # Header names (as sent) -> what ``_shape`` found for them.
        self._shapes: dict[tuple[bytes, ...], _Shape] = {}
        # What credential() returns when that never changes, else VARIES.
        self.fixed: Any = VARIES
        # Fixed for the client: worked out once, read on every request.
        self._unguarded = settings.guardrail is None
        self._clock: Any = None
        # SigV4 hashes the body: the transport reads a streamed one first.
        self.reads_body = isinstance(auth, SigV4Auth)
        if isinstance(auth, BearerAuth) and auth.provider is None and auth.key is not None:
            self.fixed = None  # the SDK's own api_key authenticates
            self.sdk_api_key = auth.key
            self._sdk_authorization = b"Bearer " + auth.key.encode("ascii")
        elif isinstance(auth, SigV4Auth):
            self._signer = Signer(auth.service, auth.region)
            self._clock = auth.clock
            if isinstance(auth.credentials, StaticCredentials):
                self.fixed = auth.frozen_credentials()  # fixed keys

    # Getting the credential: the only part that differs between sync and async.

    def credential(self) -> Any:
        """What ``prepare`` needs to authenticate: a token, a credential snapshot, or
        None for a fixed API key."""
        auth = self.auth
        if isinstance(auth, SigV4Auth):
            fixed = self.fixed
            return auth.frozen_credentials() if fixed is VARIES else fixed
        if auth.provider is None:
            return None
        try:
            token = auth.provider()
        except Exception as exc:
            raise _provider_failed(exc) from exc
        if inspect.isawaitable(token):
            close = getattr(token, "close", None)
            if close is not None:
                close()  # so Python does not warn that it was never awaited
            raise CredentialsError(
                "token_provider returned an awaitable, which only create_async_client() "
                "can await. Pass a plain function to create_client()."
            )
        return token

    async def acredential(self) -> Any:
        """``credential()`` without blocking the event loop on I/O."""
        auth = self.auth
        if isinstance(auth, SigV4Auth):
            if self.fixed is not VARIES:
                return self.fixed
            if auth.needs_refresh():
                # Refreshing may do network or file I/O (STS, SSO, IMDS): keep it off
                # the event loop, and only pay for the thread hop when one is due.
                import anyio.to_thread

                return await anyio.to_thread.run_sync(auth.frozen_credentials)
            return auth.frozen_credentials()
        provider = auth.provider
        if provider is None:
            return None
        try:
            acall = getattr(provider, "acall", None)
            if inspect.iscoroutinefunction(acall):
                # Our own providers (short_term_token_provider) know when they need I/O.
                return await acall()
            if inspect.iscoroutinefunction(provider):
                return await provider()
            # A plain function may do I/O (minting a key from AWS credentials): run
            # it off the event loop. Pass an async function to avoid the hop.
            import anyio.to_thread

            token = await anyio.to_thread.run_sync(provider)
            if inspect.isawaitable(token):
                token = await token
            return token
        except Exception as exc:
            raise _provider_failed(exc) from exc

    # The one signing path.

    def prepare(
        self, request: http.Request, credential: Any, path: Optional[bytes] = None
    ) -> http.Request:
        """The request to send for the SDK's ``request``, authenticated with
        ``credential`` (from ``credential()`` or ``acredential()``, fetched once the
        transport checked the request's origin, so no credential is even read for
        another host). ``path``: the request's ``url.raw_path``, if already at hand.

        The SDK's request is left as it is: the request sent carries the signature,
        so the SDK's request (shown in errors) holds no signature or session token.
        """
        raw = request.headers.raw
        names = tuple(map(_NAME, raw))
        shape = self._shapes.get(names)
        if shape is None:
            shape = _remember(self._shapes, names, _shape(names))
        index, signed = shape
        if index >= 0 and self._unguarded:
            # The common case: the SDK's headers and nothing else to do but authenticate.
            if self._sdk_authorization is not None:
                if raw[index][1] == self._sdk_authorization:
                    return request  # the SDK's own Authorization: send it as built
            elif self._signer is not None:
                if path is None:
                    path = request.url.raw_path
                if b"?" not in path:
                    # The SDK's placeholder Authorization, replaced in a copy (the
                    # library copies the SDK's headers without normalising them again,
                    # cheaper than building new ones). Inline: this runs on every call.
                    url = request.url
                    values = self._signer.headers(
                        request.method,
                        url,
                        path,
                        signed(raw),
                        request.content,  # read by the transport
                        credential,
                        _sigv4.timestamp() + self._clock.offset,  # SigningClock.seconds()
                    )
                    if values is not None:
                        date, token, authorization = values
                        wire = http.Request(
                            request.method,
                            url,
                            headers=request.headers,
                            stream=request.stream,  # read: a stream that reads again
                            extensions=request.extensions,
                        )
                        headers = wire.headers
                        headers["Authorization"] = authorization
                        headers["X-Amz-Date"] = date
                        if token is not None:
                            headers["X-Amz-Security-Token"] = token
                        wire.read()  # so .content reads as on the SDK's (one chunk, no copy)
                        return wire
        return self._prepared(request, raw, credential)

    def _prepared(
        self, request: http.Request, raw: list[tuple[bytes, bytes]], credential: Any
    ) -> http.Request:
        """Every other request: caller-set authentication headers dropped, the
        client-wide guardrail applied, a query canonicalised for SigV4, a token
        provider's key, a streamed body."""
        url = request.url
        kept = [item for item in raw if item[0].lower() not in _AUTH_KEYS]
        body: Optional[bytes] = None
        if self.settings.guardrail is not None or not GUARDRAIL_KEYS.isdisjoint(
            name.lower() for name, _ in kept
        ):
            headers = http.Headers(kept)
            body = _apply_guardrail(self.settings, request, headers)
            kept = headers.raw
            if body is not None:
                kept = [(k, v) for k, v in kept if k.lower() != b"content-length"]
                kept.append((b"Content-Length", str(len(body)).encode("ascii")))
        if url.query and self._signer is not None:
            # Send the query exactly as SigV4 canonicalises it (the library writes a
            # space as "+", AWS as "%20"), so what is signed is what the server checks.
            url = _sigv4_canonical.canonical_query_url(url)
        kept += self._auth_headers(request, url, kept, body, credential)
        if body is None:
            try:
                body = request.content
            except http.RequestNotRead:  # a streamed body (Bearer auth only): pass it on
                return http.Request(
                    request.method,
                    url,
                    headers=kept,
                    stream=request.stream,
                    extensions=request.extensions,
                )
        wire = http.Request(
            request.method,
            url,
            headers=kept,
            stream=http.ByteStream(body),
            extensions=request.extensions,
        )
        wire.read()  # so .content reads as on the SDK's request (no copy: one chunk)
        return wire

    def _auth_headers(
        self,
        request: http.Request,
        url: http.URL,
        headers: list[tuple[bytes, bytes]],
        body: Optional[bytes],
        credential: Any,
    ) -> list[tuple[bytes, bytes]]:
        auth = self.auth
        if isinstance(auth, BearerAuth):
            if credential is None:
                key = auth.key
            else:
                try:
                    key = check_secret(credential, "The token_provider result")
                except ConfigurationError as exc:
                    raise CredentialsError(str(exc)) from None
            return [(b"Authorization", b"Bearer " + str(key).encode("ascii"))]
        content = request.content if body is None else body  # read by the transport
        if not url.query and self._signer is not None:
            values = self._signer.headers(
                request.method,
                url,
                url.raw_path,
                self._signer.picker(tuple(map(_NAME, headers)))(headers),
                content,
                credential,
                auth.clock.seconds(),
            )
            if values is not None:
                date, token, authorization = values
                added = [(b"X-Amz-Date", date.encode("ascii"))]
                if token is not None:
                    added.append((b"X-Amz-Security-Token", token.encode("ascii")))
                added.append((b"Authorization", authorization.encode("ascii")))
                return added
        items = [(name, name.lower(), value) for name, value in headers]
        return [
            (name, value)
            for name, _, value in sign_raw(
                request.method,
                str(url),
                items,
                lambda: "utf-8",
                content,
                credential,
                auth.service,
                auth.region,
                auth.clock.now(),
            )
        ]

    def refuse(self, url: http.URL) -> None:
        """Raise ``ForeignOriginError`` for a request to ``url`` (another origin)."""
        base = self.settings.base_url
        port = f":{url.port}" if url.port else ""
        target = f"{url.scheme}://{url.host}{port}"  # never the userinfo
        raise ForeignOriginError(
            f"Refused to send a request to {target}: this client only talks to "
            f"{base.scheme}://{base.netloc.decode('ascii')} and never sends its "
            "credentials elsewhere. For another Bedrock endpoint, build a client with "
            "openai_bedrock.create_client(base_url=...)."
        )


def _provider_failed(exc: Exception) -> CredentialsError:
    # The provider's message is not repeated: it is user code and may hold the key.
    return CredentialsError(
        f"token_provider raised {type(exc).__name__} (see the chained exception). "
        "Fix the provider, or pass api_key=... instead."
    )


def _apply_guardrail(
    settings: Settings, request: http.Request, headers: http.Headers
) -> Optional[bytes]:
    """Add the client-wide guardrail to a model invocation, and refuse unenforced ones.

    A per-call guardrail (its headers already set) wins over the client's; a caller's
    own ``amazon-bedrock-guardrailConfig`` (a fresh tag suffix per request) is kept.
    Returns the new body when the guardrail adds a body field, else None.
    """
    from . import guardrails

    named = not GUARDRAIL_KEYS.isdisjoint(name.lower() for name, _ in headers.raw)
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


def _with_fields(request: http.Request, fields: dict[str, Any]) -> Optional[bytes]:
    """The JSON body with ``fields`` added where the caller has not set them."""
    if not fields:
        return None
    try:
        payload = json.loads(request.content)
    except (http.RequestNotRead, ValueError):
        return None  # not a JSON body we can extend; headers still apply
    if not isinstance(payload, dict) or all(key in payload for key in fields):
        return None
    for key, value in fields.items():
        payload.setdefault(key, value)
    encoded: bytes = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return encoded


__all__ = ["AUTH_HEADERS", "GUARDRAIL_KEYS", "SDK_PLACEHOLDER_KEY", "VARIES", "Signing"]
