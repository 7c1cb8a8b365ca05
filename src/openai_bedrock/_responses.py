"""Make Bedrock's responses look the way openai SDK users expect.

- ``x-amzn-RequestId`` is exposed as ``x-request-id`` when that is absent, so
  ``completion._request_id`` and ``APIStatusError.request_id`` work.
- Secrets that an error body quotes back are redacted: a signature-mismatch 403
  includes the canonical request, session token header and all.
- AWS-style error bodies (``{"message": ...}`` or ``{"Message": ...}`` with
  ``x-amzn-ErrorType: Code:namespace``) become OpenAI-style
  ``{"error": {"message", "type", "code"}}``, so ``e.code`` is the AWS error type and
  the SDK's message carries the AWS message. OpenAI-style bodies pass unchanged.

Success bodies, streamed or not, are never read here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Optional

from ._http import http

REQUEST_ID = "x-request-id"
AWS_REQUEST_ID = "x-amzn-requestid"
AWS_ERROR_TYPE = "x-amzn-errortype"


# What the transport does with a response (``triage``).
PASS = 0  # back to the SDK as it is, unread
CHECK = 1  # a success that may be runtime's 200 UnknownOperation envelope: read it
ERROR = 2  # a status of 400 or more: its (small, never streamed) body is normalised
DECODE = 3  # CHECK, for a compressed body: read (decoded) before it is checked
STREAM = 4  # a successful event stream: passed through, its error frames raised


class PassThrough(http.SyncByteStream, http.AsyncByteStream):
    """A response body passed on piece by piece as it comes, each piece shown to
    ``seen`` first (subclasses watch the body without holding it back)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def seen(self, piece: bytes) -> None:
        raise NotImplementedError

    def __iter__(self) -> Any:
        for piece in self._inner:
            self.seen(piece)
            yield piece

    async def __aiter__(self) -> Any:
        async for piece in self._inner:
            self.seen(piece)
            yield piece

    def close(self) -> None:
        self._inner.close()

    async def aclose(self) -> None:
        await self._inner.aclose()


def triage(response: http.Response) -> int:
    """Expose the request id, and say what the response needs (``PASS``, ``CHECK``,
    ``DECODE`` or ``ERROR``).

    Bedrock names its request id ``x-amzn-requestid``; the SDK reads ``x-request-id``
    (``response._request_id``, error messages), so the id is copied across.

    Only a short success (under 256 bytes, its length declared) that is not an event
    stream may be the envelope, a fixed shape of 90 bytes (docs/wire.md, "Unserved
    paths"), the window leaving room for a message in it; that is decided from the
    headers alone, so other responses, a typical completion among them, pass unread.
    This runs on every response: one dict of the lowercased names costs about half of
    a lookup per header.
    """
    headers = response.headers
    found = {name.lower(): value for name, value in headers.raw}
    if b"x-amzn-requestid" in found and b"x-request-id" not in found:
        # Repeated headers read as one value joined with ", ", as the library reads them.
        headers[REQUEST_ID] = headers[AWS_REQUEST_ID]
    if response.status_code >= 400:
        return ERROR
    length = found.get(b"content-length")
    if b"event-stream" in found.get(b"content-type", b""):
        return STREAM
    if length is not None and (len(length) < 3 or (len(length) == 3 and length < b"256")):
        return CHECK if found.get(b"content-encoding", b"identity") == b"identity" else DECODE
    return PASS


# A checked body is read from the response's stream as it came, and the response gets
# a new stream of it: the HTTP client then reads that as it reads any body, so what
# it records on reading (``response.elapsed``) is as for any other response.


def checked(request: http.Request, response: http.Response, endpoint: str) -> http.Response:
    """``response`` (``CHECK``), or the error for runtime's 200 UnknownOperation.
    ``request`` is the SDK's (never the signed one sent): the error carries it."""
    stream: Any = response.stream
    content = b"".join(stream)
    stream.close()
    return _checked(request, response, content, endpoint)


async def achecked(request: http.Request, response: http.Response, endpoint: str) -> http.Response:
    """``checked`` for an async response."""
    stream: Any = response.stream
    content = b"".join([part async for part in stream])
    await stream.aclose()
    return _checked(request, response, content, endpoint)


def _checked(
    request: http.Request, response: http.Response, content: bytes, endpoint: str
) -> http.Response:
    error = unknown_operation(request, response, content, endpoint)
    if error is not None:
        return error
    response.stream = http.ByteStream(content)
    return response


def decoded(
    request: http.Request, response: http.Response, content: bytes, endpoint: str
) -> http.Response:
    """``checked`` for a ``DECODE`` response, whose (decoded) ``content`` was read."""
    error = unknown_operation(request, response, content, endpoint)
    if error is not None:
        return error
    return rebuilt(response, content, request, content_type=None, unread=True)


_UNKNOWN_OPERATION = b"#UnknownOperationException"


