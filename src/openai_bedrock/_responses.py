"""Make Bedrock's responses look the way openai SDK users expect.

- ``x-amzn-RequestId`` is exposed as ``x-request-id`` when that is absent, so
  ``completion._request_id`` and ``APIStatusError.request_id`` work.
- AWS-style error bodies (``{"message": ...}`` or ``{"Message": ...}`` with
  ``x-amzn-ErrorType: Code:namespace``) become OpenAI-style
  ``{"error": {"message", "type", "code"}}``, so ``e.code`` is the AWS error type and
  the SDK's message carries the AWS message. OpenAI-style bodies pass unchanged.

Success bodies, streamed or not, are never read here.
"""

from __future__ import annotations

import json
from typing import Any, Optional

import httpx

REQUEST_ID = "x-request-id"
AWS_REQUEST_ID = "x-amzn-requestid"
AWS_ERROR_TYPE = "x-amzn-errortype"


def expose_request_id(response: httpx.Response) -> None:
    if REQUEST_ID not in response.headers:
        aws_id = response.headers.get(AWS_REQUEST_ID)
        if aws_id:
            response.headers[REQUEST_ID] = aws_id


def needs_error_body(response: httpx.Response) -> bool:
    """Whether the body must be read to normalise an error (small, never a stream)."""
    return response.status_code >= 400


def aws_error_type(header: Optional[str]) -> Optional[str]:
    """``ThrottlingException:http://internal.amazon.com/...`` -> ``ThrottlingException``."""
    if not header:
        return None
    return header.split(":", 1)[0].strip() or None


def normalize_error_body(
    content: bytes, error_type_header: Optional[str], hint: Optional[str] = None
) -> Optional[bytes]:
    """The OpenAI-style body for an error, or None to leave the body as it is.

    ``hint`` (what to do instead) is appended to the message when given.
    """
    try:
        body: Any = json.loads(content)
    except ValueError:
        body = None
    error_type = aws_error_type(error_type_header)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        if hint is None:
            return None  # already OpenAI-shaped (mantle)
        error = dict(body["error"])
        error["message"] = f"{error.get('message') or ''} {hint}".strip()
        return _dump({**body, "error": error})
    if isinstance(body, dict):
        message = body.get("message", body.get("Message"))
        extras = {k: v for k, v in body.items() if k not in ("message", "Message")}
    else:
        message, extras = None, {}
    if message is None:
        if error_type is None and hint is None:
            return None  # nothing AWS-specific to translate
        text = content.decode("utf-8", "replace").strip()
        message = text or error_type or ""
    aws_error: dict[str, Any] = {
        "message": f"{message} {hint}".strip() if hint else str(message),
        "type": error_type,
        "code": error_type,
        "param": None,
    }
    aws_error.update({k: v for k, v in extras.items() if k not in aws_error})
    return _dump({"error": aws_error})


def _dump(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def rebuilt(response: httpx.Response, content: bytes, request: httpx.Request) -> httpx.Response:
    """A copy of ``response`` with a new JSON body and consistent headers."""
    headers = httpx.Headers(response.headers)
    for name in ("content-length", "content-encoding", "transfer-encoding"):
        headers.pop(name, None)
    headers["content-type"] = "application/json"
    return httpx.Response(
        status_code=response.status_code,
        headers=headers,
        content=content,
        request=request,
        extensions=response.extensions,
    )