def unknown_operation(
    request: http.Request, response: http.Response, content: bytes, endpoint: str
) -> Optional[http.Response]:
    """None, unless ``content`` is runtime's 200 UnknownOperation envelope
    (docs/wire.md, "Unserved paths"): then ``UnknownOperationError`` is raised, or
    the 404 response that raises it in the SDK (``_status_errors``)."""
    if _UNKNOWN_OPERATION not in content:
        return None
    path = request.url.path
    if path.rstrip("/").endswith("/models") or "/models/" in path:
        remedy = (
            "List models with endpoint='mantle' (GET /v1/models) or with the control-plane "
            "ListFoundationModels (boto3: bedrock.list_foundation_models())."
        )
    elif path.startswith("/v1/") and endpoint == "runtime":
        remedy = f"bedrock-runtime serves the OpenAI API under /openai/v1: use /openai{path}."
    else:
        remedy = "Check the path and the endpoint (runtime or mantle) that offers this API."
    message = (
        f"bedrock-{endpoint} does not serve {request.method} {path}: it answered HTTP "
        f"{response.status_code} with UnknownOperationException. {remedy}"
    )
    body = {
        "error": {
            "message": message,
            "type": "UnknownOperationException",
            "code": "UnknownOperationException",
            "param": None,
        }
    }
    error = rebuilt(response, _dump(body), request)
    error.status_code = 404
    error.headers["x-should-retry"] = "false"
    from . import _status_errors  # the error path only: not loaded at import

    return _status_errors.unknown_operation(error, body)


def redact(content: bytes, secrets: Iterable[Optional[str]]) -> bytes:
    """``content`` without ``secrets`` in any encoding (see ``_redact``)."""
    from ._redact import redact as _redact

    return _redact(content, secrets)


def bare_error_type(value: object) -> Optional[str]:
    """The bare AWS error type, as botocore reduces it.

    ``ThrottlingException:http://internal.amazon.com/...`` and
    ``com.amazon.coral.service#UnrecognizedClientException`` both lose their
    namespace.
    """
    if not isinstance(value, str):
        return None
    return value.split(":", 1)[0].rsplit("#", 1)[-1].strip() or None


_AWS_MESSAGE_KEYS = ("message", "Message")
_AWS_TYPE_KEYS = ("code", "Code", "__type")


def normalize_error_body(
    content: bytes, error_type_header: Optional[str], hint: Optional[str] = None
) -> Optional[bytes]:
    """The OpenAI-style body for an error, or None to leave the body as it is.

    The error type comes from ``x-amzn-ErrorType``, else from the body's ``code``,
    ``Code`` or ``__type``. ``hint`` (what to do instead) is appended to the message.
    """
    try:
        body: Any = json.loads(content)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        if hint is None:
            return None  # already OpenAI-shaped (mantle)
        error = dict(body["error"])
        error["message"] = f"{error.get('message') or ''} {hint}".strip()
        return _dump({**body, "error": error})
    fields: dict[str, Any] = body if isinstance(body, dict) else {}
    error_type = _error_type(fields, error_type_header)
    message = next((fields[k] for k in _AWS_MESSAGE_KEYS if fields.get(k) is not None), None)
    if message is None and isinstance(fields.get("error"), str) and fields["error"]:
        message = fields["error"]  # `error` as a bare string (docs/wire.md 10.3 b)
    if message is None:
        if error_type is None and hint is None:
            return None  # nothing AWS-specific to translate
        message = content.decode("utf-8", "replace").strip() or error_type or ""
    error = {
        "message": f"{message} {hint}".strip() if hint else str(message),
        "type": error_type,
        "code": error_type,
        "param": None,
    }
    skipped = {*_AWS_MESSAGE_KEYS, *_AWS_TYPE_KEYS, *error, "error"}
    error.update({k: v for k, v in fields.items() if k not in skipped})
    return _dump({"error": error})


def _error_type(fields: dict[str, Any], error_type_header: Optional[str]) -> Optional[str]:
    return bare_error_type(error_type_header) or next(
        (t for t in map(bare_error_type, map(fields.get, _AWS_TYPE_KEYS)) if t), None
    )


def error_type_of(content: bytes, error_type_header: Optional[str]) -> Optional[str]:
    """The bare AWS error type of an error response, from its header or its body.

    An OpenAI-style body (``{"error": {"code": ...}}``) gives its ``code``.
    """
    try:
        body: Any = json.loads(content)
    except ValueError:
        body = None
    fields: dict[str, Any] = body if isinstance(body, dict) else {}
    if isinstance(fields.get("error"), dict):
        fields = fields["error"]
    return _error_type(fields, error_type_header)


def _dump(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def rebuilt(
    response: http.Response,
    content: bytes,
    request: http.Request,
    content_type: Optional[str] = "application/json",
    unread: bool = False,
) -> http.Response:
    """A copy of ``response`` with a new body and consistent headers.

    ``content_type=None`` keeps the response's own content type. ``unread``: the body
    as a stream the HTTP client reads as any other (so it records ``elapsed``); else
    read already, as an error's body is (errors copy their response without its stream).
    """
    headers = http.Headers(response.headers)
    for name in ("content-length", "content-encoding", "transfer-encoding"):
        headers.pop(name, None)
    if content_type is not None:
        headers["content-type"] = content_type
    if unread:
        headers["content-length"] = str(len(content))
        return http.Response(
            response.status_code,
            headers=headers,
            stream=http.ByteStream(content),
            request=request,
            extensions=response.extensions,
        )
    return http.Response(
        status_code=response.status_code,
        headers=headers,
        content=content,
        request=request,
        extensions=response.extensions,
    )
